import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient } from './index.js';
import { envelope, startFakeVault, uiMount, type FakeVault } from './testing.js';

const TOKEN = 'hvs.APITESTTOKENabcdefghijk';
const CHILD = 'hvs.CHILDTOKENabcdefghijklmn';

const AUTH = { client_token: CHILD, accessor: 'acc1', policies: ['default'], token_policies: ['default'], metadata: null, lease_duration: 3600, renewable: true };

let vault: FakeVault;
beforeEach(async () => {
  vault = await startFakeVault();
});
afterEach(async () => {
  await vault.close();
});

function client(extra: Parameters<typeof createClient>[0] = {}) {
  return createClient({ address: vault.address, token: TOKEN, env: {}, ...extra });
}

describe('auth.token', () => {
  it('create / createOrphan / createWithRole send the request body and return the auth', async () => {
    for (const path of ['/v1/auth/token/create', '/v1/auth/token/create-orphan', '/v1/auth/token/create/ci']) vault.routes.set(`PUT ${path}`, { body: envelope(null, { auth: AUTH }) });
    const c = client();
    const s = await c.auth.token.create({ policies: ['a', 'b'], ttl: '1h', meta: { team: 'x' }, renewable: false, num_uses: 2 });
    expect(s.auth?.client_token).toBe(CHILD);
    expect(vault.requests[0]?.json).toEqual({ policies: ['a', 'b'], ttl: '1h', meta: { team: 'x' }, renewable: false, num_uses: 2 });
    await c.auth.token.createOrphan();
    expect(vault.requests[1]?.path).toBe('/v1/auth/token/create-orphan');
    expect(vault.requests[1]?.json).toEqual({});
    await c.auth.token.createWithRole('ci', { type: 'batch' });
    expect(vault.requests[2]?.path).toBe('/v1/auth/token/create/ci');
    await expect(c.auth.token.createWithRole('a/b')).rejects.toThrow('invalid token role name');
    c.close();
  });

  it('lookup, lookupSelf and lookupAccessor put tokens in the body, never the URL', async () => {
    vault.routes.set('GET /v1/auth/token/lookup-self', { body: envelope({ id: TOKEN, ttl: 0 }) });
    vault.routes.set('PUT /v1/auth/token/lookup', { body: envelope({ id: CHILD }) });
    vault.routes.set('PUT /v1/auth/token/lookup-accessor', { body: envelope({ id: '', accessor: 'acc1' }) });
    const c = client();
    expect((await c.auth.token.lookupSelf()).data?.['id']).toBe(TOKEN);
    expect((await c.auth.token.lookup()).data?.['id']).toBe(TOKEN);
    expect((await c.auth.token.lookup(` ${CHILD} `)).data?.['id']).toBe(CHILD);
    expect(vault.requests[2]?.json).toEqual({ token: CHILD });
    await c.auth.token.lookupAccessor('acc1');
    expect(vault.requests[3]?.json).toEqual({ accessor: 'acc1' });
    expect(vault.requests.every((r) => !r.path.includes(CHILD))).toBe(true);
    c.close();
  });

  it('renew variants send the increment only when given', async () => {
    for (const p of ['renew', 'renew-self', 'renew-accessor']) vault.routes.set(`PUT /v1/auth/token/${p}`, { body: envelope(null, { auth: AUTH }) });
    const c = client();
    await c.auth.token.renew(CHILD, 1800);
    await c.auth.token.renewSelf();
    await c.auth.token.renewAccessor('acc1', '30m');
    expect(vault.requests.map((r) => r.json)).toEqual([{ token: CHILD, increment: 1800 }, {}, { accessor: 'acc1', increment: '30m' }]);
    c.close();
  });

  it('revoke variants hit their endpoints; errors are ApiErrors without the token', async () => {
    for (const p of ['revoke', 'revoke-self', 'revoke-accessor', 'revoke-orphan']) vault.routes.set(`PUT /v1/auth/token/${p}`, { status: 204 });
    const c = client();
    await c.auth.token.revoke(CHILD);
    await c.auth.token.revokeSelf();
    await c.auth.token.revokeAccessor('acc1');
    await c.auth.token.revokeOrphan(CHILD);
    expect(vault.requests.map((r) => [r.path, r.json])).toEqual([
      ['/v1/auth/token/revoke', { token: CHILD }],
      ['/v1/auth/token/revoke-self', null],
      ['/v1/auth/token/revoke-accessor', { accessor: 'acc1' }],
      ['/v1/auth/token/revoke-orphan', { token: CHILD }],
    ]);
    vault.routes.set('PUT /v1/auth/token/revoke', { status: 403, body: { errors: ['permission denied'] } });
    const err = await c.auth.token.revoke(CHILD).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).not.toContain(CHILD);
    c.close();
  });
});

describe('sys capabilities and revoke-prefix', () => {
  it('capabilities, capabilitiesSelf, capabilitiesAccessor map each path (single path: `capabilities` fallback)', async () => {
    vault.routes.set('PUT /v1/sys/capabilities', { body: envelope({ 'secret/a': ['read'], 'secret/b': ['deny'] }) });
    vault.routes.set('PUT /v1/sys/capabilities-self', { body: { capabilities: ['list', 'read'] } });
    vault.routes.set('PUT /v1/sys/capabilities-accessor', { body: envelope({ capabilities: ['root'], 'x/y': ['root'] }) });
    const c = client();
    expect(await c.sys.capabilities(CHILD, ['secret/a', 'secret/b'])).toEqual({ 'secret/a': ['read'], 'secret/b': ['deny'] });
    expect(vault.requests[0]?.json).toEqual({ token: CHILD, paths: ['secret/a', 'secret/b'] });
    expect(await c.sys.capabilitiesSelf('secret/c')).toEqual({ 'secret/c': ['list', 'read'] });
    expect(vault.requests[1]?.json).toEqual({ paths: ['secret/c'] });
    expect(await c.sys.capabilitiesAccessor('acc1', 'x/y')).toEqual({ 'x/y': ['root'] });
    expect(vault.requests[2]?.json).toEqual({ accessor: 'acc1', paths: ['x/y'] });
    c.close();
  });

  it('revokePrefix uses sys/leases/revoke-prefix', async () => {
    vault.routes.set('PUT /v1/sys/leases/revoke-prefix/auth/userpass', { status: 204 });
    const c = client();
    await c.sys.revokePrefix('auth/userpass/');
    expect(vault.requests[0]?.path).toBe('/v1/sys/leases/revoke-prefix/auth/userpass');
    c.close();
  });
});

describe('sys.policies', () => {
  it('list, read (null when missing), write and delete use sys/policies/acl with lowercased names', async () => {
    vault.routes.set('GET /v1/sys/policies/acl', { body: envelope({ keys: ['default', 'dev', 'root'] }) });
    vault.routes.set('GET /v1/sys/policies/acl/dev', { body: envelope({ name: 'dev', policy: 'path "x" {}' }) });
    vault.routes.set('PUT /v1/sys/policies/acl/dev', { status: 204 });
    vault.routes.set('DELETE /v1/sys/policies/acl/dev', { status: 204 });
    const c = client();
    expect(await c.sys.policies.list()).toEqual(['default', 'dev', 'root']);
    expect(vault.requests[0]?.query.get('list')).toBe('true');
    expect(await c.sys.policies.read(' DEV ')).toBe('path "x" {}');
    expect(await c.sys.policies.read('nope')).toBeNull();
    await c.sys.policies.write('Dev', 'path "y" {}');
    expect(vault.requests.at(-1)?.json).toEqual({ policy: 'path "y" {}' });
    await c.sys.policies.delete('dev');
    expect(vault.requests.at(-1)?.method).toBe('DELETE');
    vault.routes.delete('GET /v1/sys/policies/acl');
    expect(await c.sys.policies.list()).toEqual([]);
    c.close();
  });
});

describe('sys.audit', () => {
  it('list (data or top level), enable, disable and hash', async () => {
    const devices = { 'file/': { type: 'file', description: '', options: { file_path: '/tmp/a.log' }, local: false, path: 'file/' } };
    vault.routes.set('GET /v1/sys/audit', { body: { ...devices, ...envelope(devices) } });
    vault.routes.set('PUT /v1/sys/audit/file2', { status: 204 });
    vault.routes.set('DELETE /v1/sys/audit/file2', { status: 204 });
    vault.routes.set('PUT /v1/sys/audit-hash/file', { body: envelope({ hash: 'hmac-sha256:abc' }) });
    const c = client();
    expect(await c.sys.audit.list()).toEqual(devices);
    await c.sys.audit.enable('file2/', { type: 'file', options: { file_path: 'stdout' } });
    expect(vault.requests.at(-1)?.json).toEqual({ type: 'file', description: '', options: { file_path: 'stdout' }, local: false });
    await c.sys.audit.disable('/file2/');
    expect(vault.requests.at(-1)?.path).toBe('/v1/sys/audit/file2');
    expect(await c.sys.audit.hash('file', 'secret')).toBe('hmac-sha256:abc');
    expect(vault.requests.at(-1)?.json).toEqual({ input: 'secret' });
    c.close();
  });
});

describe('sys.wrapping and X-Vault-Wrap-TTL', () => {
  it('unwrap: own token (no body), another token in the body, or the wrapping token as the request token', async () => {
    vault.routes.set('PUT /v1/sys/wrapping/unwrap', { body: envelope({ a: 'b' }) });
    const c = client();
    expect((await c.sys.wrapping.unwrap())?.data).toEqual({ a: 'b' });
    expect(vault.requests[0]?.json).toBeNull();
    expect(vault.requests[0]?.headers['x-vault-token']).toBe(TOKEN);
    await c.sys.wrapping.unwrap('hvs.WRAPPING');
    expect(vault.requests[1]?.json).toEqual({ token: 'hvs.WRAPPING' });
    expect(vault.requests[1]?.headers['x-vault-token']).toBe(TOKEN);
    await c.sys.wrapping.unwrap(TOKEN);
    expect(vault.requests[2]?.json).toBeNull();
    c.close();
    const anon = createClient({ address: vault.address, token: '', env: { HOME: '/nonexistent' } });
    await anon.sys.wrapping.unwrap('hvs.WRAPPING');
    expect(vault.requests[3]?.headers['x-vault-token']).toBe('hvs.WRAPPING');
    expect(vault.requests[3]?.json).toBeNull();
    anon.close();
  });

  it('unwrap: 204 is null; a wrapped 404 with data is returned; other errors throw', async () => {
    const c = client();
    vault.routes.set('PUT /v1/sys/wrapping/unwrap', { status: 204 });
    expect(await c.sys.wrapping.unwrap('hvs.W')).toBeNull();
    vault.routes.set('PUT /v1/sys/wrapping/unwrap', { status: 404, body: envelope({ keys: ['x'] }) });
    expect((await c.sys.wrapping.unwrap('hvs.W'))?.data).toEqual({ keys: ['x'] });
    vault.routes.set('PUT /v1/sys/wrapping/unwrap', { status: 400, body: { errors: ['wrapping token is not valid or does not exist'] } });
    await expect(c.sys.wrapping.unwrap('hvs.W')).rejects.toThrow('wrapping token is not valid');
    c.close();
  });

  it('lookup, rewrap and wrap (with the 5m default wrap TTL header)', async () => {
    const wrapInfo = { token: 'hvs.W2', accessor: 'wa', ttl: 300, creation_time: '2024-01-01T00:00:00Z', creation_path: 'sys/wrapping/wrap' };
    vault.routes.set('PUT /v1/sys/wrapping/lookup', { body: envelope({ creation_path: 'sys/wrapping/wrap', creation_ttl: 300, creation_time: 't' }) });
    vault.routes.set('PUT /v1/sys/wrapping/rewrap', { body: envelope(null, { wrap_info: wrapInfo }) });
    vault.routes.set('PUT /v1/sys/wrapping/wrap', { body: envelope(null, { wrap_info: wrapInfo }) });
    const c = client();
    expect((await c.sys.wrapping.lookup('hvs.W')).data?.['creation_ttl']).toBe(300);
    expect((await c.sys.wrapping.rewrap('hvs.W')).wrap_info?.token).toBe('hvs.W2');
    await c.sys.wrapping.wrap({ a: 'b' });
    expect(vault.requests[2]?.headers['x-vault-wrap-ttl']).toBe('5m');
    expect(vault.requests[2]?.json).toEqual({ a: 'b' });
    await c.sys.wrapping.wrap({ a: 'b' }, 60);
    expect(vault.requests[3]?.headers['x-vault-wrap-ttl']).toBe('60');
    expect(vault.requests[0]?.headers['x-vault-wrap-ttl']).toBeUndefined();
    c.close();
  });

  it('the client wrap TTL is sent on every request but not on the KV pre-flight; per-request override', async () => {
    vault.routes.set('GET /v1/sys/internal/ui/mounts/secret/foo', uiMount('secret/', 2));
    vault.routes.set('GET /v1/secret/data/foo', { body: envelope(null, { wrap_info: { token: 'w', accessor: 'a', ttl: 60, creation_time: 't', creation_path: 'secret/data/foo' } }) });
    vault.routes.set('GET /v1/sys/leader', { body: { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' } });
    const c = client({ wrapTtl: '1m0s' });
    const r = await c.kv.get('secret/foo');
    expect(r.secret?.wrap_info?.token).toBe('w');
    expect(vault.requests[0]?.headers['x-vault-wrap-ttl']).toBeUndefined();
    expect(vault.requests[1]?.headers['x-vault-wrap-ttl']).toBe('1m0s');
    await c.request('GET', 'sys/leader', { wrapTtl: '' });
    expect(vault.requests[2]?.headers['x-vault-wrap-ttl']).toBeUndefined();
    c.setWrapTtl(undefined);
    await c.sys.leader();
    expect(vault.requests[3]?.headers['x-vault-wrap-ttl']).toBeUndefined();
    c.setWrapTtl(30);
    await c.sys.leader();
    expect(vault.requests[4]?.headers['x-vault-wrap-ttl']).toBe('30');
    expect(() => createClient({ address: vault.address, wrapTtl: -1, env: {} })).toThrow('invalid wrap TTL');
    c.close();
  });

  it('a per-request token overrides the client token (and "" sends none)', async () => {
    vault.routes.set('GET /v1/sys/leader', { body: { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' } });
    const c = client();
    await c.request('GET', 'sys/leader', { token: 'hvs.OTHER' });
    await c.request('GET', 'sys/leader', { token: '' });
    expect(vault.requests[0]?.headers['x-vault-token']).toBe('hvs.OTHER');
    expect(vault.requests[1]?.headers['x-vault-token']).toBeUndefined();
    expect(c.usesToken(TOKEN)).toBe(true);
    expect(c.usesToken('hvs.OTHER')).toBe(false);
    c.close();
  });
});
