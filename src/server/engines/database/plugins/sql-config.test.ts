import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../shared/errors.js';
import { normaliseSqlConfig, parseSqlConnectionSettings, weakBool, weakInt } from './sql-config.js';

const url = 'postgres://{{username}}:{{password}}@db/app';

describe('parseSqlConnectionSettings', () => {
  it("fills in Vault's defaults", () => {
    expect(parseSqlConnectionSettings({ connection_url: url })).toEqual({
      connectionUrl: url,
      username: '',
      password: '',
      maxOpenConnections: 4,
      maxIdleConnections: 4,
      maxConnectionLifetimeSeconds: 0,
      disableEscaping: false,
      usernameTemplate: '',
    });
  });

  it('clamps idle connections to max open and treats 0 as "same as max open"', () => {
    expect(parseSqlConnectionSettings({ connection_url: url, max_open_connections: 10, max_idle_connections: 0 }).maxIdleConnections).toBe(10);
    expect(parseSqlConnectionSettings({ connection_url: url, max_open_connections: 3, max_idle_connections: 9 }).maxIdleConnections).toBe(3);
    expect(parseSqlConnectionSettings({ connection_url: url, max_open_connections: '8', max_idle_connections: '2' })).toMatchObject({
      maxOpenConnections: 8,
      maxIdleConnections: 2,
    });
  });

  it('takes max_connection_lifetime as a duration string or seconds', () => {
    expect(parseSqlConnectionSettings({ connection_url: url, max_connection_lifetime: '1m30s' }).maxConnectionLifetimeSeconds).toBe(90);
    expect(parseSqlConnectionSettings({ connection_url: url, max_connection_lifetime: 45 }).maxConnectionLifetimeSeconds).toBe(45);
    expect(parseSqlConnectionSettings({ connection_url: url, max_connection_lifetime: '0s' }).maxConnectionLifetimeSeconds).toBe(0);
  });

  it('refuses what it cannot use, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{}, /connection_url cannot be empty/],
      [{ connection_url: '  ' }, /connection_url cannot be empty/],
      [{ connection_url: url, username: 'x{{username}}' }, /cannot contain the template variables/],
      [{ connection_url: url, password: '{{password}}' }, /cannot contain the template variables/],
      [{ connection_url: url, max_open_connections: 'many' }, /max_open_connections/],
      [{ connection_url: url, max_open_connections: -1 }, /max_open_connections/],
      [{ connection_url: url, max_idle_connections: -2 }, /max_idle_connections/],
      [{ connection_url: url, max_connection_lifetime: 'soon' }, /max_connection_lifetime/],
      [{ connection_url: url, max_connection_lifetime: '-5s' }, /max_connection_lifetime/],
      [{ connection_url: url, disable_escaping: 'maybe' }, /disable_escaping/],
      [{ connection_url: { nested: true } }, /connection_url/],
    ];
    for (const [config, message] of bad) {
      expect(() => parseSqlConnectionSettings(config)).toThrow(UserError);
      expect(() => parseSqlConnectionSettings(config)).toThrow(message);
    }
  });

  it('allows braces in passwords that are not template variables', () => {
    expect(parseSqlConnectionSettings({ connection_url: url, password: 'a{{b}}c' }).password).toBe('a{{b}}c');
  });
});

describe('weak decoding', () => {
  it('reads integers and booleans the way mapstructure.WeakDecode does', () => {
    expect(weakInt({ n: '12' }, 'n')).toBe(12);
    expect(weakInt({ n: 7.9 }, 'n')).toBe(7);
    expect(weakInt({ n: true }, 'n')).toBe(1);
    expect(weakInt({}, 'n')).toBe(0);
    expect(weakBool({ b: 'true' }, 'b')).toBe(true);
    expect(weakBool({ b: 'F' }, 'b')).toBe(false);
    expect(weakBool({ b: 1 }, 'b')).toBe(true);
    expect(weakBool({ b: '' }, 'b')).toBe(false);
  });
});

describe('normaliseSqlConfig', () => {
  it('keeps every key the caller sent, with the shared fields decoded, and adds none', () => {
    const config = { connection_url: url, username: 'vault', password: 'pw', max_open_connections: '6', max_idle_connections: 99, tls_ca: 'x' };
    expect(normaliseSqlConfig(config, parseSqlConnectionSettings(config))).toEqual({
      connection_url: url,
      username: 'vault',
      password: 'pw',
      max_open_connections: 6,
      max_idle_connections: 6,
      tls_ca: 'x',
    });
  });
});
