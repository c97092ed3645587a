import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope } from '../api/testing.js';
import { HARNESS_TOKEN, startCliHarness, type CliHarness } from './testing.js';

const NEW_TOKEN = 'hvs.LOGINTOKENabcdefghijklmn';
const CHILD = 'hvs.CHILDTOKENabcdefghijklmn';
const LOOKUP = envelope({
  id: NEW_TOKEN,
  accessor: 'acc9',
  policies: ['default', 'dev'],
  identity_policies: null,
  ttl: 2764800,
  creation_ttl: 2764800,
  explicit_max_ttl: 0,
  renewable: true,
  display_name: 'token',
  meta: null,
  num_uses: 0,
  orphan: false,
  path: 'auth/token/create',
  type: 'service',
});
const AUTH = {
  client_token: CHILD,
  accessor: 'childacc',
  policies: ['default', 'dev'],
  token_policies: ['default', 'dev'],
  metadata: { team: 'x' },
  lease_duration: 3600,
  renewable: true,
  entity_id: '',
  token_type: 'service',
  orphan: false,
  mfa_requirement: null,
  num_uses: 0,
};

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness({ 'GET /v1/auth/token/lookup-self': { body: LOOKUP } });
});
afterEach(async () => {
  await h.close();
});

const tokenFile = (): string => join(h.home, '.vault-token');
const NO_ENV_TOKEN = { VAULT_TOKEN: '' };

describe('login', () => {
  it('verifies the token with lookup-self, stores it 0600 and prints the Success table', async () => {
    const r = await h.run(['login', NEW_TOKEN], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(h.vault.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/auth/token/lookup-self']);
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBe(NEW_TOKEN);
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(r.out).toBe(
      [
        'Success! You are now authenticated. The token information displayed below is',
        'already stored in the token helper. You do NOT need to run "coffer login"',
        'again. Future requests will automatically use this token.',
        '',
        'Key                  Value',
        '---                  -----',
        `token                ${NEW_TOKEN}`,
        'token_accessor       acc9',
        'token_duration       768h',
        'token_renewable      true',
        'token_policies       ["default" "dev"]',
        'identity_policies    []',
        'policies             ["default" "dev"]',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
  });

  it('tightens an existing token file to 0600 and warns when VAULT_TOKEN is set', async () => {
    writeFileSync(tokenFile(), 'old');
    chmodSync(tokenFile(), 0o644);
    const r = await h.run(['login', NEW_TOKEN]);
    expect(r.code).toBe(0);
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(r.err).toContain('WARNING! The VAULT_TOKEN environment variable is set!');
    expect(r.err).not.toContain(HARNESS_TOKEN);
  });

  it('reads the token from stdin with "-" and from a terminal prompt on stderr', async () => {
    const piped = await h.run(['login', '-'], { stdin: `${NEW_TOKEN}\n`, env: NO_ENV_TOKEN });
    expect(piped.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBe(NEW_TOKEN);

    const prompted = await h.run(['login'], { stdin: `${NEW_TOKEN}\r`, stdinTty: true, env: NO_ENV_TOKEN });
    expect(prompted.code).toBe(0);
    expect(prompted.err).toContain('Token (will be hidden): ');
    expect(prompted.err).not.toContain(NEW_TOKEN);
    expect(h.rawModes).toEqual([true, false]);
    expect(h.vault.requests[1]?.headers['x-vault-token']).toBe(NEW_TOKEN);
  });

  it('without a token and without a terminal it fails (exit 2) and asks for "-"', async () => {
    const r = await h.run(['login'], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error authenticating: cannot ask for a token');
    expect(r.err).toContain('"-"');
    expect(h.vault.requests).toHaveLength(0);
    const empty = await h.run(['login', '-'], { stdin: '\n', env: NO_ENV_TOKEN });
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('a token must be passed to auth');
  });

  it('-no-store prints the table but writes no file; -token-only prints just the token', async () => {
    const r = await h.run(['login', '-no-store', NEW_TOKEN], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(existsSync(tokenFile())).toBe(false);
    expect(r.err).toContain('The token was not stored in token helper.');
    expect(r.out.startsWith('Success! You are now authenticated.\n\nKey')).toBe(true);

    const only = await h.run(['login', '-token-only', NEW_TOKEN], { env: NO_ENV_TOKEN });
    expect(only.code).toBe(0);
    expect(only.out).toBe(NEW_TOKEN);
    expect(only.err).toBe('');
    expect(existsSync(tokenFile())).toBe(false);

    const both = await h.run(['login', '-no-store', '-no-print', NEW_TOKEN]);
    expect(both.code).toBe(1);
    expect(both.err).toContain('-no-store and -no-print cannot be used together');
  });

  it('-no-print stores silently; -field and -format=json print like Vault', async () => {
    const quiet = await h.run(['login', '-no-print', NEW_TOKEN], { env: NO_ENV_TOKEN });
    expect(quiet.code).toBe(0);
    expect(quiet.out).toBe('');
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);

    const field = await h.run(['login', '-field=token_accessor', NEW_TOKEN], { env: NO_ENV_TOKEN });
    expect(field.out).toBe('acc9');

    const json = await h.run(['login', '-format=json', NEW_TOKEN], { env: NO_ENV_TOKEN });
    const parsed = JSON.parse(json.out) as { auth: Record<string, unknown> };
    expect(Object.keys(parsed)).toEqual(['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'auth']);
    expect(Object.keys(parsed.auth)).toEqual(['client_token', 'accessor', 'policies', 'token_policies', 'identity_policies', 'metadata', 'orphan', 'entity_id', 'lease_duration', 'renewable', 'mfa_requirement']);
    expect(parsed.auth['client_token']).toBe(NEW_TOKEN);
    expect(json.out).not.toContain('Success!');
  });

  it('a rejected token is a remote error; nothing is stored and the token is not echoed', async () => {
    h.vault.routes.set('GET /v1/auth/token/lookup-self', { status: 403, body: { errors: ['permission denied', 'invalid token'] } });
    const r = await h.run(['login', NEW_TOKEN]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error authenticating: error looking up token: Error making API request.');
    expect(r.err).toContain('* invalid token');
    expect(r.err + r.out).not.toContain(NEW_TOKEN);
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('a second bare argument is refused without echoing it', async () => {
    const r = await h.run(['login', NEW_TOKEN, CHILD]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('must be K=V pairs');
    expect(r.err).not.toContain(CHILD);
    expect(h.vault.requests).toHaveLength(0);
  });

  it('lookup=false skips the verification', async () => {
    const r = await h.run(['login', '-token-only', `token=${NEW_TOKEN}`, 'lookup=false']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(NEW_TOKEN);
    expect(h.vault.requests).toHaveLength(0);
  });

  it('other methods are refused by name (exit 1) without a request', async () => {
    const r = await h.run(['login', '-method=ldap', 'username=bob']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Auth method "ldap" is not yet supported by "coffer login"');
    expect(r.err).toContain('userpass, approle, kubernetes, jwt, oidc');
    const unknown = await h.run(['login', '-method=nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Unknown auth method: nope');
    expect(h.vault.requests).toHaveLength(0);
  });

  it('the lookup is never wrapped, even with -wrap-ttl', async () => {
    const r = await h.run(['login', '-wrap-ttl=5m', '-token-only', NEW_TOKEN]);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-wrap-ttl']).toBeUndefined();
  });
});

describe('token create', () => {
  beforeEach(() => {
    h.vault.routes.set('PUT /v1/auth/token/create', { body: envelope(null, { auth: AUTH }) });
  });

  it('sends the flags as Vault does and prints the auth table', async () => {
    const r = await h.run([
      'token',
      'create',
      '-policy=dev',
      '-policy=ops',
      '-ttl=1h',
      '-explicit-max-ttl=24h',
      '-period=30m',
      '-display-name=ci',
      '-use-limit=3',
      '-metadata=team=x',
      '-metadata=env=prod',
      '-no-default-policy',
      '-orphan',
      '-renewable=false',
      '-id=custom-id',
    ]);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.json).toEqual({
      display_name: 'ci',
      num_uses: 3,
      renewable: false,
      type: 'service',
      entity_alias: '',
      id: 'custom-id',
      policies: ['dev', 'ops'],
      meta: { team: 'x', env: 'prod' },
      ttl: '1h0m0s',
      explicit_max_ttl: '24h0m0s',
      period: '30m0s',
      no_parent: true,
      no_default_policy: true,
    });
    expect(r.out).toBe(
      [
        'Key                  Value',
        '---                  -----',
        `token                ${CHILD}`,
        'token_accessor       childacc',
        'token_duration       1h',
        'token_renewable      true',
        'token_policies       ["default" "dev"]',
        'identity_policies    []',
        'policies             ["default" "dev"]',
        'token_meta_team      x',
        '',
      ].join('\n'),
    );
  });

  it('defaults: renewable service token, zero durations omitted; batch is never renewable', async () => {
    await h.run(['token', 'create']);
    expect(h.vault.requests[0]?.json).toEqual({ display_name: '', num_uses: 0, renewable: true, type: 'service', entity_alias: '' });
    await h.run(['token', 'create', '-type=batch']);
    expect(h.vault.requests[1]?.json).toMatchObject({ type: 'batch', renewable: false });
  });

  it('-role uses auth/token/create/<role>; -field=token prints the raw token; -format=json the whole secret', async () => {
    h.vault.routes.set('PUT /v1/auth/token/create/ci-role', { body: envelope(null, { auth: AUTH }) });
    const role = await h.run(['token', 'create', '-role=ci-role', '-entity-alias=bob']);
    expect(role.code).toBe(0);
    expect(h.vault.requests[0]?.path).toBe('/v1/auth/token/create/ci-role');
    expect(h.vault.requests[0]?.json).toMatchObject({ entity_alias: 'bob' });

    const field = await h.run(['token', 'create', '-field=token']);
    expect(field.out).toBe(CHILD);

    const json = await h.run(['token', 'create', '-format=json']);
    const parsed = JSON.parse(json.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'auth']);
    expect(parsed['auth']).toMatchObject({ client_token: CHILD, accessor: 'childacc', metadata: { team: 'x' }, lease_duration: 3600 });
    expect(parsed['auth']).not.toHaveProperty('token_type');

    const yaml = await h.run(['token', 'create', '-format=yaml']);
    expect(yaml.out).toContain(`client_token: ${CHILD}`);
  });

  it('server warnings go to stderr; errors exit 2; arguments exit 1', async () => {
    h.vault.routes.set('PUT /v1/auth/token/create', { body: envelope(null, { auth: AUTH, warnings: ['Policy "ops" does not exist'] }) });
    const warned = await h.run(['token', 'create', '-policy=ops']);
    expect(warned.err).toContain('* Policy "ops" does not exist');
    h.vault.routes.set('PUT /v1/auth/token/create', { status: 400, body: { errors: ['child policies must be subset of parent'] } });
    const bad = await h.run(['token', 'create', '-policy=root']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Error creating token: Error making API request.');
    expect(bad.err).not.toContain(HARNESS_TOKEN);
    const args = await h.run(['token', 'create', 'extra']);
    expect(args.code).toBe(1);
    expect(args.err).toContain('Too many arguments (expected 0, got 1)');
  });

  it('-wrap-ttl sends X-Vault-Wrap-TTL and prints the wrapping token table', async () => {
    h.vault.routes.set('PUT /v1/auth/token/create', {
      body: envelope(null, {
        request_id: '',
        wrap_info: { token: 'hvs.WRAP', accessor: 'wacc', ttl: 300, creation_time: '2024-01-01T00:00:00Z', creation_path: 'auth/token/create', wrapped_accessor: 'childacc' },
      }),
    });
    const r = await h.run(['token', 'create', '-wrap-ttl=5m']);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-wrap-ttl']).toBe('5m0s');
    expect(r.out).toContain('wrapping_token:                  hvs.WRAP');
    expect(r.out).toContain('wrapped_accessor:                childacc');
    const env = await h.run(['token', 'create'], { env: { VAULT_WRAP_TTL: '90s' } });
    expect(env.code).toBe(0);
    expect(h.vault.requests[1]?.headers['x-vault-wrap-ttl']).toBe('1m30s');
    const plain = await h.run(['token', 'create', '-field=wrapping_token']);
    expect(plain.out).toBe('hvs.WRAP');
    expect(h.vault.requests[2]?.headers['x-vault-wrap-ttl']).toBeUndefined();
  });
});

describe('token lookup / renew / revoke / capabilities', () => {
  it('lookup: self, a token (in the body) and an accessor; durations humanized', async () => {
    h.vault.routes.set('PUT /v1/auth/token/lookup', { body: LOOKUP });
    h.vault.routes.set('PUT /v1/auth/token/lookup-accessor', { body: LOOKUP });
    const self = await h.run(['token', 'lookup']);
    expect(self.code).toBe(0);
    expect(self.out).toContain('creation_ttl         768h');
    expect(self.out).toContain('explicit_max_ttl     0s');
    expect(self.out).toContain('policies             [default dev]');
    expect(self.out).toContain('ttl                  768h');
    await h.run(['token', 'lookup', CHILD]);
    expect(h.vault.requests[1]?.json).toEqual({ token: CHILD });
    await h.run(['token', 'lookup', '-accessor', 'acc9']);
    expect(h.vault.requests[2]?.json).toEqual({ accessor: 'acc9' });
    const json = await h.run(['token', 'lookup', '-format=json']);
    expect(JSON.parse(json.out)).toMatchObject({ data: { accessor: 'acc9' } });
  });

  it('lookup argument errors (exit 1) and server errors (exit 2)', async () => {
    const noAcc = await h.run(['token', 'lookup', '-accessor']);
    expect(noAcc.code).toBe(1);
    expect(noAcc.err).toContain('Not enough arguments with -accessor (expected 1, got 0)');
    expect((await h.run(['token', 'lookup', 'a', 'b'])).err).toContain('Too many arguments (expected 0-1, got 2)');
    h.vault.routes.set('PUT /v1/auth/token/lookup', { status: 403, body: { errors: ['bad token'] } });
    const bad = await h.run(['token', 'lookup', CHILD]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Error looking up token: ');
    expect(bad.err).not.toContain(CHILD);
  });

  it('renew: self, token, accessor, with -increment', async () => {
    for (const p of ['renew', 'renew-self', 'renew-accessor']) h.vault.routes.set(`PUT /v1/auth/token/${p}`, { body: envelope(null, { auth: AUTH }) });
    const self = await h.run(['token', 'renew']);
    expect(self.code).toBe(0);
    expect(self.out).toContain('token_duration       1h');
    await h.run(['token', 'renew', '-increment=30m', CHILD]);
    await h.run(['token', 'renew', '-i', '1h', '-accessor', 'childacc']);
    expect(h.vault.requests.map((q) => [q.path, q.json])).toEqual([
      ['/v1/auth/token/renew-self', {}],
      ['/v1/auth/token/renew', { token: CHILD, increment: 1800 }],
      ['/v1/auth/token/renew-accessor', { accessor: 'childacc', increment: 3600 }],
    ]);
    expect((await h.run(['token', 'renew', '-accessor'])).code).toBe(1);
    h.vault.routes.set('PUT /v1/auth/token/renew-self', { status: 400, body: { errors: ['lease is not renewable'] } });
    const bad = await h.run(['token', 'renew']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Error renewing token: ');
  });

  it('revoke: tree, -self, -accessor, -mode=orphan, -mode=path', async () => {
    for (const p of ['revoke', 'revoke-self', 'revoke-accessor', 'revoke-orphan']) h.vault.routes.set(`PUT /v1/auth/token/${p}`, { status: 204 });
    h.vault.routes.set('PUT /v1/sys/leases/revoke-prefix/auth/token/create', { status: 204 });
    for (const argv of [[CHILD], ['-self'], ['-accessor', 'childacc'], ['-mode=orphan', CHILD], ['-mode=path', 'auth/token/create']]) {
      const r = await h.run(['token', 'revoke', ...argv]);
      expect(r.code).toBe(0);
      expect(r.out).toBe('Success! Revoked token (if it existed)\n');
    }
    expect(h.vault.requests.map((q) => q.path)).toEqual([
      '/v1/auth/token/revoke',
      '/v1/auth/token/revoke-self',
      '/v1/auth/token/revoke-accessor',
      '/v1/auth/token/revoke-orphan',
      '/v1/sys/leases/revoke-prefix/auth/token/create',
    ]);
    expect(h.vault.requests[0]?.json).toEqual({ token: CHILD });
  });

  it('revoke flag combinations are checked locally, as Vault does', async () => {
    const cases: [string[], string][] = [
      [[], 'Not enough arguments (expected 1 or -self, got 0)'],
      [['a', 'b'], 'Too many arguments (expected 1 or -self, got 2)'],
      [['-self', 'a'], 'Too many arguments with -self (expected 0, got 1)'],
      [['-self', '-accessor'], 'Cannot use -self with -accessor!'],
      [['-self', '-mode=orphan'], 'Cannot use -self with -mode!'],
      [['-accessor', '-mode=orphan', 'a'], 'Cannot use -accessor with -mode=orphan!'],
      [['-mode=bogus', 'a'], 'Invalid mode: bogus'],
    ];
    for (const [argv, message] of cases) {
      const r = await h.run(['token', 'revoke', ...argv]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
    }
    expect(h.vault.requests).toHaveLength(0);
    h.vault.routes.set('PUT /v1/auth/token/revoke', { status: 403, body: { errors: ['permission denied'] } });
    const denied = await h.run(['token', 'revoke', CHILD]);
    expect(denied.code).toBe(2);
    expect(denied.err).toContain('Error revoking token: ');
  });

  it('capabilities: self or a token; sorted ", " table; json array; none found exits 1', async () => {
    h.vault.routes.set('PUT /v1/sys/capabilities-self', { body: { 'secret/foo': ['update', 'read'], capabilities: ['update', 'read'], ...envelope({ 'secret/foo': ['update', 'read'], capabilities: ['update', 'read'] }) } });
    h.vault.routes.set('PUT /v1/sys/capabilities', { body: envelope({ capabilities: ['deny'], 'secret/foo': ['deny'] }) });
    const self = await h.run(['token', 'capabilities', 'secret/foo']);
    expect(self.code).toBe(0);
    expect(self.out).toBe('read, update\n');
    expect(h.vault.requests[0]?.json).toEqual({ paths: ['secret/foo'] });
    const other = await h.run(['token', 'capabilities', CHILD, 'secret/foo']);
    expect(other.out).toBe('deny\n');
    expect(h.vault.requests[1]?.json).toEqual({ token: CHILD, paths: ['secret/foo'] });
    const json = await h.run(['token', 'capabilities', '-format=json', 'secret/foo']);
    expect(JSON.parse(json.out)).toEqual(['update', 'read']);
    h.vault.routes.set('PUT /v1/sys/capabilities-self', { body: envelope({}) });
    const none = await h.run(['token', 'capabilities', 'secret/foo']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('No capabilities found\n');
    expect((await h.run(['token', 'capabilities'])).err).toContain('Not enough arguments (expected 1-2, got 0)');
    expect((await h.run(['token', 'capabilities', 'a', 'b', 'c'])).err).toContain('Too many arguments (expected 1-2, got 3)');
  });

  it('the token group lists its subcommands', async () => {
    const r = await h.run(['token']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Interact with tokens');
    for (const sub of ['capabilities', 'create', 'lookup', 'renew', 'revoke']) expect(r.err).toContain(sub);
  });
});
