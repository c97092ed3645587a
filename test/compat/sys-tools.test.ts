/**
 * sys/tools/random and sys/tools/hash (reference: vault-core-api.md §2 "tools").
 */
import { createHash } from 'node:crypto';
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, rawRequest, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let root: Api;

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
});

afterAll(async () => {
  await target?.close();
});

function decoded(value: unknown, format: 'hex' | 'base64'): Buffer {
  expect(typeof value).toBe('string');
  const text = value as string;
  if (format === 'hex') expect(text).toMatch(/^[0-9a-f]*$/);
  else expect(text).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  return Buffer.from(text, format);
}

describe('sys/tools/random', () => {
  it('defaults to 32 bytes, base64, in the envelope', async () => {
    const res = await root.put('/v1/sys/tools/random', {});
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.mount_type).toBe('system');
    expect(decoded(res.json.data.random_bytes, 'base64')).toHaveLength(32);
  });

  it('bytes and format in the body', async () => {
    const res = await root.put('/v1/sys/tools/random', { bytes: 10, format: 'hex' });
    expect(res.status).toBe(200);
    expect(decoded(res.json.data.random_bytes, 'hex')).toHaveLength(10);
  });

  it('bytes as a string are coerced', async () => {
    const res = await root.put('/v1/sys/tools/random', { bytes: '12' });
    expect(res.status).toBe(200);
    expect(decoded(res.json.data.random_bytes, 'base64')).toHaveLength(12);
  });

  it('bytes in the URL', async () => {
    const res = await root.post('/v1/sys/tools/random/16', { format: 'hex' });
    expect(res.status).toBe(200);
    expect(decoded(res.json.data.random_bytes, 'hex')).toHaveLength(16);
  });

  it.each(['platform', 'all'])('a source in the URL (%s) with bytes', async (source) => {
    const res = await root.post(`/v1/sys/tools/random/${source}/24`, {});
    expect(res.status).toBe(200);
    expect(decoded(res.json.data.random_bytes, 'base64')).toHaveLength(24);
  });

  it('two calls differ', async () => {
    const [a, b] = await Promise.all([root.put('/v1/sys/tools/random', {}), root.put('/v1/sys/tools/random', {})]);
    expect(a.json.data.random_bytes).not.toBe(b.json.data.random_bytes);
  });

  it('the 128 KiB maximum is allowed; one byte more is 400', async () => {
    const max = await root.put('/v1/sys/tools/random', { bytes: 128 * 1024 });
    expect(max.status).toBe(200);
    expect(decoded(max.json.data.random_bytes, 'base64')).toHaveLength(128 * 1024);
    expect((await root.put('/v1/sys/tools/random', { bytes: 128 * 1024 + 1 })).status).toBe(400);
  });

  it.each([
    ['zero bytes', { bytes: 0 }],
    ['negative bytes', { bytes: -5 }],
    ['an unknown format', { format: 'base32' }],
    ['bytes that are not a number', { bytes: 'lots' }],
  ])('%s is 400', async (_label, body) => {
    const res = await root.put('/v1/sys/tools/random', body);
    expect(res.status).toBe(400);
    expect(Array.isArray(res.json.errors)).toBe(true);
  });

  it('an unknown source in the URL is 400', async () => {
    expect((await root.post('/v1/sys/tools/random/moonlight/8', {})).status).toBe(400);
  });

  it('needs a token', async () => {
    expect((await rawRequest(target.addr, 'PUT', '/v1/sys/tools/random', { body: {} })).status).toBe(403);
  });

  it('through node-vault write()', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    const res = await client.write('sys/tools/random', { bytes: 8, format: 'hex' });
    expect(decoded(res.data.random_bytes, 'hex')).toHaveLength(8);
  });
});

describe('sys/tools/hash', () => {
  const input = Buffer.from('the quick brown fox');
  const b64 = input.toString('base64');
  const algorithms: [string, string][] = [
    ['sha2-224', 'sha224'],
    ['sha2-256', 'sha256'],
    ['sha2-384', 'sha384'],
    ['sha2-512', 'sha512'],
    ['sha3-224', 'sha3-224'],
    ['sha3-256', 'sha3-256'],
    ['sha3-384', 'sha3-384'],
    ['sha3-512', 'sha3-512'],
  ];

  it('defaults to sha2-256, hex', async () => {
    const res = await root.put('/v1/sys/tools/hash', { input: b64 });
    expect(res.status).toBe(200);
    expect(res.json.data.sum).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it.each(algorithms)('%s in the body', async (algorithm, node) => {
    const res = await root.put('/v1/sys/tools/hash', { input: b64, algorithm });
    expect(res.status).toBe(200);
    expect(res.json.data.sum).toBe(createHash(node).update(input).digest('hex'));
  });

  it.each(algorithms)('%s in the URL, base64 output', async (algorithm, node) => {
    const res = await root.put(`/v1/sys/tools/hash/${algorithm}`, { input: b64, format: 'base64' });
    expect(res.status).toBe(200);
    expect(res.json.data.sum).toBe(createHash(node).update(input).digest('base64'));
  });

  it('empty input hashes the empty string', async () => {
    const res = await root.put('/v1/sys/tools/hash', { input: '' });
    expect(res.status).toBe(200);
    expect(res.json.data.sum).toBe(createHash('sha256').update(Buffer.alloc(0)).digest('hex'));
  });

  it.each([
    ['input that is not base64', { input: 'not base64!!' }],
    ['an unknown algorithm', { input: b64, algorithm: 'md5' }],
    ['an unknown format', { input: b64, format: 'binary' }],
  ])('%s is 400', async (_label, body) => {
    const res = await root.put('/v1/sys/tools/hash', body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('an unknown algorithm in the URL is 400', async () => {
    expect((await root.put('/v1/sys/tools/hash/sha1-999', { input: b64 })).status).toBe(400);
  });
});
