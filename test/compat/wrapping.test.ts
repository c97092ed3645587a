/**
 * Response wrapping and cubbyhole: `X-Vault-Wrap-TTL` on ordinary requests, node-vault's
 * `unwrap`, raw `sys/wrapping/{unwrap,lookup,rewrap,wrap}` (token in the header or in the
 * body, single use, the 400 for a spent token), the wrapping token itself, and per-token
 * cubbyhole storage (reference: vault-core-api.md §1 "wrap_info", §8; vault-engines-perf.md
 * §4.2, §5.1 `auth_cubbyhole`).
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, rawRequest, unique, type Api, type CompatTarget, type RawResponse } from '../support/index.js';

type Client = ReturnType<typeof vault>;

let target: CompatTarget;
let root: Api;
let kvPath = '';
const SECRET = { username: 'svc', password: 'wrapped-s3cret' };

const INVALID = 'wrapping token is not valid or does not exist';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function client(token: string): Client {
  return vault({ apiVersion: 'v1', endpoint: target.addr, token });
}

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

async function rejection(promise: Promise<unknown>): Promise<{ message: string; response: { statusCode: number } }> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.err as { message: string; response: { statusCode: number } };
}

/** A wrapped read of the test secret: the wrapping token. */
async function wrappedRead(ttl = '300'): Promise<Record<string, any>> {
  const res = await root.get(`/v1/${kvPath}`, { headers: { 'X-Vault-Wrap-TTL': ttl } });
  if (res.status !== 200) throw new Error(`wrapped read: ${res.status} ${res.text}`);
  return res.json.wrap_info as Record<string, any>;
}

const unwrapWith = (token: string, body?: unknown): Promise<RawResponse> =>
  rawRequest(target.addr, 'POST', '/v1/sys/wrapping/unwrap', { token, ...(body !== undefined ? { body } : {}) });

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  kvPath = `secret/data/${unique('wrap')}`;
  expect((await root.post(`/v1/${kvPath}`, { data: SECRET })).status).toBe(200);
});

afterAll(async () => {
  if (root) await root.delete(`/v1/${kvPath.replace('/data/', '/metadata/')}`);
  await target?.close();
});

describe('X-Vault-Wrap-TTL', () => {
  it('a wrapped KV read: only wrap_info {token, accessor, ttl, creation_time, creation_path}, data null', async () => {
    const res = await root.get(`/v1/${kvPath}`, { headers: { 'X-Vault-Wrap-TTL': '5m' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json as Record<string, any>;
    expect(Object.keys(body).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(body).toMatchObject({ data: null, auth: null, lease_id: '', lease_duration: 0, renewable: false, warnings: null });
    const info = body['wrap_info'] as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(['accessor', 'creation_path', 'creation_time', 'token', 'ttl']);
    expect(info['token']).toMatch(/^hvs\./);
    expect(typeof info['accessor']).toBe('string');
    expect(info['accessor']).not.toBe('');
    expect(info['ttl']).toBe(300);
    expect(info['creation_time']).toMatch(RFC3339);
    expect(Math.abs(Date.parse(info['creation_time'] as string) - Date.now())).toBeLessThan(60_000);
    expect(info['creation_path']).toBe(kvPath);
    expect(res.text).not.toContain(SECRET.password);
  });

  it('the TTL may be seconds or a duration', async () => {
    expect((await wrappedRead('90')).ttl).toBe(90);
    expect((await wrappedRead('2m')).ttl).toBe(120);
  });

  it('a malformed or negative TTL is 400', async () => {
    for (const ttl of ['abc', '-5']) {
      const res = await root.get(`/v1/${kvPath}`, { headers: { 'X-Vault-Wrap-TTL': ttl } });
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toContain('X-Vault-Wrap-TTL');
    }
  });

  it('a read of nothing is still 404, not a wrapped nothing; an empty LIST is 404', async () => {
    expect((await root.get(`/v1/secret/data/${unique('absent')}`, { headers: { 'X-Vault-Wrap-TTL': '60' } })).status).toBe(404);
    expect((await root.list(`/v1/secret/metadata/${unique('absent')}/`, { headers: { 'X-Vault-Wrap-TTL': '60' } })).status).toBe(404);
  });

  it('the wrapping token: orphan, one use, policy response-wrapping, ttl = explicit max, not renewable', async () => {
    const info = await wrappedRead('300');
    const data = (await root.post('/v1/auth/token/lookup', { token: info['token'] })).json.data;
    expect(data).toMatchObject({
      policies: ['response-wrapping'],
      num_uses: 1,
      orphan: true,
      renewable: false,
      creation_ttl: 300,
      explicit_max_ttl: 300,
      accessor: info['accessor'],
      type: 'service',
    });
  });

  it('the wrapping token cannot read anything else (403), and the refused use spends it', async () => {
    // Vault decrements a token's uses even when the request is denied, so a wrapping token
    // used anywhere but sys/wrapping/* is gone.
    const info = await wrappedRead();
    const token = info['token'] as string;
    expect((await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token })).status).toBe(403);
    const unwrapped = await unwrapWith(token);
    expect(unwrapped.status).toBe(400);
    expect(unwrapped.json.errors[0]).toContain('wrapping token is not valid or does not exist');
  });

  it('a wrapped token create carries wrapped_accessor; unwrapping gives the auth block with a working token', async () => {
    const res = await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '10m' }, { headers: { 'X-Vault-Wrap-TTL': '60' } });
    expect(res.status).toBe(200);
    expect(res.json.auth).toBeNull();
    const info = res.json.wrap_info as Record<string, any>;
    expect(info['creation_path']).toBe('auth/token/create');
    expect(typeof info['wrapped_accessor']).toBe('string');
    const unwrapped = await unwrapWith(info['token'] as string);
    expect(unwrapped.status).toBe(200);
    const auth = unwrapped.json.auth as Record<string, any>;
    expect(auth['accessor']).toBe(info['wrapped_accessor']);
    expect(auth['policies']).toEqual(['default']);
    const self = await rawRequest(target.addr, 'GET', '/v1/auth/token/lookup-self', { token: auth['client_token'] as string });
    expect(self.status).toBe(200);
    expect(self.json.data.accessor).toBe(info['wrapped_accessor']);
  });
});

describe('unwrap', () => {
  it('node-vault unwrap() with the wrapping token as the client token', async () => {
    const info = await wrappedRead();
    const res = await client(info['token'] as string).unwrap();
    expect(Object.keys(res).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.data.data).toEqual(SECRET);
    expect(res.wrap_info).toBeNull();
    expect(res.mount_type).toBe('kv');
  });

  it('node-vault unwrap({token}) from another token', async () => {
    const info = await wrappedRead();
    const res = await client(target.token).unwrap({ token: info['token'] });
    expect(res.data.data).toEqual(SECRET);
  });

  it('raw: the token in X-Vault-Token with no body, or in the body', async () => {
    const a = await wrappedRead();
    const inHeader = await unwrapWith(a['token'] as string);
    expect(inHeader.status).toBe(200);
    expect(inHeader.json.data.data).toEqual(SECRET);
    const b = await wrappedRead();
    const inBody = await root.post('/v1/sys/wrapping/unwrap', { token: b['token'] });
    expect(inBody.status).toBe(200);
    expect(inBody.json.data.data).toEqual(SECRET);
  });

  it('single use: a second unwrap is 400 "wrapping token is not valid or does not exist"', async () => {
    const info = await wrappedRead();
    const token = info['token'] as string;
    expect((await unwrapWith(token)).status).toBe(200);
    const again = await unwrapWith(token);
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toBe('application/json');
    expect(again.json).toEqual({ errors: [INVALID] });
    const inBody = await root.post('/v1/sys/wrapping/unwrap', { token });
    expect(inBody.status).toBe(400);
    expect(errorsOf(inBody)).toBe(INVALID);
    const nv = await rejection(client(target.token).unwrap({ token }));
    expect(nv.response.statusCode).toBe(400);
    expect(nv.message).toBe(INVALID);
  });

  it('an unknown token is the same 400', async () => {
    const res = await root.post('/v1/sys/wrapping/unwrap', { token: 'hvs.doesnotexist0000000000' });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toBe(INVALID);
  });

  it('an expired wrapping token is the same 400', async () => {
    const info = await wrappedRead('1');
    let res = await root.post('/v1/sys/wrapping/lookup', { token: info['token'] });
    for (let i = 0; i < 40 && res.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await root.post('/v1/sys/wrapping/lookup', { token: info['token'] });
    }
    expect(res.status).toBe(400);
    const unwrapped = await unwrapWith(info['token'] as string);
    expect(unwrapped.status).toBe(400);
    expect(errorsOf(unwrapped)).toBe(INVALID);
  });
});

describe('lookup, rewrap, wrap', () => {
  it('sys/wrapping/lookup needs no token, returns {creation_path, creation_time, creation_ttl}, and does not spend the token', async () => {
    const info = await wrappedRead('120');
    const res = await rawRequest(target.addr, 'POST', '/v1/sys/wrapping/lookup', { body: { token: info['token'] } });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ creation_path: kvPath, creation_time: res.json.data.creation_time, creation_ttl: 120 });
    expect(res.json.data.creation_time).toMatch(RFC3339);
    expect(Math.abs(Date.parse(res.json.data.creation_time as string) - Date.parse(info['creation_time'] as string))).toBeLessThan(2000);
    expect((await unwrapWith(info['token'] as string)).status).toBe(200);
    const spent = await rawRequest(target.addr, 'POST', '/v1/sys/wrapping/lookup', { body: { token: info['token'] } });
    expect(spent.status).toBe(400);
    expect(errorsOf(spent)).toBe(INVALID);
  });

  it('rewrap: a new token with the same TTL and creation path; the old one is spent', async () => {
    const info = await wrappedRead('240');
    const res = await root.post('/v1/sys/wrapping/rewrap', { token: info['token'] });
    expect(res.status).toBe(200);
    const fresh = res.json.wrap_info as Record<string, any>;
    expect(fresh['token']).not.toBe(info['token']);
    expect(fresh).toMatchObject({ ttl: 240, creation_path: kvPath });
    expect(res.json.data).toBeNull();
    expect((await unwrapWith(info['token'] as string)).status).toBe(400);
    const unwrapped = await unwrapWith(fresh['token'] as string);
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.json.data.data).toEqual(SECRET);
  });

  it('sys/wrapping/wrap: without a wrap TTL 400; with one it wraps the body; unwrap gives it back as data', async () => {
    const payload = { app: 'web', key: 'value-42' };
    const bare = await root.post('/v1/sys/wrapping/wrap', payload);
    expect(bare.status).toBe(400);
    expect(errorsOf(bare)).toBe('endpoint requires response wrapping to be used');
    const res = await root.post('/v1/sys/wrapping/wrap', payload, { headers: { 'X-Vault-Wrap-TTL': '60' } });
    expect(res.status).toBe(200);
    expect(res.json.data).toBeNull();
    expect(res.json.wrap_info).toMatchObject({ ttl: 60, creation_path: 'sys/wrapping/wrap' });
    const unwrapped = await unwrapWith(res.json.wrap_info.token as string);
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.json.data).toEqual(payload);
  });

  it('a token with only the default policy may wrap, look up and unwrap', async () => {
    const created = await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '10m' });
    const user = api(target.addr, created.json.auth.client_token as string);
    const res = await user.post('/v1/sys/wrapping/wrap', { v: '1' }, { headers: { 'X-Vault-Wrap-TTL': '60' } });
    expect(res.status).toBe(200);
    const token = res.json.wrap_info.token as string;
    expect((await user.post('/v1/sys/wrapping/lookup', { token })).status).toBe(200);
    const unwrapped = await user.post('/v1/sys/wrapping/unwrap', { token });
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.json.data).toEqual({ v: '1' });
  });
});

describe('cubbyhole', () => {
  let a: Api;
  let b: Api;
  let tokenA = '';

  beforeAll(async () => {
    const make = async (): Promise<string> => (await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '10m' })).json.auth.client_token as string;
    tokenA = await make();
    a = api(target.addr, tokenA);
    b = api(target.addr, await make());
  });

  it('write (204), read (lease_duration 0, mount_type cubbyhole), overwrite replaces', async () => {
    expect((await a.post('/v1/cubbyhole/app/config', { user: 'alice', pass: 'x' })).status).toBe(204);
    const read = await a.get('/v1/cubbyhole/app/config');
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ data: { user: 'alice', pass: 'x' }, lease_duration: 0, mount_type: 'cubbyhole', renewable: false });
    expect((await a.post('/v1/cubbyhole/app/config', { only: 'this' })).status).toBe(204);
    expect((await a.get('/v1/cubbyhole/app/config')).json.data).toEqual({ only: 'this' });
  });

  it('list: keys, folders with a trailing slash', async () => {
    expect((await a.post('/v1/cubbyhole/top', { v: '1' })).status).toBe(204);
    const listed = await a.list('/v1/cubbyhole/');
    expect(listed.status).toBe(200);
    expect(listed.json.data.keys).toEqual(['app/', 'top']);
    expect((await a.list('/v1/cubbyhole/app')).json.data.keys).toEqual(['config']);
    expect((await a.get('/v1/cubbyhole/?list=true')).json.data.keys).toEqual(['app/', 'top']);
  });

  it('private to the token: another token, even root, sees nothing there', async () => {
    expect((await b.get('/v1/cubbyhole/app/config')).status).toBe(404);
    expect((await b.list('/v1/cubbyhole/')).status).toBe(404);
    expect((await root.get('/v1/cubbyhole/app/config')).status).toBe(404);
    expect((await b.post('/v1/cubbyhole/app/config', { mine: 'b' })).status).toBe(204);
    expect((await a.get('/v1/cubbyhole/app/config')).json.data).toEqual({ only: 'this' });
    expect((await b.get('/v1/cubbyhole/app/config')).json.data).toEqual({ mine: 'b' });
  });

  it('delete is 204; then a read is 404 and an empty list is 404', async () => {
    expect((await b.delete('/v1/cubbyhole/app/config')).status).toBe(204);
    expect((await b.get('/v1/cubbyhole/app/config')).status).toBe(404);
    expect((await b.list('/v1/cubbyhole/')).json).toEqual({ errors: [] });
  });

  it('an empty write is 400; writes to a folder path are 400', async () => {
    expect((await a.post('/v1/cubbyhole/empty', {})).status).toBe(400);
    expect((await a.post('/v1/cubbyhole/folder/', { a: 'b' })).status).toBe(400);
  });

  it('node-vault write/read/list/delete on cubbyhole', async () => {
    const nv = client(tokenA);
    await nv.write('cubbyhole/nv', { k: 'v' });
    expect((await nv.read('cubbyhole/nv')).data).toEqual({ k: 'v' });
    expect((await nv.list('cubbyhole/')).data.keys).toContain('nv');
    await nv.delete('cubbyhole/nv');
    const gone = await rejection(nv.read('cubbyhole/nv'));
    expect(gone.response.statusCode).toBe(404);
  });

  it('revoking the token ends its cubbyhole', async () => {
    const created = await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '10m' });
    const token = created.json.auth.client_token as string;
    const accessor = created.json.auth.accessor as string;
    expect((await rawRequest(target.addr, 'POST', '/v1/cubbyhole/keep', { token, body: { v: '1' } })).status).toBe(204);
    expect((await root.post('/v1/auth/token/revoke-accessor', { accessor })).status).toBe(204);
    expect((await rawRequest(target.addr, 'GET', '/v1/cubbyhole/keep', { token })).status).toBe(403);
  });
});
