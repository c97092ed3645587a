import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, createSealedHttpHandler, type SealedHttpOptions } from './http-handlers.js';
import { KeyRegistry, generateSealingKey, type SealingKey } from './keys.js';
import { sealSecret, unsealSealedSecret, type SealedSecret } from './sealed-secret.js';
import { goldenSealingKey } from './testing.js';

let golden: SealingKey;
let fresh: SealingKey;
let server: Server | undefined;

beforeAll(async () => {
  golden = await goldenSealingKey();
  fresh = await generateSealingKey({ keySize: 2048, now: new Date(Date.now() + 60_000) });
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(options: SealedHttpOptions): Promise<string> {
  server = createServer(createSealedHttpHandler(options));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sealed = (): SealedSecret => sealSecret({ metadata: { name: 'db', namespace: 'ns' }, stringData: { pw: 'p' } }, golden.certificatePem);
const fast = { rate: 1000, burst: 1000 };

describe('controller HTTP handlers', () => {
  it('serves the newest certificate, health and readiness', async () => {
    const url = await serve({ registry: new KeyRegistry([golden, fresh]), rateLimit: fast });
    const cert = await fetch(`${url}/v1/cert.pem`);
    expect(cert.status).toBe(200);
    expect(cert.headers.get('content-type')).toBe('application/x-pem-file');
    expect(await cert.text()).toBe(fresh.certificatePem);
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const wrong = await fetch(`${url}/v1/cert.pem`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 503 without keys', async () => {
    const url = await serve({ registry: new KeyRegistry(), rateLimit: fast });
    expect((await fetch(`${url}/v1/cert.pem`)).status).toBe(503);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/v1/rotate`, { method: 'POST', body: JSON.stringify(sealed()) })).status).toBe(503);
  });

  it('verifies: 200 if it opens, 409 if not, 400 with a message on bad input', async () => {
    const url = await serve({ registry: new KeyRegistry([golden]), rateLimit: fast });
    const ss = sealed();
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify(ss) })).status).toBe(200);
    // YAML works too (kubeseal --validate posts the file as it is).
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: ns}\nspec:\n  encryptedData: {pw: "${ss.spec.encryptedData?.['pw'] ?? ''}"}\n` })).status).toBe(200);
    const moved = { ...ss, metadata: { ...ss.metadata, namespace: 'other' } };
    const conflict = await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify(moved) });
    expect(conflict.status).toBe(409);
    const bad = await fetch(`${url}/v1/verify`, { method: 'POST', body: '{"kind":"ConfigMap"}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('expected a SealedSecret');
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: 'x'.repeat(200) })).status).toBe(400);
  });

  it('rotates: JSON SealedSecret for the newest key; 409 when it does not open', async () => {
    const url = await serve({ registry: new KeyRegistry([golden, fresh]), rateLimit: fast });
    const res = await fetch(`${url}/v1/rotate`, { method: 'POST', body: JSON.stringify(sealed()) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const rotated = (await res.json()) as SealedSecret;
    expect(Buffer.from(unsealSealedSecret(rotated, [fresh.privateKey]).data?.['pw'] ?? '', 'base64').toString()).toBe('p');
    const other = await generateSealingKey({ keySize: 2048 });
    const foreign = sealSecret({ metadata: { name: 'db', namespace: 'ns' }, stringData: { pw: 'p' } }, other.certificatePem);
    const conflict = await fetch(`${url}/v1/rotate`, { method: 'POST', body: JSON.stringify(foreign) });
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain('no key could decrypt secret (pw)');
  });

  it('limits verify/rotate per path and X-Forwarded-For (burst + 1, then 429)', async () => {
    const url = await serve({ registry: new KeyRegistry([golden]), rateLimit: { rate: 0.001, burst: 1 } });
    const post = (path: string, xff: string): Promise<Response> => fetch(`${url}${path}`, { method: 'POST', body: '{}', headers: { 'X-Forwarded-For': xff } });
    expect((await post('/v1/verify', 'a')).status).toBe(400);
    expect((await post('/v1/verify', 'a')).status).toBe(400);
    const limited = await post('/v1/verify', 'a');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post('/v1/verify', 'b')).status).toBe(400);
    expect((await post('/v1/rotate', 'a')).status).toBe(400);
    // The certificate is never limited.
    for (let i = 0; i < 5; i++) expect((await fetch(`${url}/v1/cert.pem`)).status).toBe(200);
  });

  it('refuses bodies over the limit with 413 and reports every request', async () => {
    const seen: { path: string; code: number }[] = [];
    const url = await serve({ registry: new KeyRegistry([golden]), rateLimit: fast, maxBodyBytes: 100, onRequest: (i) => seen.push({ path: i.path, code: i.code }) });
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(413);
    await fetch(`${url}/healthz`);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([
      { path: '/v1/verify', code: 413 },
      { path: '/healthz', code: 200 },
    ]);
  });
});

describe('RateLimiter (GCRA)', () => {
  it('allows burst + 1 at once, then one per interval', () => {
    let now = 0;
    const limiter = new RateLimiter({ rate: 2, burst: 2, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('k').allowed)).toEqual([true, true, true, false]);
    now += 499;
    expect(limiter.take('k').allowed).toBe(false);
    now += 1;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('other').allowed).toBe(true);
  });

  it('refuses nonsense settings', () => {
    expect(() => new RateLimiter({ rate: 0 })).toThrow(/positive/);
    expect(() => new RateLimiter({ burst: -1 })).toThrow(/burst/);
  });
});

describe('any input', () => {
  it('gets 200, 400 or 409 from verify and rotate, never a 500', async () => {
    const fc = (await import('fast-check')).default;
    const url = await serve({ registry: new KeyRegistry([golden]), rateLimit: fast });
    const valid = sealed();
    const json = fc.jsonValue({ maxDepth: 3 });
    const shaped = fc.record({
      apiVersion: fc.constantFrom('bitnami.com/v1alpha1', 'v1', null),
      kind: fc.constantFrom('SealedSecret', 'Secret'),
      metadata: fc.oneof(json, fc.constant(valid.metadata), fc.constant(null)),
      spec: fc.oneof(
        json,
        fc.record({ encryptedData: fc.oneof(json, fc.constant(valid.spec.encryptedData), fc.constant(null)), template: fc.oneof(json, fc.constant(null)), data: fc.oneof(json, fc.string()) }, { requiredKeys: [] }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(json, shaped), fc.constantFrom('/v1/verify', '/v1/rotate'), async (body, path) => {
        const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
        expect([200, 400, 409]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });
});
