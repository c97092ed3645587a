import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { Core } from '../core/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { createInmemStorage } from '../storage/index.js';
import { createHttpApp, parseBody } from './app.js';

let app: FastifyInstance;
let token = '';

beforeAll(async () => {
  const physical = createInmemStorage();
  const core = new Core({ physical, barrier: createBarrier(physical), backends: builtinSecretEngines, logger: silentLogger(), version: 'test' });
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  await core.mount({ path: 'secret/', type: 'kv-v2' });
  token = rootToken;
  app = await createHttpApp({ core, logger: silentLogger(), maxRequestSize: 4096 });
});

afterAll(async () => {
  await app.close();
});

const auth = () => ({ 'x-vault-token': token });

describe('HTTP envelope and status rules', () => {
  it('sends exactly application/json and no-store on success and on error', async () => {
    for (const res of [
      await app.inject({ method: 'GET', url: '/v1/sys/mounts', headers: auth() }),
      await app.inject({ method: 'GET', url: '/v1/secret/data/missing', headers: auth() }),
      await app.inject({ method: 'GET', url: '/v1/sys/mounts' }),
    ]) {
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('writes every envelope key, nulls included', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/secret/data/a', headers: auth(), payload: { data: { k: 'v' } } });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(
      ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'].sort(),
    );
    expect(res.json()).toMatchObject({ lease_id: '', renewable: false, wrap_info: null, warnings: null, auth: null, mount_type: 'kv' });
  });

  it('answers 204 for body-less writes and 404 {"errors":[]} for missing reads and empty lists', async () => {
    const write = await app.inject({ method: 'POST', url: '/v1/secret/config', headers: auth(), payload: { max_versions: 5 } });
    expect(write.statusCode).toBe(204);
    expect(write.body).toBe('');
    const missing = await app.inject({ method: 'GET', url: '/v1/secret/data/none', headers: auth() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ errors: [] });
    const list = await app.inject({ method: 'GET', url: '/v1/secret/metadata/empty-folder/?list=true', headers: auth() });
    expect(list.statusCode).toBe(404);
  });

  it('copies data to the top level on the routes Vault injects, and only there', async () => {
    const mounts = (await app.inject({ method: 'GET', url: '/v1/sys/mounts', headers: auth() })).json();
    expect(mounts['secret/']).toEqual(mounts.data['secret/']);
    const kv = (await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: auth() })).json();
    expect(kv).not.toHaveProperty('metadata');
  });

  it('returns raw JSON for seal-status and health, with health on HEAD sending no body', async () => {
    const status = (await app.inject({ method: 'GET', url: '/v1/sys/seal-status' })).json();
    expect(status).toMatchObject({ type: 'shamir', sealed: false });
    expect(status).not.toHaveProperty('request_id');
    const head = await app.inject({ method: 'HEAD', url: '/v1/sys/health' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    const standby = await app.inject({ method: 'GET', url: '/v1/sys/health?activecode=299' });
    expect(standby.statusCode).toBe(299);
  });
});

describe('HTTP request translation', () => {
  it('serves LIST (arriving as LINK), ?list=true and ?list=1 alike', async () => {
    await app.inject({ method: 'POST', url: '/v1/secret/data/dir/x', headers: auth(), payload: { data: { a: 1 } } });
    for (const res of [
      await app.inject({ method: 'LINK' as 'GET', url: '/v1/secret/metadata/dir', headers: auth() }),
      await app.inject({ method: 'GET', url: '/v1/secret/metadata/dir?list=true', headers: auth() }),
      await app.inject({ method: 'GET', url: '/v1/secret/metadata/dir?list=1', headers: auth() }),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual({ keys: ['x'] });
    }
    const bad = await app.inject({ method: 'GET', url: '/v1/secret/metadata/dir?list=maybe', headers: auth() });
    expect(bad.statusCode).toBe(400);
  });

  it('takes the token from X-Vault-Token or Authorization: Bearer', async () => {
    const bearer = await app.inject({ method: 'GET', url: '/v1/sys/mounts', headers: { authorization: `Bearer ${token}` } });
    expect(bearer.statusCode).toBe(200);
    const none = await app.inject({ method: 'GET', url: '/v1/sys/mounts' });
    expect(none.statusCode).toBe(403);
    expect(none.json().errors[0]).toContain('permission denied');
  });

  it('parses JSON whatever the Content-Type, and forms only when the body is not JSON', async () => {
    const curlStyle = await app.inject({
      method: 'POST',
      url: '/v1/secret/data/form',
      headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: '{"data":{"k":"v"}}',
    });
    expect(curlStyle.statusCode).toBe(200);
    expect(parseBody(Buffer.from('a=1&b=2'), 'application/x-www-form-urlencoded')).toEqual({ a: '1', b: '2' });
  });

  it('rejects malformed JSON and non-object bodies without echoing them', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/secret/data/x', headers: auth(), payload: '{"data": hunter2' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatch(/^failed to parse JSON input/);
    expect(res.body).not.toContain('hunter2');
    const array = await app.inject({ method: 'POST', url: '/v1/secret/data/x', headers: auth(), payload: '[1,2]' });
    expect(array.statusCode).toBe(400);
  });

  it('needs the merge-patch Content-Type for PATCH', async () => {
    const wrong = await app.inject({ method: 'PATCH', url: '/v1/secret/data/a', headers: { ...auth(), 'content-type': 'application/json' }, payload: { data: { k: 'w' } } });
    expect(wrong.statusCode).toBe(415);
    const right = await app.inject({
      method: 'PATCH',
      url: '/v1/secret/data/a',
      headers: { ...auth(), 'content-type': 'application/merge-patch+json' },
      payload: { data: { extra: 'x' } },
    });
    expect(right.statusCode).toBe(200);
  });

  it('answers 413 for bodies over max_request_size and keeps the old value', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/secret/data/a', headers: auth(), payload: { data: { big: 'x'.repeat(8192) } } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ errors: ['http: request body too large'] });
    const read = (await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: auth() })).json();
    expect(read.data.data).not.toHaveProperty('big');
  });

  it('refuses writes to paths ending in a slash, unknown verbs and namespaces; wraps on request', async () => {
    const slash = await app.inject({ method: 'POST', url: '/v1/secret/data/dir/', headers: auth(), payload: { data: { a: 1 } } });
    expect(slash.json()).toEqual({ errors: ["cannot write to a path ending in '/'"] });
    expect((await app.inject({ method: 'OPTIONS', url: '/v1/secret/data/a', headers: auth() })).statusCode).toBe(405);
    expect((await app.inject({ method: 'HEAD', url: '/v1/secret/data/a', headers: auth() })).statusCode).toBe(405);
    const ns = await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: { ...auth(), 'x-vault-namespace': 'team' } });
    expect(ns.statusCode).toBe(403);
    const rootNs = await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: { ...auth(), 'x-vault-namespace': 'root' } });
    expect(rootNs.statusCode).toBe(200);
    const wrap = await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: { ...auth(), 'x-vault-wrap-ttl': '5m' } });
    expect(wrap.statusCode).toBe(200);
    expect(wrap.json()).toMatchObject({ data: null, wrap_info: { ttl: 300, creation_path: 'secret/data/a' } });
    const badWrap = await app.inject({ method: 'GET', url: '/v1/secret/data/a', headers: { ...auth(), 'x-vault-wrap-ttl': '-1' } });
    expect(badWrap.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/elsewhere' })).statusCode).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('serves one document covering sys and every mount', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/sys/internal/specs/openapi', headers: auth() });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.0.2');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/sys/mounts/{path}', '/secret/data/{path}', '/secret/metadata/{path}']));
  });
});

describe('metrics', () => {
  it('counts requests per mount and status and serves Prometheus text and JSON', async () => {
    const { createServerMetrics } = await import('../metrics/index.js');
    const physical = createInmemStorage();
    const metrics = createServerMetrics({
      sealed: () => core.sealed,
      tokenCount: async () => (core.sealed ? null : (await core.tokens.listAccessors()).length),
    });
    const core = new Core({ physical, barrier: createBarrier(physical), backends: builtinSecretEngines, logger: silentLogger(), version: 'test', metrics });
    const m = await createHttpApp({ core, logger: silentLogger(), metrics });
    const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await core.unsealWithKeys(keys);
    await core.mount({ path: 'secret/', type: 'kv-v2' });
    await m.inject({ method: 'GET', url: '/v1/secret/data/none', headers: { 'x-vault-token': rootToken } });
    await m.inject({ method: 'GET', url: '/v1/secret/data/none', headers: { 'x-vault-token': 'bad' } });
    const text = (await metrics.render('prometheus')).body;
    expect(text).toContain('coffer_requests_total{mount="secret/",operation="GET",code="404"} 1');
    expect(text).toContain('coffer_requests_total{mount="secret/",operation="GET",code="403"} 1');
    expect(text).toContain('vault_core_unsealed 1');
    expect(text).toContain('vault_token_count 1'); // the root token from init
    const json = JSON.parse((await metrics.render('json')).body) as { Gauges: { Name: string; Value: number }[] };
    expect(json.Gauges).toContainEqual(expect.objectContaining({ Name: 'vault_core_unsealed', Value: 1 }));
    const served = await m.inject({ method: 'GET', url: '/v1/sys/metrics?format=prometheus', headers: { 'x-vault-token': rootToken } });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/plain/);
    expect(served.body).toContain('# TYPE coffer_requests_total counter');
    await m.close();
  });
});
