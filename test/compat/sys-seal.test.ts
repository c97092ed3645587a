/**
 * The lifecycle endpoints on a server that starts uninitialised: sys/init validation and
 * init, seal-status, unseal progress/reset/wrong keys, seal, and what answers while sealed
 * (reference: vault-core-api.md §2 "init / seal-status / unseal / seal", "health").
 * Driven with raw requests and with node-vault.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rawRequest, uninitialisedTarget, unique, type Api, type RawResponse } from '../support/index.js';

let addr: string;
let close: () => Promise<void>;
let anon: Api;
let keys: string[] = [];
let keysB64: string[] = [];
let rootToken = '';
let kvMount = '';

function expectRaw(res: RawResponse, status: number): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.json as Record<string, unknown>;
  expect(body).not.toHaveProperty('request_id');
  expect(body).not.toHaveProperty('data');
  return body;
}

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

/** A share of the right length and x-coordinate whose y bytes are wrong. */
function corrupt(shareHex: string): string {
  const bytes = Buffer.from(shareHex, 'hex');
  for (let i = 0; i < bytes.length - 1; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
  return bytes.toString('hex');
}

beforeAll(async () => {
  const target = await uninitialisedTarget();
  addr = target.addr;
  close = target.close;
  anon = api(addr);
});

afterAll(async () => {
  if (rootToken && kvMount) await rawRequest(addr, 'DELETE', `/v1/sys/mounts/${kvMount}`, { token: rootToken });
  await close?.();
});

describe('an uninitialised server', () => {
  it('GET sys/init says not initialised', async () => {
    expect(expectRaw(await anon.get('/v1/sys/init'), 200)).toEqual({ initialized: false });
  });

  it('seal-status: sealed, t = n = progress = 0', async () => {
    const body = expectRaw(await anon.get('/v1/sys/seal-status'), 200);
    expect(body).toMatchObject({ type: 'shamir', initialized: false, sealed: true, t: 0, n: 0, progress: 0, nonce: '' });
    expect(typeof body['version']).toBe('string');
  });

  it('node-vault status() and initialized() accept the shapes', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: addr });
    await expect(client.initialized()).resolves.toEqual({ initialized: false });
    const status = await client.status();
    expect(status.sealed).toBe(true);
    expect(Number.isInteger(status.t) && Number.isInteger(status.n) && Number.isInteger(status.progress)).toBe(true);
  });

  it('health is 501 with a body; uninitcode overrides it; HEAD sends no body', async () => {
    const body = expectRaw(await anon.get('/v1/sys/health'), 501);
    expect(body).toMatchObject({ initialized: false, sealed: true, standby: false });
    expect((await anon.get('/v1/sys/health?uninitcode=299')).status).toBe(299);
    const head = await anon.request('HEAD', '/v1/sys/health');
    expect(head.status).toBe(501);
    expect(head.text).toBe('');
  });

  it('logical paths answer 503 Vault is sealed', async () => {
    const res = await anon.get('/v1/secret/data/x', { token: 'anything' });
    expect(res.status).toBe(503);
    expect(errorsOf(res)).toContain('Vault is sealed');
  });

  it('unseal before init is a 400', async () => {
    const res = await anon.put('/v1/sys/unseal', { key: Buffer.alloc(32, 1).toString('base64') });
    expect(res.status).toBe(400);
  });

  it.each([
    ['no fields', {}],
    ['zero shares', { secret_shares: 0, secret_threshold: 0 }],
    ['negative shares', { secret_shares: -1, secret_threshold: 1 }],
    ['threshold above shares', { secret_shares: 3, secret_threshold: 4 }],
    ['threshold 1 with several shares', { secret_shares: 3, secret_threshold: 1 }],
    ['zero threshold', { secret_shares: 2, secret_threshold: 0 }],
    ['more than 255 shares', { secret_shares: 256, secret_threshold: 2 }],
    ['one share, threshold 2', { secret_shares: 1, secret_threshold: 2 }],
    ['shares not a number', { secret_shares: 'three', secret_threshold: 2 }],
  ])('sys/init rejects %s with 400 and stays uninitialised', async (_label, body) => {
    const res = await anon.put('/v1/sys/init', body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(errorsOf(res)).not.toBe('');
    expect((await anon.get('/v1/sys/init')).json).toEqual({ initialized: false });
  });
});

describe('init', () => {
  it('node-vault init() returns hex and base64 shares and a root token; the node stays sealed', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: addr });
    const result = await client.init({ secret_shares: 3, secret_threshold: 2 });
    expect(Object.keys(result).sort()).toEqual(['keys', 'keys_base64', 'root_token']);
    keys = result.keys as string[];
    keysB64 = result.keys_base64 as string[];
    rootToken = result.root_token as string;
    expect(keys).toHaveLength(3);
    expect(keysB64).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    keys.forEach((hex, i) => {
      expect(hex).toMatch(/^[0-9a-f]{66}$/); // 33-byte shares (32 + x-coordinate)
      expect(Buffer.from(keysB64[i] ?? '', 'base64').toString('hex')).toBe(hex);
    });
    expect(typeof rootToken).toBe('string');
    expect(rootToken.length).toBeGreaterThan(0);

    const status = expectRaw(await anon.get('/v1/sys/seal-status'), 200);
    expect(status).toMatchObject({ initialized: true, sealed: true, t: 2, n: 3, progress: 0 });
    expect(status).not.toHaveProperty('cluster_name');
  });

  it('re-init is 400 "Vault is already initialized"', async () => {
    const res = await anon.put('/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('Vault is already initialized');
  });

  it('GET sys/init says initialised', async () => {
    expect(expectRaw(await anon.get('/v1/sys/init'), 200)).toEqual({ initialized: true });
  });
});

describe('sealed after init', () => {
  it('health is 503 with a body (no cluster fields); sealedcode overrides; HEAD has no body', async () => {
    const body = expectRaw(await anon.get('/v1/sys/health'), 503);
    expect(body).toMatchObject({ initialized: true, sealed: true, standby: false });
    expect(body).not.toHaveProperty('cluster_name');
    expect(body).not.toHaveProperty('cluster_id');
    expect((await anon.get('/v1/sys/health?sealedcode=200')).status).toBe(200);
    const head = await anon.request('HEAD', '/v1/sys/health');
    expect(head.status).toBe(503);
    expect(head.text).toBe('');
  });

  it('node-vault health() resolves with the body even at 503', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: addr });
    await expect(client.health()).resolves.toMatchObject({ initialized: true, sealed: true });
  });

  it('the root token gets 503 on logical and sys paths alike', async () => {
    for (const path of ['/v1/sys/mounts', '/v1/secret/data/x', '/v1/sys/key-status']) {
      const res = await anon.get(path, { token: rootToken });
      expect(res.status).toBe(503);
      expect(errorsOf(res)).toContain('Vault is sealed');
    }
  });

  it('sys/leader still answers raw JSON', async () => {
    const body = expectRaw(await anon.get('/v1/sys/leader'), 200);
    expect(typeof body['ha_enabled']).toBe('boolean');
  });
});

describe('unseal', () => {
  it('neither key nor reset is 400 with Vault’s message', async () => {
    const res = await anon.put('/v1/sys/unseal', {});
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain("'key' must be specified in request body as JSON, or 'reset' set to true");
  });

  it('a key that is neither hex nor base64 is 400', async () => {
    const res = await anon.put('/v1/sys/unseal', { key: 'not a key!' });
    expect(res.status).toBe(400);
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: true, progress: 0 });
  });

  it('one share moves progress to 1 with a nonce; reset discards it', async () => {
    const first = expectRaw(await anon.put('/v1/sys/unseal', { key: keys[0] }), 200);
    expect(first).toMatchObject({ sealed: true, t: 2, n: 3, progress: 1 });
    expect(typeof first['nonce']).toBe('string');
    expect(first['nonce']).not.toBe('');
    const reset = expectRaw(await anon.put('/v1/sys/unseal', { reset: true }), 200);
    expect(reset).toMatchObject({ sealed: true, progress: 0 });
  });

  it('a wrong share at the threshold is 400 "unseal failed, invalid key", and it stays sealed with progress reset', async () => {
    expect((await anon.put('/v1/sys/unseal', { key: keys[0] })).json.progress).toBe(1);
    const res = await anon.put('/v1/sys/unseal', { key: corrupt(keys[1] ?? '') });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('unseal failed, invalid key');
    const status = (await anon.get('/v1/sys/seal-status')).json;
    expect(status).toMatchObject({ sealed: true, progress: 0 });
  });

  it('two good shares (base64 and hex) unseal; the response is seal-status with cluster fields', async () => {
    const first = expectRaw(await anon.put('/v1/sys/unseal', { key: keysB64[0] }), 200);
    expect(first['progress']).toBe(1);
    const second = expectRaw(await anon.put('/v1/sys/unseal', { key: keys[2] }), 200);
    expect(second).toMatchObject({ sealed: false, t: 2, n: 3, progress: 0, initialized: true });
    expect(typeof second['cluster_name']).toBe('string');
    expect(typeof second['cluster_id']).toBe('string');
  });

  it('reset while unsealed is 400', async () => {
    const res = await anon.put('/v1/sys/unseal', { reset: true });
    expect(res.status).toBe(400);
  });

  it('health is 200 once unsealed, with cluster fields', async () => {
    const body = expectRaw(await anon.get('/v1/sys/health'), 200);
    expect(body).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(typeof body['cluster_id']).toBe('string');
  });

  it('the root token from init works', async () => {
    kvMount = unique('seal-kv');
    const root = api(addr, rootToken);
    expect((await root.post(`/v1/sys/mounts/${kvMount}`, { type: 'kv-v2' })).status).toBe(204);
    expect((await root.put(`/v1/${kvMount}/data/kept`, { data: { v: 'before-seal' } })).status).toBe(200);
  });
});

describe('seal', () => {
  it('needs a token: none or a bad one is 403, and the server stays unsealed', async () => {
    expect((await anon.put('/v1/sys/seal')).status).toBe(403);
    const bad = await anon.put('/v1/sys/seal', undefined, { token: 'bogus' });
    expect(bad.status).toBe(403);
    expect((await anon.get('/v1/sys/seal-status')).json.sealed).toBe(false);
  });

  it('PUT sys/seal with the root token seals: 204, no body', async () => {
    const sealed = await rawRequest(addr, 'PUT', '/v1/sys/seal', { token: rootToken });
    expect(sealed.status).toBe(204);
    expect(sealed.text).toBe('');
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: true, progress: 0 });
  });

  it('while sealed: 503 on logical paths, seal-status still answers', async () => {
    const res = await anon.get(`/v1/${kvMount}/data/kept`, { token: rootToken });
    expect(res.status).toBe(503);
    expect(errorsOf(res)).toContain('Vault is sealed');
    expect((await anon.get('/v1/sys/seal-status')).status).toBe(200);
    expect((await anon.put('/v1/sys/seal', undefined, { token: rootToken })).status).toBe(503);
  });

  it('a wrong key while sealed is 400 and it stays sealed', async () => {
    await anon.put('/v1/sys/unseal', { key: keys[1] });
    const res = await anon.put('/v1/sys/unseal', { key: corrupt(keys[2] ?? '') });
    expect(res.status).toBe(400);
    expect((await anon.get('/v1/sys/seal-status')).json.sealed).toBe(true);
  });

  it('node-vault unseal() twice unseals, and the data written before the seal is there', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: addr, token: rootToken });
    const one = await client.unseal({ key: keys[1] });
    expect(one).toMatchObject({ sealed: true, progress: 1 });
    const two = await client.unseal({ key: keys[2] });
    expect(two).toMatchObject({ sealed: false, progress: 0 });
    const read = await client.read(`${kvMount}/data/kept`);
    expect(read.data.data).toEqual({ v: 'before-seal' });
  });

  it('node-vault seal() then unseal() round trip', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: addr, token: rootToken });
    await client.seal();
    expect((await client.status()).sealed).toBe(true);
    await client.unseal({ key: keys[0] });
    const done = await client.unseal({ key: keys[1] });
    expect(done.sealed).toBe(false);
  });
});
