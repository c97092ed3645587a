/**
 * "Bad input gets a clear 4xx and loses nothing": malformed bodies, wrong field types,
 * oversized bodies, CAS conflicts, unknown and weird paths, sealed servers and wrong unseal
 * keys — plus a bounded fast-check fuzz of random bodies and paths. The status is never ≥ 500
 * and the server keeps serving.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  initServer,
  rawRequest,
  removeTempDirs,
  startInProcessConfig,
  startInProcessDev,
  unsealServer,
  type Api,
  type InProcessServer,
  type RawResponse,
} from '../support/index.js';

let dev: InProcessServer;
let root: Api;
let small: { address: string; close(): Promise<void> };
let smallRoot: Api;
let smallKeys: string[];
let smallToken = '';

const MAX_REQUEST_SIZE = 2048;

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

function expectClientError(res: RawResponse, status?: number): void {
  if (status !== undefined) expect(res.status).toBe(status);
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
}

async function expectHealthy(address: string): Promise<void> {
  const res = await rawRequest(address, 'GET', '/v1/sys/health');
  expect(res.status).toBe(200);
  expect(res.json.sealed).toBe(false);
}

/** One request with raw bytes in the request line (what node:http refuses to send). */
function rawLine(address: string, requestLine: Buffer): Promise<string> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.end(Buffer.concat([requestLine, Buffer.from('\r\nHost: 127.0.0.1\r\nX-Vault-Token: root\r\nConnection: close\r\n\r\n')]));
    });
    let out = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  dev = await startInProcessDev();
  root = api(dev.address, dev.rootToken);
  small = await startInProcessConfig({ storage: 'inmem', listenerExtra: `max_request_size = ${MAX_REQUEST_SIZE}` });
  const init = await initServer(small.address, 1, 1);
  smallKeys = init.keys;
  await unsealServer(small.address, smallKeys);
  smallToken = init.root_token;
  smallRoot = api(small.address, smallToken);
  expect((await smallRoot.post('/v1/sys/mounts/secret', { type: 'kv-v2' })).status).toBe(204);
  for (let i = 0; i < 100; i++) {
    if ((await smallRoot.put('/v1/secret/data/seed', { data: { v: 'seed' } })).status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await dev?.close();
  await small?.close();
  removeTempDirs();
});

describe('malformed bodies', () => {
  it.each(['{', '{"data":', 'not json', '{"data":{"a":1},}', "{'data':{}}", '{"data":{"a":1}}garbage'])(
    'malformed JSON %j is 400 "failed to parse JSON input" and writes nothing',
    async (body) => {
      const res = await root.put('/v1/secret/data/malformed', undefined, { rawBody: body, headers: { 'Content-Type': 'application/json' } });
      expectClientError(res, 400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(errorsOf(res)).toContain('failed to parse JSON input');
      expect((await root.get('/v1/secret/metadata/malformed')).status).toBe(404);
    },
  );

  it('malformed JSON without a Content-Type is parsed as JSON too (the CLI sends none)', async () => {
    const res = await root.put('/v1/secret/data/malformed', undefined, { rawBody: '{"data":' });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('failed to parse JSON input');
  });

  it('the error does not echo the body back', async () => {
    const res = await root.put('/v1/secret/data/malformed', undefined, { rawBody: '{"data":{"password":"hunter2-echo-check"' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('hunter2-echo-check');
  });

  it.each([
    ['an array', '[{"data":{"a":"b"}}]'],
    ['a string', '"data"'],
    ['a number', '42'],
    ['a boolean', 'true'],
  ])('a JSON body that is %s is 400', async (_label, body) => {
    const res = await root.put('/v1/secret/data/not-object', undefined, { rawBody: body });
    expectClientError(res, 400);
    expect(errorsOf(res)).toContain('failed to parse JSON input');
    expect((await root.get('/v1/secret/metadata/not-object')).status).toBe(404);
  });

  it('malformed JSON on sys endpoints is 400 too', async () => {
    for (const path of ['/v1/sys/mounts/bad-json', '/v1/sys/tools/random', '/v1/sys/unseal', '/v1/sys/init']) {
      const res = await root.put(path, undefined, { rawBody: '{nope' });
      expect(res.status).toBe(400);
    }
    expect((await root.get('/v1/sys/mounts/bad-json')).status).toBe(404);
  });

  it('absurdly deep nesting is 400, not a crash, and is not stored', async () => {
    const depth = 50_000;
    const body = `{"data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const res = await root.put('/v1/secret/data/deep', undefined, { rawBody: body });
    expectClientError(res, 400);
    expect(errorsOf(res)).toContain('failed to parse JSON input');
    expect((await root.get('/v1/secret/metadata/deep')).status).toBe(404);
    await expectHealthy(dev.address);
  });

  it('moderate nesting (100 levels) round-trips', async () => {
    const depth = 100;
    const value = JSON.parse(`${'['.repeat(depth)}"x"${']'.repeat(depth)}`) as unknown;
    expect((await root.put('/v1/secret/data/nested', { data: { v: value } })).status).toBe(200);
    expect((await root.get('/v1/secret/data/nested')).json.data.data).toEqual({ v: value });
  });

  it('"__proto__" keys are stored as data and pollute nothing', async () => {
    const res = await root.put('/v1/secret/data/proto', undefined, { rawBody: '{"data":{"__proto__":{"polluted":"yes"},"ok":"1"}}' });
    expect(res.status).toBe(200);
    const read = await root.get('/v1/secret/data/proto');
    expect(read.text).toContain('"__proto__":{"polluted":"yes"}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('wrong field types', () => {
  it.each([
    ['/v1/secret/metadata/typed', { max_versions: 'abc' }],
    ['/v1/secret/metadata/typed', { cas_required: 'maybe' }],
    ['/v1/secret/metadata/typed', { delete_version_after: 'soon' }],
    ['/v1/secret/metadata/typed', { custom_metadata: 'not-a-map' }],
    ['/v1/secret/config', { max_versions: { n: 1 } }],
    ['/v1/secret/data/typed', { data: 'not-a-map' }],
    ['/v1/secret/data/typed', { data: ['a', 'b'] }],
    ['/v1/secret/data/typed', { data: { a: 'b' }, options: 'cas=1' }],
    ['/v1/secret/destroy/typed', { versions: 'one,two' }],
    ['/v1/sys/mounts/typed', { type: 'kv', local: 'perhaps' }],
    ['/v1/sys/tools/random', { bytes: [32] }],
    ['/v1/sys/init', { secret_shares: 'five', secret_threshold: 3 }],
  ])('PUT %s %j is 400 "Field validation failed"', async (path, body) => {
    const res = await root.put(path, body);
    expectClientError(res, 400);
    expect(errorsOf(res)).toContain('Field validation failed');
  });

  it('a rejected metadata update leaves the metadata as it was', async () => {
    await root.put('/v1/secret/metadata/typed-keep', { max_versions: 4, custom_metadata: { owner: 'me' } });
    const res = await root.put('/v1/secret/metadata/typed-keep', { max_versions: 'abc', custom_metadata: { owner: 'you' } });
    expect(res.status).toBe(400);
    const meta = (await root.get('/v1/secret/metadata/typed-keep')).json.data;
    expect(meta).toMatchObject({ max_versions: 4, custom_metadata: { owner: 'me' } });
  });

  it('the mount config is unchanged after a rejected update', async () => {
    const before = (await root.get('/v1/secret/config')).json.data;
    expect((await root.put('/v1/secret/config', { max_versions: 'lots', cas_required: true })).status).toBe(400);
    expect((await root.get('/v1/secret/config')).json.data).toEqual(before);
  });
});

describe('oversized bodies', () => {
  it(`a body over max_request_size (${MAX_REQUEST_SIZE}) is 413 and stores nothing`, async () => {
    const res = await smallRoot.put('/v1/secret/data/big', { data: { blob: 'x'.repeat(MAX_REQUEST_SIZE * 2) } });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Array.isArray(res.json.errors)).toBe(true);
    expect((await smallRoot.get('/v1/secret/metadata/big')).status).toBe(404);
  });

  it('an oversized update of an existing key keeps the old version', async () => {
    await smallRoot.put('/v1/secret/data/kept', { data: { v: 'small' } });
    const res = await smallRoot.put('/v1/secret/data/kept', { data: { v: 'y'.repeat(MAX_REQUEST_SIZE * 4) } });
    expect(res.status).toBe(413);
    const read = await smallRoot.get('/v1/secret/data/kept');
    expect(read.json.data).toMatchObject({ data: { v: 'small' }, metadata: { version: 1 } });
  });

  it('a body just under the limit is accepted', async () => {
    const res = await smallRoot.put('/v1/secret/data/fits', { data: { blob: 'z'.repeat(MAX_REQUEST_SIZE - 200) } });
    expect(res.status).toBe(200);
  });

  it('a chunked body over the limit (no Content-Length) is 413 too', async () => {
    const url = new URL(small.address);
    const payload = JSON.stringify({ data: { blob: 'c'.repeat(MAX_REQUEST_SIZE * 2) } });
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        const chunk = Buffer.from(payload);
        socket.end(
          Buffer.concat([
            Buffer.from(
              `PUT /v1/secret/data/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vault-Token: ${smallToken}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
            ),
            Buffer.from(`${chunk.length.toString(16)}\r\n`),
            chunk,
            Buffer.from('\r\n0\r\n\r\n'),
          ]),
        );
      });
      let out = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', (err) => (out ? resolve(out) : reject(err)));
    });
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect((await smallRoot.get('/v1/secret/metadata/chunked')).status).toBe(404);
  });

  it('the server keeps serving after rejecting big bodies', async () => {
    expect((await smallRoot.get('/v1/secret/data/kept')).status).toBe(200);
    await expectHealthy(small.address);
  });
});

describe('check-and-set conflicts lose nothing', () => {
  it('a CAS mismatch is 400; the old version stays readable and current_version is unchanged', async () => {
    await root.put('/v1/secret/data/cas-keep', { data: { v: 'one' } });
    await root.put('/v1/secret/data/cas-keep', { data: { v: 'two' } });
    const res = await root.put('/v1/secret/data/cas-keep', { data: { v: 'three' }, options: { cas: 1 } });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('check-and-set parameter did not match the current version');
    const meta = (await root.get('/v1/secret/metadata/cas-keep')).json.data;
    expect(meta.current_version).toBe(2);
    expect((await root.get('/v1/secret/data/cas-keep')).json.data.data).toEqual({ v: 'two' });
    expect((await root.get('/v1/secret/data/cas-keep?version=1')).json.data.data).toEqual({ v: 'one' });
  });

  it('concurrent writers with the same cas: exactly one wins and its value is what reads back', async () => {
    await root.put('/v1/secret/data/cas-race', { data: { v: 'base' } });
    const writers = Array.from({ length: 12 }, (_, i) =>
      root.put('/v1/secret/data/cas-race', { data: { v: `writer-${i}` }, options: { cas: 1 } }),
    );
    const results = await Promise.all(writers);
    const winners = results.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of results) expect([200, 400]).toContain(r.status);
    const read = await root.get('/v1/secret/data/cas-race');
    expect(read.json.data.metadata.version).toBe(2);
    expect(read.json.data.data).toEqual({ v: `writer-${winners[0]?.i}` });
  });
});

describe('unknown and weird paths', () => {
  it.each(['/v1/nonexistent/thing', '/v1/nonexistent', '/v1/', '/v1/secretx/data/a', '/v1/SECRET/data/a'])(
    'GET %s as root is 404',
    async (path) => {
      const res = await root.get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
    },
  );

  const weird = [
    '/v1/secret/data/../../sys/seal',
    '/v1/secret/../sys/seal',
    '/v1/../v1/sys/seal',
    '/v1/secret/data/%2e%2e/%2e%2e/sys/seal',
    '/v1/secret/data/a%00b',
    '/v1/secret/data/%00',
    '/v1/secret/data/%ff%fe',
    '/v1/secret/data/%',
    '/v1/secret/data/%zz',
    '/v1/secret/data/a%2Fb',
    `/v1/secret/data/${encodeURIComponent('секрет/🔑/键')}`,
    `/v1/secret/data/${encodeURIComponent('\u202e\u0007\ufeff')}`,
    '/v1/secret/data/a\\b',
    '/v1//secret//data//x',
    '/v1/secret/data/x/',
    '/v1/secret/data/',
    '/v1/secret/metadata//',
    '/v1/secret/data/x?version=-1',
    '/v1/secret/data/x?version=99999999999999999999',
    '/v1/secret/data/x?list=true&list=false',
    '/v1/sys/mounts/..%2f..%2fsys',
    '/v1/sys/tools/random/99999999999999999999',
    '/v1/sys/tools/hash/%2e%2e',
    `/v1/secret/data/${'a'.repeat(8000)}`,
    `/v1/secret/data/${'seg/'.repeat(1000)}leaf`,
  ];

  it.each(weird)('%s never answers 5xx, whatever the verb', async (path) => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'LIST']) {
      const res = await root.request(method, path, {
        body: { data: { probe: 'x' } },
        ...(method === 'PATCH' ? { headers: { 'Content-Type': 'application/merge-patch+json' } } : {}),
      });
      expect(res.status, `${method} ${path.slice(0, 80)}`).toBeLessThan(500);
      if (res.status >= 400 && res.text !== '') expect(res.headers['content-type']).toBe('application/json');
    }
  });

  it('after all that the server is still up and unsealed, and secret/ still works', async () => {
    await expectHealthy(dev.address);
    expect((await root.put('/v1/secret/data/after-weird', { data: { ok: 'yes' } })).status).toBe(200);
    expect((await root.get('/v1/secret/data/after-weird')).json.data.data).toEqual({ ok: 'yes' });
  });

  it('a unicode key round-trips and lists', async () => {
    const key = 'ключ-🔑';
    expect((await root.put(`/v1/secret/data/unicode/${encodeURIComponent(key)}`, { data: { v: 'ü' } })).status).toBe(200);
    expect((await root.get(`/v1/secret/data/unicode/${encodeURIComponent(key)}`)).json.data.data).toEqual({ v: 'ü' });
    expect((await root.list('/v1/secret/metadata/unicode/')).json.data.keys).toEqual([key]);
  });

  it('raw non-ASCII bytes in the request line get a 4xx and the server stays up', async () => {
    const response = await rawLine(
      dev.address,
      Buffer.concat([Buffer.from('GET /v1/secret/data/'), Buffer.from('ключ🔑', 'utf8'), Buffer.from(' HTTP/1.1')]),
    );
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? '0');
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await expectHealthy(dev.address);
  });

  it('a request line far over the header limit gets a 4xx and the server stays up', async () => {
    const res = await root.get(`/v1/secret/data/${'b'.repeat(80_000)}`);
    expectClientError(res);
    await expectHealthy(dev.address);
  });
});

describe('sealed server and unseal keys', () => {
  it('sealed: 503 "Vault is sealed"; a wrong key is 400 and it stays sealed; the right key brings the data back', async () => {
    expect((await smallRoot.put('/v1/sys/seal')).status).toBe(204);
    for (const path of ['/v1/secret/data/kept', '/v1/sys/mounts', '/v1/nonexistent/x']) {
      const res = await smallRoot.get(path);
      expect(res.status).toBe(503);
      expect(errorsOf(res)).toContain('Vault is sealed');
    }
    const write = await smallRoot.put('/v1/secret/data/kept', { data: { v: 'while-sealed' } });
    expect(write.status).toBe(503);

    const wrong = Buffer.from(smallKeys[0] ?? '', 'hex');
    wrong[0] = (wrong[0] ?? 0) ^ 0xff;
    const bad = await smallRoot.put('/v1/sys/unseal', { key: wrong.toString('hex') });
    expect(bad.status).toBe(400);
    expect(errorsOf(bad)).toContain('unseal failed, invalid key');
    expect((await smallRoot.get('/v1/sys/seal-status')).json.sealed).toBe(true);
    for (const key of ['', 'zz', 'AAAA', 'not-base64-or-hex!', Buffer.alloc(200, 7).toString('hex')]) {
      const res = await smallRoot.put('/v1/sys/unseal', { key });
      expectClientError(res);
      expect((await smallRoot.get('/v1/sys/seal-status')).json.sealed).toBe(true);
    }

    await unsealServer(small.address, smallKeys);
    expect((await smallRoot.get('/v1/secret/data/kept')).json.data).toMatchObject({ data: { v: 'small' }, metadata: { version: 1 } });
  });
});

describe('fuzz (fast-check, bounded)', () => {
  const segment = fc.oneof(
    fc.constantFrom('data', 'metadata', 'delete', 'undelete', 'destroy', 'subkeys', 'config', 'mounts', 'tools', 'random', 'hash', 'key-status', 'health', 'leader', 'init', 'unseal', 'remount', 'internal', 'ui', 'tune', '..', '.', '', 'sha2-256', '32'),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
  );
  const path = fc
    .tuple(fc.constantFrom('secret', 'sys'), fc.array(segment, { maxLength: 5 }), fc.option(fc.constantFrom('?list=true', '?version=1', '?help=1', '?version=x', '?list=1'), { nil: '' }))
    .map(([mount, segments, query]) => ({ decoded: [mount, ...segments].join('/'), encoded: `/v1/${[mount, ...segments.map(encodeURIComponent)].join('/')}${query}` }))
    // Sealing is the one request whose correct answer makes every later one 503.
    .filter(({ decoded }) => !/seal|step-down/i.test(decoded.replace(/\/+/g, '/')));
  const body = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.record({ data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }) }, { requiredKeys: [] }),
    fc.record(
      {
        data: fc.jsonValue({ maxDepth: 2 }),
        options: fc.record({ cas: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string({ maxLength: 3 })) }, { requiredKeys: [] }),
        max_versions: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })),
        type: fc.constantFrom('kv', 'kv-v2', 'nope'),
        bytes: fc.oneof(fc.integer({ min: -10, max: 4096 }), fc.string({ maxLength: 4 })),
        input: fc.base64String({ maxLength: 16 }),
      },
      { requiredKeys: [] },
    ).map((o) => JSON.stringify(o)),
    fc.string({ maxLength: 40 }),
  );
  const method = fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'LIST', 'PATCH', 'HEAD');

  it('random requests (200 by default): never a 5xx, and the server stays up', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, body, fc.boolean(), async (verb, p, payload, withToken) => {
        const res = await rawRequest(dev.address, verb, p.encoded, {
          rawBody: typeof payload === 'string' ? payload : JSON.stringify(payload),
          headers: { 'Content-Type': verb === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
          ...(withToken ? { token: dev.rootToken } : {}),
        });
        expect(res.status, `${verb} ${p.encoded}`).toBeLessThan(500);
        expect(res.status, `${verb} ${p.encoded}`).toBeGreaterThanOrEqual(200);
      }),
      // A fixed seed keeps CI deterministic; COFFER_FUZZ_SEED explores other inputs.
      { numRuns: Number(process.env['COFFER_FUZZ_RUNS'] ?? 200), seed: Number(process.env['COFFER_FUZZ_SEED'] ?? 20261123), endOnFailure: true },
    );
    await expectHealthy(dev.address);
  });
});
