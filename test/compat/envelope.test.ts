/**
 * Vault's response envelope, headers, status-code rules and token handling, checked with
 * raw HTTP requests (reference: vault-core-api.md §1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, rawRequest, unique, type Api, type CompatTarget, type RawResponse } from '../support/index.js';

let target: CompatTarget;
let root: Api;
let v1: string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectJsonHeaders(res: RawResponse): void {
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['cache-control']).toBe('no-store');
}

function expectErrors(res: RawResponse, status: number): string[] {
  expect(res.status).toBe(status);
  expectJsonHeaders(res);
  expect(Object.keys(res.json as object)).toEqual(['errors']);
  const errors = (res.json as { errors: unknown[] }).errors;
  expect(Array.isArray(errors)).toBe(true);
  for (const e of errors) expect(typeof e).toBe('string');
  return errors as string[];
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  v1 = unique('env-v1');
  expect((await root.post(`/v1/sys/mounts/${v1}`, { type: 'kv', options: { version: '1' } })).status).toBe(204);
  expect((await root.post('/v1/secret/data/envelope/one', { data: { answer: '42' } })).status).toBe(200);
});

afterAll(async () => {
  if (root) {
    await root.delete(`/v1/sys/mounts/${v1}`);
    await root.delete('/v1/secret/metadata/envelope/one');
  }
  await target?.close();
});

describe('success envelope', () => {
  it('has every key, nulls written out, a request id and the mount type', async () => {
    const res = await root.get('/v1/secret/data/envelope/one');
    expect(res.status).toBe(200);
    expectJsonHeaders(res);
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(body['request_id']).toMatch(UUID);
    expect(body['lease_id']).toBe('');
    expect(body['renewable']).toBe(false);
    expect(body['lease_duration']).toBe(0);
    expect(body['wrap_info']).toBeNull();
    expect(body['warnings']).toBeNull();
    expect(body['auth']).toBeNull();
    expect(body['mount_type']).toBe('kv');
    expect((body['data'] as { data: unknown }).data).toEqual({ answer: '42' });
  });

  it('gives every request its own request id', async () => {
    const [a, b] = await Promise.all([root.get('/v1/secret/data/envelope/one'), root.get('/v1/secret/data/envelope/one')]);
    expect(a.json.request_id).not.toBe(b.json.request_id);
  });

  it('does not copy data to the top level on ordinary routes', async () => {
    const res = await root.get(`/v1/secret/config`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json as object).sort()).toEqual([...ENVELOPE_KEYS]);
  });

  it('sys/mounts and sys/key-status copy data keys to the top level', async () => {
    const mounts = await root.get('/v1/sys/mounts');
    expect(mounts.status).toBe(200);
    expect(mounts.json['secret/']).toEqual(mounts.json.data['secret/']);
    expect(mounts.json['sys/']).toEqual(mounts.json.data['sys/']);
    const keys = await root.get('/v1/sys/key-status');
    expect(keys.status).toBe(200);
    expect(keys.json.term).toBe(keys.json.data.term);
    expect(keys.json.install_time).toBe(keys.json.data.install_time);
    expect(keys.json.encryptions).toBe(keys.json.data.encryptions);
    for (const k of ENVELOPE_KEYS) expect(keys.json).toHaveProperty(k);
  });
});

describe('status codes', () => {
  it('a write without a response body is 204 with no body and the JSON headers', async () => {
    const res = await root.put(`/v1/${v1}/thing`, { a: 'b' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectJsonHeaders(res);
  });

  it('a delete is 204', async () => {
    await root.put(`/v1/${v1}/to-delete`, { a: 'b' });
    const res = await root.delete(`/v1/${v1}/to-delete`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('a read of nothing is 404 with {"errors":[]}', async () => {
    const res = await root.get(`/v1/${v1}/never-written`);
    expect(expectErrors(res, 404)).toEqual([]);
    expect(res.text).toBe('{"errors":[]}');
  });

  it('a list of nothing is 404 with {"errors":[]}', async () => {
    const res = await root.list(`/v1/${v1}/empty-folder/`);
    expect(expectErrors(res, 404)).toEqual([]);
  });

  it('an unknown mount is 404 "no handler for route" for root', async () => {
    const res = await root.get('/v1/no-such-mount-here/x');
    const errors = expectErrors(res, 404);
    expect(errors.join(' ')).toContain('no handler for route');
  });

  it('paths outside /v1/ are 404', async () => {
    const res = await root.get('/v2/sys/health');
    expect(res.status).toBe(404);
    expectJsonHeaders(res);
  });

  it('a write to a path ending in "/" is 400', async () => {
    const res = await root.put(`/v1/${v1}/folder/`, { a: 'b' });
    expect(expectErrors(res, 400)).toContain("cannot write to a path ending in '/'");
  });

  it('HEAD is only for sys/health: 405 elsewhere', async () => {
    const res = await root.request('HEAD', '/v1/secret/data/envelope/one');
    expect(res.status).toBe(405);
    expect(res.text).toBe('');
  });

  it('an unsupported verb is 405', async () => {
    const res = await root.request('PROPFIND', '/v1/secret/data/envelope/one');
    expect(res.status).toBe(405);
    expectJsonHeaders(res);
  });

  it('errors are a JSON object with an errors array and exactly application/json', async () => {
    const res = await root.put(`/v1/${v1}/empty`, {});
    const errors = expectErrors(res, 400);
    expect(errors).toContain('missing data fields');
  });

  it('unknown parameters are ignored, with Vault’s warning on a response that has a body', async () => {
    const res = await root.put('/v1/sys/tools/random', { bytes: 4, not_a_field: true });
    expect(res.status).toBe(200);
    expect(res.json.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [not_a_field]']);
    expect(res.json.data.random_bytes).toBeTruthy();
  });

  it('?help=1 answers help text', async () => {
    const res = await root.get('/v1/secret/data/envelope/one?help=1');
    expect(res.status).toBe(200);
    expect(typeof res.json.data.help).toBe('string');
  });
});

describe('tokens', () => {
  it('no token: 403 permission denied, never 401', async () => {
    const res = await rawRequest(target.addr, 'GET', '/v1/secret/data/envelope/one');
    const errors = expectErrors(res, 403);
    expect(errors.join('\n')).toContain('permission denied');
  });

  it('a bad token: 403 with "permission denied" and "invalid token"', async () => {
    const res = await rawRequest(target.addr, 'GET', '/v1/secret/data/envelope/one', { token: unique('hvs.nope') });
    const errors = expectErrors(res, 403).join('\n');
    expect(errors).toContain('permission denied');
    expect(errors).toContain('invalid token');
  });

  it('a bad token on a write changes nothing', async () => {
    const res = await rawRequest(target.addr, 'PUT', '/v1/secret/data/envelope/one', {
      token: 'not-a-token',
      body: { data: { answer: 'changed' } },
    });
    expect(res.status).toBe(403);
    expect((await root.get('/v1/secret/data/envelope/one')).json.data.data).toEqual({ answer: '42' });
  });

  it('X-Vault-Token and Authorization: Bearer both authenticate', async () => {
    const viaHeader = await rawRequest(target.addr, 'GET', '/v1/secret/data/envelope/one', { token: target.token });
    const viaBearer = await rawRequest(target.addr, 'GET', '/v1/secret/data/envelope/one', {
      headers: { Authorization: `Bearer ${target.token}` },
    });
    expect(viaHeader.status).toBe(200);
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.json.data.data).toEqual(viaHeader.json.data.data);
  });

  it('only the Bearer scheme is accepted in Authorization', async () => {
    const res = await rawRequest(target.addr, 'GET', '/v1/secret/data/envelope/one', {
      headers: { Authorization: `Basic ${Buffer.from(target.token).toString('base64')}` },
    });
    expect(res.status).toBe(403);
  });

  it('X-Vault-Request: true is accepted and ignored', async () => {
    const res = await root.get('/v1/secret/data/envelope/one', { headers: { 'X-Vault-Request': 'true' } });
    expect(res.status).toBe(200);
  });

  it('the root namespace header is accepted', async () => {
    const res = await root.get('/v1/secret/data/envelope/one', { headers: { 'X-Vault-Namespace': 'root' } });
    expect(res.status).toBe(200);
  });
});

describe('unauthenticated sys endpoints answer raw JSON without a token', () => {
  it.each(['sys/health', 'sys/seal-status', 'sys/leader', 'sys/init'])('%s', async (path) => {
    const res = await rawRequest(target.addr, 'GET', `/v1/${path}`);
    expect(res.status).toBe(200);
    expectJsonHeaders(res);
    for (const k of ['request_id', 'lease_id', 'wrap_info', 'mount_type']) expect(res.json).not.toHaveProperty(k);
  });
});
