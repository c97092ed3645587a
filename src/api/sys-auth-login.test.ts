import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient } from './index.js';
import { envelope, startFakeVault, type FakeVault } from './testing.js';

const TOKEN = 'hvs.APITESTTOKENabcdefghijk';
const NEW = 'hvs.LOGGEDINTOKENabcdefghij';
const PASSWORD = 'pw-Sup3r-s3cret!';
const SECRET_ID = '5e2a1b9c-secret-id-0000-1111';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
const AUTH = { client_token: NEW, accessor: 'acc1', policies: ['default'], token_policies: ['default'], metadata: { username: 'bob' }, lease_duration: 3600, renewable: true };

const USERPASS_MOUNT = {
  type: 'userpass',
  description: 'people',
  accessor: 'auth_userpass_1234',
  config: { default_lease_ttl: 0, max_lease_ttl: 0, token_type: 'default-service' },
  options: null,
  local: false,
  seal_wrap: false,
};

let vault: FakeVault;
beforeEach(async () => {
  vault = await startFakeVault();
});
afterEach(async () => {
  await vault.close();
});

function client() {
  return createClient({ address: vault.address, token: TOKEN, env: {} });
}

describe('sys.auth', () => {
  it('list returns the mounts keyed by path, skipping non-mount keys', async () => {
    vault.routes.set('GET /v1/sys/auth', {
      body: { ...envelope({ 'token/': { ...USERPASS_MOUNT, type: 'token' }, 'userpass/': USERPASS_MOUNT }), 'userpass/': USERPASS_MOUNT },
    });
    const c = client();
    const list = await c.sys.auth.list();
    expect(Object.keys(list).sort()).toEqual(['token/', 'userpass/']);
    expect(list['userpass/']?.accessor).toBe('auth_userpass_1234');
    expect(vault.requests[0]?.headers['x-vault-token']).toBe(TOKEN);
    c.close();
  });

  it('enable POSTs Vault’s body (seal_wrap, options, config) to sys/auth/<path>', async () => {
    vault.routes.set('POST /v1/sys/auth/corp', { status: 204 });
    const c = client();
    await c.sys.auth.enable('/corp/', {
      type: 'userpass',
      description: 'corp users',
      config: { default_lease_ttl: '1h', token_type: 'batch', user_lockout_config: { lockout_threshold: '3' } },
      local: true,
      sealWrap: true,
      options: { a: 'b' },
    });
    expect(vault.requests[0]?.method).toBe('POST');
    expect(vault.requests[0]?.path).toBe('/v1/sys/auth/corp');
    expect(vault.requests[0]?.json).toEqual({
      type: 'userpass',
      description: 'corp users',
      config: { default_lease_ttl: '1h', token_type: 'batch', user_lockout_config: { lockout_threshold: '3' } },
      local: true,
      seal_wrap: true,
      options: { a: 'b' },
    });
    await expect(c.sys.auth.enable('', { type: 'userpass' })).rejects.toThrow('an auth method path is required');
    await expect(c.sys.auth.enable('x', { type: ' ' })).rejects.toThrow('an auth method type is required');
    expect(vault.requests).toHaveLength(1);
    c.close();
  });

  it('disable DELETEs; readTune GETs and tune POSTs sys/auth/<path>/tune', async () => {
    vault.routes.set('DELETE /v1/sys/auth/userpass', { status: 204 });
    vault.routes.set('GET /v1/sys/auth/userpass/tune', { body: envelope({ default_lease_ttl: 2764800, max_lease_ttl: 2764800, token_type: 'default-service', description: 'people' }) });
    vault.routes.set('POST /v1/sys/auth/userpass/tune', { status: 204 });
    const c = client();
    await c.sys.auth.disable('userpass/');
    const tune = await c.sys.auth.readTune('userpass');
    expect(tune.default_lease_ttl).toBe(2764800);
    expect(tune.token_type).toBe('default-service');
    expect(await c.sys.auth.tune('userpass/', { max_lease_ttl: '2h', user_lockout_config: { lockout_disable: false } })).toBeNull();
    expect(vault.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /v1/sys/auth/userpass', 'GET /v1/sys/auth/userpass/tune', 'POST /v1/sys/auth/userpass/tune']);
    expect(vault.requests[2]?.json).toEqual({ max_lease_ttl: '2h', user_lockout_config: { lockout_disable: false } });
    c.close();
  });

  it('a refused enable is an ApiError naming the URL', async () => {
    vault.routes.set('POST /v1/sys/auth/token', { status: 400, body: { errors: ['token credential backend cannot be instantiated'] } });
    const c = client();
    const err = await c.sys.auth.enable('token', { type: 'token' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain('sys/auth/token');
    expect((err as ApiError).message).toContain('token credential backend cannot be instantiated');
    c.close();
  });
});

describe('auth logins', () => {
  beforeEach(() => {
    for (const p of ['userpass/login/bob', 'corp/login/bob', 'approle/login', 'kubernetes/login', 'jwt/login', 'oidc/login']) {
      vault.routes.set(`POST /v1/auth/${p}`, { body: envelope(null, { auth: AUTH }) });
    }
  });

  it('userpass puts the username in the path, the password in the body, and sends no token', async () => {
    const c = client();
    const s = await c.auth.userpass('bob', PASSWORD);
    expect(s.auth?.client_token).toBe(NEW);
    expect(vault.requests[0]?.path).toBe('/v1/auth/userpass/login/bob');
    expect(vault.requests[0]?.json).toEqual({ password: PASSWORD });
    expect(vault.requests[0]?.headers['x-vault-token']).toBeUndefined();
    await c.auth.userpass('bob', PASSWORD, '/corp/');
    expect(vault.requests[1]?.path).toBe('/v1/auth/corp/login/bob');
    await expect(c.auth.userpass('', PASSWORD)).rejects.toThrow("'username' must be specified");
    await expect(c.auth.userpass('a/b', PASSWORD)).rejects.toThrow('must not contain "/"');
    expect(vault.requests).toHaveLength(2);
    c.close();
  });

  it('approle, kubernetes and jwt POST {role_id, secret_id} / {role, jwt} to auth/<mount>/login', async () => {
    const c = client();
    await c.auth.approle('role-1', SECRET_ID);
    await c.auth.approle('role-1');
    await c.auth.kubernetes('demo', `${JWT}\n`);
    await c.auth.jwt('ci', JWT);
    await c.auth.jwt('', JWT, 'oidc');
    expect(vault.requests.map((r) => [r.path, r.json])).toEqual([
      ['/v1/auth/approle/login', { role_id: 'role-1', secret_id: SECRET_ID }],
      ['/v1/auth/approle/login', { role_id: 'role-1' }],
      ['/v1/auth/kubernetes/login', { role: 'demo', jwt: JWT }],
      ['/v1/auth/jwt/login', { jwt: JWT, role: 'ci' }],
      ['/v1/auth/oidc/login', { jwt: JWT }],
    ]);
    expect(vault.requests.every((r) => r.method === 'POST' && r.headers['x-vault-token'] === undefined)).toBe(true);
    await expect(c.auth.approle(' ', SECRET_ID)).rejects.toThrow("'role_id' must be specified");
    await expect(c.auth.kubernetes('', JWT)).rejects.toThrow("'role' must be specified");
    await expect(c.auth.kubernetes('demo', '')).rejects.toThrow("'jwt' must be specified");
    await expect(c.auth.jwt('ci', ' ')).rejects.toThrow("'jwt' must be specified");
    await expect(c.auth.login('token')).rejects.toThrow('no login endpoint');
    expect(vault.requests).toHaveLength(5);
    c.close();
  });

  it('login(method, mount, params) is the generic form; a refusal never carries the credentials', async () => {
    vault.routes.set('POST /v1/auth/userpass/login/bob', { status: 400, body: { errors: ['invalid username or password'] } });
    const c = client();
    const err = await c.auth.login('userpass', undefined, { username: 'bob', password: PASSWORD }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain('auth/userpass/login/bob');
    expect((err as ApiError).message).toContain('invalid username or password');
    expect((err as ApiError).message).not.toContain(PASSWORD);
    const s = await c.auth.login('approle', 'approle', { role_id: 'r', secret_id: SECRET_ID });
    expect(s.auth?.accessor).toBe('acc1');
    c.close();
  });

  it('the client wrap TTL applies to a login', async () => {
    const c = createClient({ address: vault.address, token: TOKEN, env: {}, wrapTtl: '2m' });
    await c.auth.approle('r', SECRET_ID);
    expect(vault.requests[0]?.headers['x-vault-wrap-ttl']).toBe('2m');
    c.close();
  });

  it('an empty login response is an error', async () => {
    vault.routes.set('POST /v1/auth/jwt/login', { status: 204 });
    const c = client();
    await expect(c.auth.jwt('ci', JWT)).rejects.toThrow('empty response from credential provider');
    c.close();
  });
});
