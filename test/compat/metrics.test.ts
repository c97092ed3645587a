/**
 * `sys/metrics` (reference: vault-core-api.md §2 "key-status / rotate / metrics / tools"):
 * Prometheus text with `?format=prometheus`, go-metrics JSON by default (raw, no envelope),
 * 400 for another format, and a token with read on the path required.
 *
 * `vault_core_unsealed` is Vault's name. The `coffer_*` series are Coffer's own, so those
 * checks only run against the in-process server (Vault also needs `prometheus_retention_time`
 * for the text format).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, rawRequest, unique, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let root: Api;
let mount = '';
let policy = '';

/** The value of one Prometheus sample line, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1] ?? ''] = pair[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  mount = unique('metrics-kv');
  policy = unique('metrics-reader');
  expect((await root.post(`/v1/sys/mounts/${mount}`, { type: 'kv', options: { version: '1' } })).status).toBe(204);
  expect((await root.put(`/v1/sys/policies/acl/${policy}`, { policy: 'path "sys/metrics" { capabilities = ["read"] }' })).status).toBe(204);
});

afterAll(async () => {
  if (root) {
    await root.delete(`/v1/sys/mounts/${mount}`);
    await root.delete(`/v1/sys/policies/acl/${policy}`);
  }
  await target?.close();
});

describe('sys/metrics', () => {
  it('?format=prometheus: the text exposition format with vault_core_unsealed 1', async () => {
    const res = await root.get('/v1/sys/metrics?format=prometheus');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.json).toBeUndefined();
    expect(res.text).toContain('# TYPE vault_core_unsealed gauge');
    expect(sample(res.text, 'vault_core_unsealed')).toBe(1);
  });

  it('coffer_requests_total counts requests by mount, operation and status code', async () => {
    if (target.external) return;
    await root.put(`/v1/${mount}/a`, { v: '1' });
    for (let i = 0; i < 3; i++) expect((await root.get(`/v1/${mount}/a`)).status).toBe(200);
    expect((await root.get(`/v1/${mount}/missing`)).status).toBe(404);
    const text = (await root.get('/v1/sys/metrics?format=prometheus')).text;
    expect(text).toContain('# TYPE coffer_requests_total counter');
    expect(sample(text, 'coffer_requests_total', { mount: `${mount}/`, operation: 'GET', code: '200' })).toBe(3);
    expect(sample(text, 'coffer_requests_total', { mount: `${mount}/`, operation: 'GET', code: '404' })).toBe(1);
    expect(sample(text, 'coffer_requests_total', { mount: `${mount}/`, operation: 'PUT', code: '204' })).toBe(1);
    expect(sample(text, 'coffer_request_duration_seconds_count', { mount: `${mount}/`, operation: 'GET' })).toBe(4);
  });

  it('default: go-metrics JSON, raw, with Timestamp, Gauges, Counters and Samples', async () => {
    const res = await root.get('/v1/sys/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json as Record<string, any>;
    expect(body).not.toHaveProperty('request_id');
    expect(body).not.toHaveProperty('data');
    expect(Number.isNaN(Date.parse(body['Timestamp'] as string))).toBe(false);
    for (const key of ['Gauges', 'Counters', 'Samples']) expect(Array.isArray(body[key])).toBe(true);
    const unsealed = (body['Gauges'] as Record<string, any>[]).find((g) => g['Name'] === 'vault_core_unsealed');
    expect(unsealed).toMatchObject({ Value: 1 });
    for (const g of body['Gauges'] as Record<string, any>[]) {
      expect(typeof g['Name']).toBe('string');
      expect(typeof g['Value']).toBe('number');
    }
    for (const c of body['Counters'] as Record<string, any>[]) {
      expect(typeof c['Name']).toBe('string');
      expect(typeof c['Count']).toBe('number');
    }
    if (!target.external) {
      const counted = (body['Counters'] as Record<string, any>[]).filter((c) => c['Name'] === 'coffer_requests_total');
      expect(counted.length).toBeGreaterThan(0);
      expect(counted[0]).toHaveProperty('Labels');
      expect((body['Samples'] as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it('another format is 400', async () => {
    const res = await root.get('/v1/sys/metrics?format=xml');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect((res.json as { errors: string[] }).errors.length).toBeGreaterThan(0);
  });

  it('needs a token that may read sys/metrics: none or default-only is 403; a policy granting read is 200', async () => {
    expect((await rawRequest(target.addr, 'GET', '/v1/sys/metrics')).status).toBe(403);
    const plain = (await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '5m' })).json.auth.client_token as string;
    expect((await rawRequest(target.addr, 'GET', '/v1/sys/metrics', { token: plain })).status).toBe(403);
    const reader = (await root.post('/v1/auth/token/create', { policies: [policy], ttl: '5m' })).json.auth.client_token as string;
    const res = await rawRequest(target.addr, 'GET', '/v1/sys/metrics?format=prometheus', { token: reader });
    expect(res.status).toBe(200);
    expect(sample(res.text, 'vault_core_unsealed')).toBe(1);
  });
});
