/**
 * sys/health and sys/leader on an active (initialised, unsealed) node
 * (reference: vault-core-api.md §2 "health / leader"). The sealed and uninitialised
 * codes are covered in sys-seal.test.ts.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let anon: Api;

beforeAll(async () => {
  target = await compatTarget();
  anon = api(target.addr);
});

afterAll(async () => {
  await target?.close();
});

describe('sys/health', () => {
  it('200 with Vault’s raw body', async () => {
    const res = await anon.get('/v1/sys/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
    });
    expect(Number.isInteger(res.json.server_time_utc)).toBe(true);
    expect(typeof res.json.version).toBe('string');
    expect(typeof res.json.cluster_name).toBe('string');
    expect(typeof res.json.cluster_id).toBe('string');
    expect(res.json).not.toHaveProperty('request_id');
  });

  it('activecode overrides the status, and the body still comes', async () => {
    const res = await anon.get('/v1/sys/health?activecode=299');
    expect(res.status).toBe(299);
    expect(res.json.initialized).toBe(true);
  });

  it('standbyok / perfstandbyok keep an active node at 200', async () => {
    expect((await anon.get('/v1/sys/health?standbyok=true')).status).toBe(200);
    expect((await anon.get('/v1/sys/health?perfstandbyok=true&standbyok=1')).status).toBe(200);
  });

  it('sealedcode/uninitcode do not apply to an active node', async () => {
    expect((await anon.get('/v1/sys/health?sealedcode=299&uninitcode=298')).status).toBe(200);
  });

  it.each(['activecode=abc', 'sealedcode=x1', 'uninitcode=', 'standbycode=1.5'])('a bad code (%s) is 400', async (query) => {
    const res = await anon.get(`/v1/sys/health?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Array.isArray(res.json.errors)).toBe(true);
  });

  it('HEAD answers the status without a body', async () => {
    const head = await anon.request('HEAD', '/v1/sys/health');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const custom = await anon.request('HEAD', '/v1/sys/health?activecode=203');
    expect(custom.status).toBe(203);
    expect(custom.text).toBe('');
  });

  it('node-vault health() with query options', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr });
    await expect(client.health()).resolves.toMatchObject({ initialized: true, sealed: false });
    await expect(client.health({ standbyok: true, activecode: 200 })).resolves.toMatchObject({ sealed: false });
  });
});

describe('sys/leader', () => {
  it('raw JSON with the HA fields node-vault reads', async () => {
    const res = await anon.get('/v1/sys/leader');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(typeof res.json.ha_enabled).toBe('boolean');
    expect(typeof res.json.is_self).toBe('boolean');
    expect(typeof res.json.leader_address).toBe('string');
    expect(typeof res.json.leader_cluster_address).toBe('string');
    expect(typeof res.json.performance_standby).toBe('boolean');
    expect(res.json).not.toHaveProperty('data');
  });

  it('node-vault leader()', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr });
    const res = await client.leader();
    expect(typeof res.ha_enabled).toBe('boolean');
  });
});
