import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope } from '../api/testing.js';
import { SERVICE_ACCOUNT_TOKEN_PATH } from './login-methods.js';
import { HARNESS_TOKEN, startCliHarness, type CliHarness } from './testing.js';

const NEW_TOKEN = 'hvs.METHODLOGINTOKENabcdefgh';
const WRAP_TOKEN = 'hvs.WRAPPINGTOKENabcdefghij';
const PASSWORD = 'Pa55-w0rd-n3ver-echoed';
const SECRET_ID = '7f3c2a10-secret-id-never-echoed';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2E6ZGVtbyJ9.bmV2ZXItZWNob2Vk';
const AUTH = {
  client_token: NEW_TOKEN,
  accessor: 'acc-login',
  policies: ['default', 'dev'],
  token_policies: ['default', 'dev'],
  identity_policies: null,
  metadata: { username: 'bob' },
  lease_duration: 3600,
  renewable: true,
  entity_id: 'ent-1',
  token_type: 'service',
  orphan: true,
  mfa_requirement: null,
};
const LOGIN_OK = { body: envelope(null, { auth: AUTH }) };

const MOUNT = (type: string, accessor: string, description: string, extra: Record<string, unknown> = {}) => ({
  type,
  description,
  accessor,
  config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: 'default-service' },
  options: null,
  local: false,
  seal_wrap: false,
  external_entropy_access: false,
  uuid: `uuid-${type}`,
  plugin_version: '',
  running_plugin_version: '',
  running_sha256: '',
  deprecation_status: '',
  ...extra,
});
const AUTH_LIST = {
  'token/': MOUNT('token', 'auth_token_4c1a', 'token based credentials'),
  'userpass/': MOUNT('userpass', 'auth_userpass_9a2b', 'people', { config: { default_lease_ttl: 3600, max_lease_ttl: 7200, token_type: 'batch' }, local: true, options: { a: 'b' } }),
};

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness();
});
afterEach(async () => {
  await h.close();
});

const tokenFile = (): string => join(h.home, '.vault-token');
const NO_ENV_TOKEN = { VAULT_TOKEN: '' };
const calls = (): string[] => h.vault.requests.map((q) => `${q.method} ${q.path}`);
const tmpFile = (name: string, content: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-auth-test-')), name);
  writeFileSync(file, content);
  return file;
};

describe('auth enable', () => {
  it('POSTs sys/auth/<type> with Vault’s defaults and prints the Success line', async () => {
    h.vault.routes.set('POST /v1/sys/auth/userpass', { status: 204 });
    const r = await h.run(['auth', 'enable', 'userpass']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/sys/auth/userpass']);
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBe(HARNESS_TOKEN);
    expect(h.vault.requests[0]?.json).toEqual({
      type: 'userpass',
      description: '',
      config: { default_lease_ttl: '0s', max_lease_ttl: '0s' },
      local: false,
      seal_wrap: false,
      external_entropy_access: false,
    });
    expect(r.out).toBe('Success! Enabled userpass auth method at: userpass/\n');
    expect(r.err).toBe('');
  });

  it('sends every given flag: -path, TTLs, token type, visibility, lockout-free config, options, version', async () => {
    h.vault.routes.set('POST /v1/sys/auth/ci/approle', { status: 204 });
    const r = await h.run([
      'auth',
      'enable',
      '-path=ci/approle',
      '-description=CI jobs',
      '-default-lease-ttl=1h',
      '-max-lease-ttl=24h',
      '-token-type=batch',
      '-listing-visibility=unauth',
      '-audit-non-hmac-request-keys=role_id',
      '-local',
      '-seal-wrap',
      '-options=a=b',
      '-version=2',
      'approle',
    ]);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.json).toEqual({
      type: 'approle',
      description: 'CI jobs',
      config: { default_lease_ttl: '1h0m0s', max_lease_ttl: '24h0m0s', token_type: 'batch', listing_visibility: 'unauth', audit_non_hmac_request_keys: ['role_id'] },
      local: true,
      seal_wrap: true,
      external_entropy_access: false,
      options: { a: 'b', version: '2' },
    });
    expect(r.out).toBe('Success! Enabled approle auth method at: ci/approle/\n');
  });

  it('argument errors exit 1 without a request; a refusal exits 2 with Vault’s prefix', async () => {
    const none = await h.run(['auth', 'enable']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('Not enough arguments (expected 1, got 0)');
    const two = await h.run(['auth', 'enable', 'userpass', 'approle']);
    expect(two.code).toBe(1);
    expect(two.err).toContain('Too many arguments (expected 1, got 2)');
    expect(h.vault.requests).toHaveLength(0);

    h.vault.routes.set('POST /v1/sys/auth/userpass', { status: 400, body: { errors: ['path is already in use at userpass/'] } });
    const r = await h.run(['auth', 'enable', 'userpass']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error enabling userpass auth: Error making API request.');
    expect(r.err).toContain('* path is already in use at userpass/');
    expect(r.out).toBe('');
  });
});

describe('auth disable', () => {
  it('DELETEs sys/auth/<path> and prints Vault’s line', async () => {
    h.vault.routes.set('DELETE /v1/sys/auth/userpass', { status: 204 });
    const r = await h.run(['auth', 'disable', '/userpass/']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['DELETE /v1/sys/auth/userpass']);
    expect(r.out).toBe('Success! Disabled the auth method (if it existed) at: userpass/\n');
  });

  it('exits 1 without a path and 2 when the server refuses', async () => {
    expect((await h.run(['auth', 'disable'])).code).toBe(1);
    expect((await h.run(['auth', 'disable', '/'])).code).toBe(1);
    expect(h.vault.requests).toHaveLength(0);
    h.vault.routes.set('DELETE /v1/sys/auth/token', { status: 400, body: { errors: ['cannot unmount "auth/token/"'] } });
    const r = await h.run(['auth', 'disable', 'token']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error disabling auth method at token/: Error making API request.');
  });
});

describe('auth list', () => {
  beforeEach(() => {
    h.vault.routes.set('GET /v1/sys/auth', { body: { ...envelope(AUTH_LIST), ...AUTH_LIST } });
  });

  it('prints Vault’s table: Path, Type, Accessor, Description, Version', async () => {
    const r = await h.run(['auth', 'list']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['GET /v1/sys/auth']);
    expect(r.out).toBe(
      [
        'Path         Type        Accessor              Description                Version',
        '----         ----        --------              -----------                -------',
        'token/       token       auth_token_4c1a       token based credentials    n/a',
        'userpass/    userpass    auth_userpass_9a2b    people                     n/a',
        '',
      ].join('\n'),
    );
  });

  it('-detailed adds TTLs, token type, replication, options and versions', async () => {
    const r = await h.run(['auth', 'list', '-detailed']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'Path',
      'Plugin',
      'Accessor',
      'Default TTL',
      'Max TTL',
      'Token Type',
      'Replication',
      'Seal Wrap',
      'External Entropy Access',
      'Options',
      'Description',
      'UUID',
      'Version',
      'Running Version',
      'Running SHA256',
      'Deprecation Status',
    ]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['token/', 'token', 'auth_token_4c1a', 'system', 'system', 'default-service', 'replicated', 'false', 'false', 'map[]', 'token based credentials', 'uuid-token', 'n/a', 'n/a', 'n/a', 'n/a']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['userpass/', 'userpass', 'auth_userpass_9a2b', '3600', '7200', 'batch', 'local', 'false', 'false', 'map[a:b]', 'people', 'uuid-userpass', 'n/a', 'n/a', 'n/a', 'n/a']);
  });

  it('-format=json prints the mounts; errors exit 2 (and extra arguments 1)', async () => {
    const json = await h.run(['auth', 'list', '-format=json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as Record<string, { accessor: string }>;
    expect(Object.keys(parsed)).toEqual(['token/', 'userpass/']);
    expect(parsed['userpass/']?.accessor).toBe('auth_userpass_9a2b');

    expect((await h.run(['auth', 'list', 'extra'])).code).toBe(1);
    h.vault.routes.set('GET /v1/sys/auth', { status: 403, body: { errors: ['permission denied'] } });
    const r = await h.run(['auth', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error listing enabled authentications: Error making API request.');
  });
});

describe('auth tune', () => {
  beforeEach(() => {
    h.vault.routes.set('POST /v1/sys/auth/userpass/tune', { status: 204 });
  });

  it('sends only the given settings, with Vault’s user_lockout_config names', async () => {
    const r = await h.run([
      'auth',
      'tune',
      '-default-lease-ttl=72h',
      '-max-lease-ttl=system',
      '-description=people',
      '-token-type=default-batch',
      '-listing-visibility=hidden',
      '-user-lockout-threshold=5',
      '-user-lockout-duration=30m',
      '-user-lockout-counter-reset-duration=10m',
      '-user-lockout-disable=false',
      'userpass/',
    ]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/sys/auth/userpass/tune']);
    expect(h.vault.requests[0]?.json).toEqual({
      default_lease_ttl: '72h0m0s',
      max_lease_ttl: 'system',
      description: 'people',
      token_type: 'default-batch',
      listing_visibility: 'hidden',
      user_lockout_config: { lockout_threshold: '5', lockout_duration: '30m0s', lockout_counter_reset_duration: '10m0s', lockout_disable: false },
    });
    expect(r.out).toBe('Success! Tuned the auth method at: userpass/\n');
  });

  it('an unset flag is not sent; -user-lockout-disable alone sends just that', async () => {
    const r = await h.run(['auth', 'tune', '-user-lockout-disable', 'userpass']);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.json).toEqual({ user_lockout_config: { lockout_disable: true } });
    const plain = await h.run(['auth', 'tune', '-options=version=2', 'userpass']);
    expect(plain.code).toBe(0);
    expect(h.vault.requests[1]?.json).toEqual({ options: { version: '2' } });
  });

  it('bad input exits 1 without a request; a refusal exits 2', async () => {
    const neg = await h.run(['auth', 'tune', '-user-lockout-threshold=-1', 'userpass']);
    expect(neg.code).toBe(1);
    expect(neg.err).toContain('-user-lockout-threshold');
    expect((await h.run(['auth', 'tune'])).code).toBe(1);
    expect((await h.run(['auth', 'tune', '-user-lockout-duration=soon', 'userpass'])).code).toBe(1);
    expect(h.vault.requests).toHaveLength(0);
    h.vault.routes.set('POST /v1/sys/auth/nope/tune', { status: 400, body: { errors: ['cannot fetch mount entry for "auth/nope/"'] } });
    const r = await h.run(['auth', 'tune', '-default-lease-ttl=1h', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error tuning auth method nope/: Error making API request.');
  });
});

describe('auth help and group help', () => {
  it('prints a method’s parameters by type, or by the path of an enabled method', async () => {
    const byType = await h.run(['auth', 'help', 'userpass']);
    expect(byType.code).toBe(0);
    expect(byType.out).toContain('Usage: coffer login -method=userpass');
    expect(h.vault.requests).toHaveLength(0);

    h.vault.routes.set('GET /v1/sys/auth', { body: envelope({ 'ci/': MOUNT('approle', 'a1', ''), 'gh/': MOUNT('github', 'a2', '') }) });
    const byPath = await h.run(['auth', 'help', 'ci/']);
    expect(byPath.code).toBe(0);
    expect(byPath.out).toContain('Usage: coffer login -method=approle');
    const missing = await h.run(['auth', 'help', 'nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('No auth method available on the server at "nowhere/"');
    const noHandler = await h.run(['auth', 'help', 'gh']);
    expect(noHandler.code).toBe(2);
    expect(noHandler.err).toContain('No method-specific CLI handler available for auth method "github"');
  });

  it('"coffer auth -help" lists the subcommands; the top level names the group', async () => {
    const r = await h.run(['auth', '-help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Interact with auth methods.');
    for (const sub of ['disable', 'enable', 'help', 'list', 'tune']) expect(r.out).toMatch(new RegExp(`^\\s+${sub}\\s`, 'm'));
    const top = await h.run(['-help']);
    expect(top.out).toMatch(/auth\s+Interact with auth methods/);
    const login = await h.run(['login', '-help']);
    expect(login.out).toContain('-method=userpass username=my-username');
  });
});

describe('login -method=userpass', () => {
  beforeEach(() => {
    h.vault.routes.set('POST /v1/auth/userpass/login/bob', LOGIN_OK);
  });

  it('logs in, stores the token 0600 and prints the Success table; the password is never shown', async () => {
    const r = await h.run(['login', '-method=userpass', 'username=bob', `password=${PASSWORD}`], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/auth/userpass/login/bob']);
    expect(h.vault.requests[0]?.json).toEqual({ password: PASSWORD });
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBeUndefined();
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(r.out).toBe(
      [
        'Success! You are now authenticated. The token information displayed below is',
        'already stored in the token helper. You do NOT need to run "coffer login"',
        'again. Future requests will automatically use this token.',
        '',
        'Key                    Value',
        '---                    -----',
        `token                  ${NEW_TOKEN}`,
        'token_accessor         acc-login',
        'token_duration         1h',
        'token_renewable        true',
        'token_policies         ["default" "dev"]',
        'identity_policies      []',
        'policies               ["default" "dev"]',
        'token_meta_username    bob',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it('the environment token is not sent with the login, and its precedence is warned about', async () => {
    const r = await h.run(['login', '-method=userpass', 'username=bob', `password=${PASSWORD}`]);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBeUndefined();
    expect(r.err).toContain('WARNING! The VAULT_TOKEN environment variable is set!');
    expect(r.err).not.toContain(HARNESS_TOKEN);
  });

  it('prompts for a missing password with hidden input on a terminal (prompt on stderr)', async () => {
    const r = await h.run(['login', '-method=userpass', 'username=bob'], { stdin: `${PASSWORD}\r`, stdinTty: true, env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(r.err).toContain('Password (will be hidden): ');
    expect(h.rawModes).toEqual([true, false]);
    expect(h.vault.requests[0]?.json).toEqual({ password: PASSWORD });
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it('reads a missing password as one line of piped stdin, or from password=- / password=@file', async () => {
    const piped = await h.run(['login', '-method=userpass', '-token-only', 'username=bob'], { stdin: `${PASSWORD}\nignored\n` });
    expect(piped.code).toBe(0);
    expect(piped.out).toBe(NEW_TOKEN);
    expect(h.vault.requests[0]?.json).toEqual({ password: PASSWORD });

    const dash = await h.run(['login', '-method=userpass', '-token-only', 'username=bob', 'password=-'], { stdin: PASSWORD });
    expect(dash.code).toBe(0);
    expect(h.vault.requests[1]?.json).toEqual({ password: PASSWORD });

    const file = tmpFile('pw', PASSWORD);
    const fromFile = await h.run(['login', '-method=userpass', '-token-only', 'username=bob', `password=@${file}`]);
    expect(fromFile.code).toBe(0);
    expect(h.vault.requests[2]?.json).toEqual({ password: PASSWORD });
  });

  it('-path and mount= select another mount', async () => {
    h.vault.routes.set('POST /v1/auth/corp/people/login/bob', LOGIN_OK);
    const byFlag = await h.run(['login', '-method=userpass', '-path=corp/people/', '-no-store', 'username=bob', `password=${PASSWORD}`]);
    expect(byFlag.code).toBe(0);
    const byArg = await h.run(['login', '-method=userpass', '-path=ignored', '-no-store', 'mount=corp/people', 'username=bob', `password=${PASSWORD}`]);
    expect(byArg.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/auth/corp/people/login/bob', 'POST /v1/auth/corp/people/login/bob']);
    expect(h.vault.requests[1]?.json).toEqual({ password: PASSWORD });
  });

  it('missing username, missing password without a way to ask, and bare values are refused without a request', async () => {
    const noUser = await h.run(['login', '-method=userpass', `password=${PASSWORD}`]);
    expect(noUser.code).toBe(2);
    expect(noUser.err).toContain("Error authenticating: 'username' must be specified");

    const nonInteractive = await h.run(['login', '-method=userpass', '-non-interactive', 'username=bob'], { stdinTty: true });
    expect(nonInteractive.code).toBe(2);
    expect(nonInteractive.err).toContain("'password' must be specified");

    const emptyPipe = await h.run(['login', '-method=userpass', 'username=bob']);
    expect(emptyPipe.code).toBe(2);
    expect(emptyPipe.err).toContain("'password' must be specified");

    const bare = await h.run(['login', '-method=userpass', 'username=bob', PASSWORD]);
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('Error parsing configuration: the arguments must be K=V pairs');
    expect(bare.err + bare.out).not.toContain(PASSWORD);

    expect(h.vault.requests).toHaveLength(0);
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('a rejected login exits 2, stores nothing and never echoes the password', async () => {
    h.vault.routes.set('POST /v1/auth/userpass/login/bob', { status: 400, body: { errors: ['invalid username or password'] } });
    const r = await h.run(['login', '-method=userpass', 'username=bob', `password=${PASSWORD}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error authenticating: Error making API request.');
    expect(r.err).toContain('* invalid username or password');
    expect(r.err + r.out).not.toContain(PASSWORD);
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('an MFA requirement (no client token) is reported, not stored', async () => {
    h.vault.routes.set('POST /v1/auth/userpass/login/bob', { body: envelope(null, { auth: { ...AUTH, client_token: '', mfa_requirement: { mfa_request_id: 'x' } } }) });
    const r = await h.run(['login', '-method=userpass', 'username=bob', `password=${PASSWORD}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('multi-factor authentication');
    expect(existsSync(tokenFile())).toBe(false);
  });
});

describe('login -method=approle', () => {
  beforeEach(() => {
    h.vault.routes.set('POST /v1/auth/approle/login', LOGIN_OK);
  });

  it('sends role_id and secret_id; -token-only prints just the token and stores nothing', async () => {
    const r = await h.run(['login', '-method=approle', '-token-only', 'role_id=role-1', `secret_id=${SECRET_ID}`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(NEW_TOKEN);
    expect(r.err).toBe('');
    expect(calls()).toEqual(['POST /v1/auth/approle/login']);
    expect(h.vault.requests[0]?.json).toEqual({ role_id: 'role-1', secret_id: SECRET_ID });
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('reads the secret ID from stdin or a file (trimmed) and stores the token', async () => {
    const piped = await h.run(['login', '-method=approle', 'role_id=role-1', 'secret_id=-'], { stdin: `${SECRET_ID}\n`, env: NO_ENV_TOKEN });
    expect(piped.code).toBe(0);
    expect(h.vault.requests[0]?.json).toEqual({ role_id: 'role-1', secret_id: SECRET_ID });
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(piped.out + piped.err).not.toContain(SECRET_ID);

    const file = tmpFile('sid', `${SECRET_ID}\n`);
    const fromFile = await h.run(['login', '-method=approle', '-no-print', 'role_id=role-1', `secret_id=@${file}`], { env: NO_ENV_TOKEN });
    expect(fromFile.code).toBe(0);
    expect(fromFile.out).toBe('');
    expect(h.vault.requests[1]?.json).toEqual({ role_id: 'role-1', secret_id: SECRET_ID });
  });

  it('-no-store prints the table and warns; a missing role_id is refused', async () => {
    const r = await h.run(['login', '-method=approle', '-no-store', 'role_id=role-1', `secret_id=${SECRET_ID}`]);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Success! You are now authenticated.\n\nKey')).toBe(true);
    expect(r.err).toContain('The token was not stored in token helper.');
    expect(existsSync(tokenFile())).toBe(false);
    expect(r.out + r.err).not.toContain(SECRET_ID);

    const missing = await h.run(['login', '-method=approle', `secret_id=${SECRET_ID}`]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("'role_id' must be specified");
    expect(missing.err).not.toContain(SECRET_ID);
    expect(h.vault.requests).toHaveLength(1);
  });

  it('a rejected secret ID exits 2 without echoing it', async () => {
    h.vault.routes.set('POST /v1/auth/approle/login', { status: 400, body: { errors: ['invalid role or secret ID'] } });
    const r = await h.run(['login', '-method=approle', 'role_id=role-1', `secret_id=${SECRET_ID}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('* invalid role or secret ID');
    expect(r.err + r.out).not.toContain(SECRET_ID);
  });

  it('with -wrap-ttl the login is wrapped, then unwrapped (unless -token-only), like Vault', async () => {
    const wrapped = {
      body: envelope(null, {
        wrap_info: { token: WRAP_TOKEN, accessor: 'wacc', ttl: 300, creation_time: '2024-01-01T00:00:00Z', creation_path: 'auth/approle/login', wrapped_accessor: 'acc-login' },
      }),
    };
    h.vault.routes.set('POST /v1/auth/approle/login', wrapped);
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', LOGIN_OK);
    const r = await h.run(['login', '-method=approle', '-wrap-ttl=5m', 'role_id=role-1', `secret_id=${SECRET_ID}`], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/auth/approle/login', 'PUT /v1/sys/wrapping/unwrap']);
    expect(h.vault.requests[0]?.headers['x-vault-wrap-ttl']).toBe('5m0s');
    expect(h.vault.requests[1]?.headers['x-vault-token']).toBe(WRAP_TOKEN);
    expect(h.vault.requests[1]?.headers['x-vault-wrap-ttl']).toBeUndefined();
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);

    const only = await h.run(['login', '-method=approle', '-wrap-ttl=5m', '-token-only', 'role_id=role-1', `secret_id=${SECRET_ID}`]);
    expect(only.code).toBe(0);
    expect(only.out).toBe(WRAP_TOKEN);
    expect(h.vault.requests).toHaveLength(3);
  });
});

describe('login -method=kubernetes', () => {
  beforeEach(() => {
    h.vault.routes.set('POST /v1/auth/kubernetes/login', LOGIN_OK);
  });

  it('sends role and the service account JWT from jwt=@file; -format=json prints the login secret', async () => {
    const file = tmpFile('token', `${JWT}\n`);
    const r = await h.run(['login', '-method=kubernetes', '-format=json', 'role=demo', `jwt=@${file}`], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.json).toEqual({ role: 'demo', jwt: JWT });
    const parsed = JSON.parse(r.out) as { auth: Record<string, unknown> };
    expect(parsed.auth['client_token']).toBe(NEW_TOKEN);
    expect(r.out).not.toContain('Success!');
    expect(r.out + r.err).not.toContain(JWT);
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
  });

  it('requires a role; without jwt= it reads the pod’s service account token', async () => {
    const noRole = await h.run(['login', '-method=kubernetes', `jwt=${JWT}`]);
    expect(noRole.code).toBe(2);
    expect(noRole.err).toContain("'role' must be specified");
    expect(noRole.err).not.toContain(JWT);
    expect(h.vault.requests).toHaveLength(0);
    if (existsSync(SERVICE_ACCOUNT_TOKEN_PATH)) return; // running inside a pod: nothing to check
    const noJwt = await h.run(['login', '-method=kubernetes', 'role=demo']);
    expect(noJwt.code).toBe(2);
    expect(noJwt.err).toContain(SERVICE_ACCOUNT_TOKEN_PATH);
    expect(h.vault.requests).toHaveLength(0);
  });

  it('-path selects another mount', async () => {
    h.vault.routes.set('POST /v1/auth/k8s-prod/login', LOGIN_OK);
    const r = await h.run(['login', '-method=kubernetes', '-path=k8s-prod', '-token-only', 'role=demo', `jwt=${JWT}`]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['POST /v1/auth/k8s-prod/login']);
  });
});

describe('login -method=jwt and -method=oidc', () => {
  it('jwt sends role and jwt to auth/jwt/login; -field prints one value', async () => {
    h.vault.routes.set('POST /v1/auth/jwt/login', LOGIN_OK);
    const r = await h.run(['login', '-method=jwt', '-field=token_accessor', 'role=ci', `jwt=${JWT}`], { env: NO_ENV_TOKEN });
    expect(r.code).toBe(0);
    expect(r.out).toBe('acc-login');
    expect(h.vault.requests[0]?.json).toEqual({ jwt: JWT, role: 'ci' });
    expect(readFileSync(tokenFile(), 'utf8')).toBe(NEW_TOKEN);
  });

  it('jwt without a JWT is refused; a rejected JWT is not echoed', async () => {
    const missing = await h.run(['login', '-method=jwt', 'role=ci']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("'jwt' must be specified");
    expect(h.vault.requests).toHaveLength(0);
    h.vault.routes.set('POST /v1/auth/jwt/login', { status: 400, body: { errors: ['error validating token: token is expired'] } });
    const r = await h.run(['login', '-method=jwt', 'role=ci', `jwt=${JWT}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('token is expired');
    expect(r.err + r.out).not.toContain(JWT);
  });

  it('oidc without jwt= explains that the browser flow is not supported (exit 1, no request)', async () => {
    const r = await h.run(['login', '-method=oidc', 'role=dev']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the OIDC browser flow is not supported from the coffer CLI yet');
    expect(r.err).toContain('auth/oidc/oidc/auth_url');
    expect(h.vault.requests).toHaveLength(0);
  });

  it('oidc with jwt= logs in against the oidc mount', async () => {
    h.vault.routes.set('POST /v1/auth/oidc/login', LOGIN_OK);
    const r = await h.run(['login', '-method=oidc', '-token-only', 'role=dev', `jwt=${JWT}`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(NEW_TOKEN);
    expect(h.vault.requests[0]?.json).toEqual({ jwt: JWT, role: 'dev' });
  });

  it('an unknown method gets Vault’s message (exit 1)', async () => {
    const r = await h.run(['login', '-method=nope', 'a=b']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Unknown auth method: nope. Use "coffer auth list"');
    expect(h.vault.requests).toHaveLength(0);
  });
});
