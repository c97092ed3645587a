/**
 * `sys/generate-root/*` and `sys/rekey/*` on a server initialised here with 3 shares,
 * threshold 2 (reference: vault-core-api.md §2 "rekey / generate-root", §10): node-vault's
 * `generateRootInit`/`generateRootUpdate`/`generateRootCancel` and raw requests (node-vault 0.12
 * has no call for the attempt's status or for rekey), the raw JSON shapes, the OTP decoding
 * (Vault's unpadded base64 of token XOR OTP) and a working decoded root token; then a rekey
 * 3/2 → 5/3 after which the old shares no longer unseal and the new ones do.
 *
 * It needs a server that is not initialised yet: an in-memory config-mode server in this
 * process, or `COFFER_COMPAT_ROOT_REKEY_UNINIT_ADDR` (a server of its own, not the one the
 * seal suite uses, since both initialise theirs).
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, initServer, rawRequest, startInProcessConfig, unique, unsealServer, type Api, type RawResponse } from '../support/index.js';

type Client = ReturnType<typeof vault>;

let addr = '';
let close: () => Promise<void> = async () => {};
let anon: Api;
let nv: Client;
let keys: string[] = [];
let keysB64: string[] = [];
let rootToken = '';
let newKeys: string[] = [];
let kvMount = '';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GENERATE_ROOT_KEYS = [
  'complete',
  'encoded_root_token',
  'encoded_token',
  'nonce',
  'otp',
  'otp_length',
  'pgp_fingerprint',
  'progress',
  'required',
  'started',
];
const REKEY_STATUS_KEYS = ['backup', 'n', 'nonce', 'pgp_fingerprints', 'progress', 'required', 'started', 't', 'verification_required'];

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

/** Raw JSON (no envelope), exactly application/json. */
function rawBody(res: RawResponse, status = 200): Record<string, any> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json');
  const body = res.json as Record<string, any>;
  expect(body).not.toHaveProperty('request_id');
  expect(body).not.toHaveProperty('data');
  return body;
}

/** Vault's `operator generate-root -decode`: unpadded base64, XOR with the OTP. */
function decodeRootToken(encoded: string, otp: string): string {
  const mixed = Buffer.from(encoded, 'base64');
  const pad = Buffer.from(otp, 'utf8');
  expect(mixed.length).toBe(pad.length);
  return Buffer.from(mixed.map((byte, i) => byte ^ (pad[i] ?? 0))).toString('utf8');
}

/** A base62 OTP of Vault's length for `hvs.` tokens. */
function clientOtp(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  while (out.length < 28) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

async function expectRootToken(token: string): Promise<void> {
  expect(token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
  const self = await rawRequest(addr, 'GET', '/v1/auth/token/lookup-self', { token });
  expect(self.status).toBe(200);
  expect(self.json.data).toMatchObject({ policies: ['root'], path: 'auth/token/root', ttl: 0, expire_time: null });
  expect((await rawRequest(addr, 'GET', '/v1/sys/mounts', { token })).status).toBe(200);
}

beforeAll(async () => {
  const external = process.env['COFFER_COMPAT_ROOT_REKEY_UNINIT_ADDR'];
  if (external) {
    addr = external.replace(/\/+$/, '');
  } else {
    const server = await startInProcessConfig({ storage: 'inmem' });
    addr = server.address;
    close = () => server.close();
  }
  anon = api(addr);
  nv = vault({ apiVersion: 'v1', endpoint: addr });
  nv.token = '';
  const init = await initServer(addr, 3, 2);
  keys = init.keys;
  keysB64 = init.keys_base64;
  rootToken = init.root_token;
  await unsealServer(addr, keys);
  kvMount = unique('rekey-kv');
  expect((await rawRequest(addr, 'POST', `/v1/sys/mounts/${kvMount}`, { token: rootToken, body: { type: 'kv', options: { version: '1' } } })).status).toBe(204);
  expect((await rawRequest(addr, 'PUT', `/v1/${kvMount}/kept`, { token: rootToken, body: { v: 'before-rekey' } })).status).toBe(204);
});

afterAll(async () => {
  if (rootToken && kvMount) await rawRequest(addr, 'DELETE', `/v1/sys/mounts/${kvMount}`, { token: rootToken }).catch(() => undefined);
  await close();
});

describe('generate-root', () => {
  it('GET attempt: raw JSON with every field; nothing started, 2 required, otp_length 28; no token needed', async () => {
    const body = rawBody(await anon.get('/v1/sys/generate-root/attempt'));
    expect(Object.keys(body).sort()).toEqual(GENERATE_ROOT_KEYS);
    expect(body).toMatchObject({
      started: false,
      nonce: '',
      progress: 0,
      required: 2,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: 28,
    });
  });

  it('node-vault generateRootInit() → a server-made OTP; generateRootUpdate() twice → encoded_token that decodes to a working root token', async () => {
    const started = await nv.generateRootInit();
    expect(started).toMatchObject({ started: true, progress: 0, required: 2, complete: false, otp_length: 28 });
    expect(started.nonce).toMatch(UUID);
    const otp = started.otp as string;
    expect(otp).toMatch(/^[0-9A-Za-z]{28}$/);
    // The OTP is shown once, at the start only.
    const status = rawBody(await anon.get('/v1/sys/generate-root/attempt'));
    expect(status).toMatchObject({ started: true, nonce: started.nonce, otp: '', progress: 0 });

    const first = await nv.generateRootUpdate({ key: keys[0], nonce: started.nonce });
    expect(first).toMatchObject({ started: true, progress: 1, complete: false, encoded_token: '', nonce: started.nonce });
    const done = await nv.generateRootUpdate({ key: keysB64[2], nonce: started.nonce });
    expect(done).toMatchObject({ complete: true, progress: 2, nonce: started.nonce });
    const encoded = done.encoded_token as string;
    expect(encoded).toBe(done.encoded_root_token);
    // Go's RawStdEncoding: standard alphabet, no padding (28 bytes → 38 characters).
    expect(encoded).toMatch(/^[A-Za-z0-9+/]{38}$/);
    await expectRootToken(decodeRootToken(encoded, otp));

    expect(rawBody(await anon.get('/v1/sys/generate-root/attempt'))).toMatchObject({ started: false, nonce: '', progress: 0, encoded_token: '' });
  });

  it('raw: a client-chosen OTP (not echoed back) is the one the token is encoded with', async () => {
    const otp = clientOtp();
    const started = rawBody(await anon.put('/v1/sys/generate-root/attempt', { otp }));
    expect(Object.keys(started).sort()).toEqual(GENERATE_ROOT_KEYS);
    expect(started).toMatchObject({ started: true, otp: '', otp_length: 28 });
    const nonce = started['nonce'] as string;
    rawBody(await anon.put('/v1/sys/generate-root/update', { key: keys[1], nonce }));
    const done = rawBody(await anon.put('/v1/sys/generate-root/update', { key: keys[2], nonce }));
    expect(Object.keys(done).sort()).toEqual(GENERATE_ROOT_KEYS);
    expect(done['complete']).toBe(true);
    await expectRootToken(decodeRootToken(done['encoded_token'] as string, otp));
  });

  it('one attempt at a time: a second start is 400', async () => {
    const started = rawBody(await anon.put('/v1/sys/generate-root/attempt', {}));
    const again = await anon.put('/v1/sys/generate-root/attempt', {});
    expect(again.status).toBe(400);
    expect(errorsOf(again)).toContain('root generation already in progress');
    expect(rawBody(await anon.get('/v1/sys/generate-root/attempt'))['nonce']).toBe(started['nonce']);
    expect((await anon.delete('/v1/sys/generate-root/attempt')).status).toBe(204);
  });

  it('a wrong nonce, a repeated share, a wrong-length OTP, and an update without an attempt are 400', async () => {
    expect((await anon.put('/v1/sys/generate-root/attempt', { otp: 'short' })).status).toBe(400);
    const noAttempt = await anon.put('/v1/sys/generate-root/update', { key: keys[0], nonce: 'x' });
    expect(noAttempt.status).toBe(400);
    const nonce = rawBody(await anon.put('/v1/sys/generate-root/attempt', {}))['nonce'] as string;
    const wrongNonce = await anon.put('/v1/sys/generate-root/update', { key: keys[0], nonce: 'not-the-nonce' });
    expect(wrongNonce.status).toBe(400);
    expect(errorsOf(wrongNonce)).toContain('incorrect nonce');
    expect(rawBody(await anon.put('/v1/sys/generate-root/update', { key: keys[0], nonce }))['progress']).toBe(1);
    const repeated = await anon.put('/v1/sys/generate-root/update', { key: keysB64[0], nonce });
    expect(repeated.status).toBe(400);
    expect(rawBody(await anon.get('/v1/sys/generate-root/attempt'))['progress']).toBe(1);
  });

  it('node-vault generateRootCancel() drops the attempt and its progress; cancelling nothing is fine', async () => {
    expect(rawBody(await anon.get('/v1/sys/generate-root/attempt'))['started']).toBe(true);
    await nv.generateRootCancel();
    expect(rawBody(await anon.get('/v1/sys/generate-root/attempt'))).toMatchObject({ started: false, progress: 0, nonce: '' });
    await nv.generateRootCancel();
    expect((await anon.delete('/v1/sys/generate-root/attempt')).status).toBe(204);
  });

  it('a wrong share at the threshold fails the attempt with 400 and no token', async () => {
    const nonce = rawBody(await anon.put('/v1/sys/generate-root/attempt', {}))['nonce'] as string;
    rawBody(await anon.put('/v1/sys/generate-root/update', { key: keys[0], nonce }));
    const bad = Buffer.from(keys[1] ?? '', 'hex');
    for (let i = 0; i < bad.length - 1; i++) bad[i] = (bad[i] ?? 0) ^ 0x5a;
    const res = await anon.put('/v1/sys/generate-root/update', { key: bad.toString('hex'), nonce });
    expect(res.status).toBe(400);
    expect(res.json).not.toHaveProperty('encoded_token');
    await anon.delete('/v1/sys/generate-root/attempt');
  });
});

describe('rekey 3/2 → 5/3', () => {
  it('GET rekey/init: raw JSON, nothing started, 2 required', async () => {
    const body = rawBody(await anon.get('/v1/sys/rekey/init'));
    expect(Object.keys(body).sort()).toEqual(REKEY_STATUS_KEYS);
    expect(body).toMatchObject({ started: false, nonce: '', t: 0, n: 0, progress: 0, required: 2, backup: false, verification_required: false });
  });

  it('bad parameters are 400', async () => {
    expect((await anon.put('/v1/sys/rekey/init', { secret_shares: 3, secret_threshold: 4 })).status).toBe(400);
    expect((await anon.put('/v1/sys/rekey/init', { secret_shares: 3, secret_threshold: 1 })).status).toBe(400);
    expect(rawBody(await anon.get('/v1/sys/rekey/init'))['started']).toBe(false);
  });

  it('start, a second start is 400, cancel with the nonce', async () => {
    const started = rawBody(await anon.put('/v1/sys/rekey/init', { secret_shares: 4, secret_threshold: 2 }));
    expect(started).toMatchObject({ started: true, t: 2, n: 4, progress: 0, required: 2 });
    expect(started['nonce']).toMatch(UUID);
    expect((await anon.put('/v1/sys/rekey/init', { secret_shares: 5, secret_threshold: 3 })).status).toBe(400);
    rawBody(await anon.put('/v1/sys/rekey/update', { key: keys[0], nonce: started['nonce'] }));
    const cancelled = await anon.request('DELETE', '/v1/sys/rekey/init', { body: { nonce: started['nonce'] } });
    expect(cancelled.status).toBe(204);
    expect(rawBody(await anon.get('/v1/sys/rekey/init'))).toMatchObject({ started: false, progress: 0, t: 0, n: 0 });
  });

  it('init 5/3, then two current shares: complete with 5 new shares in hex and base64', async () => {
    const started = rawBody(await anon.put('/v1/sys/rekey/init', { secret_shares: 5, secret_threshold: 3 }));
    expect(started).toMatchObject({ started: true, t: 3, n: 5, progress: 0, required: 2, pgp_fingerprints: null });
    const nonce = started['nonce'] as string;
    const wrongNonce = await anon.put('/v1/sys/rekey/update', { key: keys[0], nonce: 'nope' });
    expect(wrongNonce.status).toBe(400);
    const first = rawBody(await anon.put('/v1/sys/rekey/update', { key: keys[0], nonce }));
    expect(first).toMatchObject({ started: true, progress: 1, t: 3, n: 5 });
    const done = rawBody(await anon.put('/v1/sys/rekey/update', { key: keysB64[1], nonce }));
    expect(done).toMatchObject({ complete: true, nonce, backup: false, verification_required: false });
    newKeys = done['keys'] as string[];
    const newB64 = done['keys_base64'] as string[];
    expect(newKeys).toHaveLength(5);
    expect(newB64).toHaveLength(5);
    expect(new Set(newKeys).size).toBe(5);
    newKeys.forEach((hex, i) => {
      expect(hex).toMatch(/^[0-9a-f]{66}$/);
      expect(Buffer.from(newB64[i] ?? '', 'base64').toString('hex')).toBe(hex);
      expect(keys).not.toContain(hex);
    });
    expect(rawBody(await anon.get('/v1/sys/rekey/init'))).toMatchObject({ started: false, required: 3 });
  });

  it('seal-status says t 3, n 5; the server stays unsealed and the root token still works', async () => {
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: false, t: 3, n: 5 });
    expect((await rawRequest(addr, 'GET', `/v1/${kvMount}/kept`, { token: rootToken })).json.data).toEqual({ v: 'before-rekey' });
  });

  it('after a seal the old shares no longer unseal', async () => {
    expect((await rawRequest(addr, 'PUT', '/v1/sys/seal', { token: rootToken })).status).toBe(204);
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: true, t: 3, n: 5 });
    expect((await anon.put('/v1/sys/unseal', { key: keys[0] })).json.progress).toBe(1);
    expect((await anon.put('/v1/sys/unseal', { key: keys[1] })).json.progress).toBe(2);
    const third = await anon.put('/v1/sys/unseal', { key: keys[2] });
    expect(third.status).toBe(400);
    expect(errorsOf(third)).toContain('unseal failed, invalid key');
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: true, progress: 0 });
  });

  it('three new shares unseal, and the data is still there', async () => {
    await unsealServer(addr, newKeys.slice(2));
    expect((await anon.get('/v1/sys/seal-status')).json).toMatchObject({ sealed: false, t: 3, n: 5 });
    expect((await rawRequest(addr, 'GET', `/v1/${kvMount}/kept`, { token: rootToken })).json.data).toEqual({ v: 'before-rekey' });
  });

  it('generate-root now needs three of the new shares', async () => {
    const started = await nv.generateRootInit();
    expect(started.required).toBe(3);
    let last: Record<string, any> = {};
    for (const key of newKeys.slice(0, 3)) last = await nv.generateRootUpdate({ key, nonce: started.nonce });
    expect(last['complete']).toBe(true);
    await expectRootToken(decodeRootToken(last['encoded_token'] as string, started.otp as string));
  });
});
