import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { MYSQL_DEFAULT_USERNAME_TEMPLATE, POSTGRESQL_DEFAULT_USERNAME_TEMPLATE } from './plugins/index.js';
import { generatePassword, passwordPolicyFor, renderUsername, usernameTemplateOf, validateUsernameTemplate } from './credentials.js';
import type { ConnectionConfig } from './store.js';
import { noPolicySystem } from '../../sdk/testing.js';

const config = (details: Record<string, unknown> = {}, policy = ''): ConnectionConfig => ({
  plugin_name: 'p',
  plugin_version: '',
  connection_details: details,
  allowed_roles: [],
  root_credentials_rotate_statements: [],
  password_policy: policy,
  verify_connection: true,
});

describe('usernames', () => {
  it("render Vault's documented PostgreSQL and MySQL examples", () => {
    expect(renderUsername(POSTGRESQL_DEFAULT_USERNAME_TEMPLATE, { DisplayName: 'token', RoleName: 'myrolename' })).toMatch(
      /^v-token-myrolena-[A-Za-z0-9]{20}-\d{10}$/,
    );
    const mysql = renderUsername(MYSQL_DEFAULT_USERNAME_TEMPLATE, { DisplayName: 'token', RoleName: 'myrolename' });
    expect(mysql).toMatch(/^v-token-myrolename-[A-Za-z0-9]{13}$/);
    expect(mysql).toHaveLength(32);
  });

  it('the PostgreSQL default never exceeds 63 characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (displayName, roleName) => {
        expect(renderUsername(POSTGRESQL_DEFAULT_USERNAME_TEMPLATE, { DisplayName: displayName, RoleName: roleName }).length).toBeLessThanOrEqual(63);
      }),
      { numRuns: 50 },
    );
  });

  it("use the connection's username_template when set, else the plugin's", () => {
    expect(usernameTemplateOf(config({ username_template: '{{.RoleName}}' }), 'default')).toBe('{{.RoleName}}');
    expect(usernameTemplateOf(config({ username_template: '  ' }), 'default')).toBe('default');
    expect(usernameTemplateOf(config(), 'default')).toBe('default');
  });

  it('refuse templates that do not parse, reference unknown fields or render nothing', () => {
    expect(() => validateUsernameTemplate('{{ .RoleName ')).toThrow(/^invalid username template: /);
    expect(() => validateUsernameTemplate('{{ .Missing }}')).toThrow(UserError);
    expect(() => validateUsernameTemplate('{{ nofunc 3 }}')).toThrow(UserError);
    expect(() => validateUsernameTemplate('{{ "" }}')).toThrow('invalid username template: the template renders an empty username');
    expect(() => validateUsernameTemplate('u-{{ .RoleName }}')).not.toThrow();
  });
});

describe('passwords', () => {
  it("default to Vault's generator: 20 characters of [A-Za-z0-9-] with every class", async () => {
    for (let i = 0; i < 20; i++) {
      const pw = await generatePassword(noPolicySystem, undefined);
      expect(pw).toMatch(/^[A-Za-z0-9-]{20}$/);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
      expect(pw).toMatch(/-/);
    }
  });

  it('come from the named policy, and name a missing one', async () => {
    await expect(generatePassword({ generatePasswordFromPolicy: async (n) => `p:${n}` }, 'mine')).resolves.toBe('p:mine');
    await expect(generatePassword(noPolicySystem, 'nope')).rejects.toThrow('failed to generate password: password policy "nope" not found');
  });

  it("prefer the role's policy to the connection's", () => {
    expect(passwordPolicyFor({ password_policy: 'role' }, config({}, 'conn'))).toBe('role');
    expect(passwordPolicyFor({}, config({}, 'conn'))).toBe('conn');
    expect(passwordPolicyFor({}, config())).toBeUndefined();
  });
});
