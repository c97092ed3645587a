/**
 * sys/mounts (list, enable, read, tune, disable), sys/remount, sys/internal/ui/mounts,
 * sys/key-status and sys/rotate, with raw requests and node-vault
 * (reference: vault-core-api.md §2 "mounts", "internal/ui/mounts", "key-status / rotate").
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, rawRequest, unique, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let root: Api;
const created: string[] = [];

const SYSTEM_MAX_TTL = 2764800;

function mountName(prefix: string): string {
  const name = unique(prefix);
  created.push(name);
  return name;
}

function errorsOf(res: { json: any }): string {
  return ((res.json?.errors ?? []) as string[]).join('\n');
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
});

afterAll(async () => {
  if (root) for (const name of created) await root.delete(`/v1/sys/mounts/${name}`);
  await target?.close();
});

describe('GET sys/mounts', () => {
  it('lists sys/ and the dev secret/ mount with Vault’s entry shape, injected at the top level', async () => {
    const res = await root.get('/v1/sys/mounts');
    expect(res.status).toBe(200);
    const data = res.json.data as Record<string, any>;
    expect(data['sys/'].type).toBe('system');
    const secret = data['secret/'];
    expect(secret.type).toBe('kv');
    expect(secret.options).toEqual({ version: '2' });
    for (const key of [
      'accessor',
      'config',
      'description',
      'external_entropy_access',
      'local',
      'options',
      'plugin_version',
      'running_plugin_version',
      'running_sha256',
      'seal_wrap',
      'type',
      'uuid',
    ]) {
      expect(secret).toHaveProperty(key);
    }
    expect(secret.accessor).toMatch(/^kv_[0-9a-f]{8}$/);
    expect(secret.config).toMatchObject({ default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false });
    expect(res.json['secret/']).toEqual(secret);
    // Every key is a path ending in "/".
    for (const path of Object.keys(data)) expect(path.endsWith('/')).toBe(true);
  });

  it('node-vault mounts() reads the same table', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    const res = await client.mounts();
    expect(res.data['secret/'].type).toBe('kv');
    expect(res['secret/'].type).toBe('kv');
  });
});

describe('enable', () => {
  it('kv-v2 is an alias for kv with options.version "2"', async () => {
    const name = mountName('alias-v2');
    const res = await root.post(`/v1/sys/mounts/${name}`, { type: 'kv-v2', description: 'aliased' });
    expect(res.status).toBe(204);
    const entry = await root.get(`/v1/sys/mounts/${name}`);
    expect(entry.status).toBe(200);
    expect(entry.json.data).toMatchObject({ type: 'kv', description: 'aliased', options: { version: '2' } });
    // Injected like sys/mounts.
    expect(entry.json.type).toBe('kv');
  });

  it('kv with options.version "2" is versioned; plain kv is v1', async () => {
    const v2 = mountName('opt-v2');
    const v1 = mountName('plain');
    expect((await root.post(`/v1/sys/mounts/${v2}`, { type: 'kv', options: { version: '2' } })).status).toBe(204);
    expect((await root.post(`/v1/sys/mounts/${v1}`, { type: 'kv' })).status).toBe(204);
    const mounts = (await root.get('/v1/sys/mounts')).json.data;
    expect(mounts[`${v2}/`].options).toEqual({ version: '2' });
    expect(mounts[`${v1}/`].options?.version ?? '1').not.toBe('2');
    // v1 accepts a raw write; v2 answers 404 with a warning for a non-data path.
    expect((await root.put(`/v1/${v1}/k`, { a: 'b' })).status).toBe(204);
    const wrongPath = await root.put(`/v1/${v2}/k`, { a: 'b' });
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.json.warnings.join(' ')).toContain('Invalid path for a versioned K/V secrets engine');
  });

  it('node-vault mount() with a config and unmount()', async () => {
    const name = unique('nv-mount');
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    await client.mount({ mount_point: name, type: 'kv', options: { version: '1' }, config: { default_lease_ttl: '1h' } });
    const entry = (await root.get(`/v1/sys/mounts/${name}`)).json.data;
    expect(entry.config.default_lease_ttl).toBe(3600);
    await client.unmount({ mount_point: name });
    expect((await root.get(`/v1/sys/mounts/${name}`)).status).not.toBe(200);
  });

  it('the same path twice is 409 "path is already in use at"', async () => {
    const name = mountName('dup');
    expect((await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' })).status).toBe(204);
    const res = await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    expect(res.status).toBe(409);
    expect(errorsOf(res)).toContain(`path is already in use at ${name}/`);
  });

  it('a path inside an existing mount is a 409 conflict', async () => {
    const name = mountName('outer');
    expect((await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' })).status).toBe(204);
    const res = await root.post(`/v1/sys/mounts/${name}/inner`, { type: 'kv' });
    expect(res.status).toBe(409);
    expect(errorsOf(res)).toMatch(/existing mount at|path is already in use at/);
  });

  it.each(['sys/mine', 'auth/mine', 'cubbyhole', 'identity'])('the protected path %s is 403', async (path) => {
    const res = await root.post(`/v1/sys/mounts/${path}`, { type: 'kv' });
    expect(res.status).toBe(403);
  });

  it('an unknown type is 400', async () => {
    const res = await root.post(`/v1/sys/mounts/${unique('nope')}`, { type: 'no-such-engine' });
    expect(res.status).toBe(400);
  });

  it('a missing type is 400', async () => {
    const res = await root.post(`/v1/sys/mounts/${unique('notype')}`, { description: 'x' });
    expect(res.status).toBe(400);
  });

  it('a default TTL above the max is 400', async () => {
    const res = await root.post(`/v1/sys/mounts/${unique('ttl')}`, {
      type: 'kv',
      config: { default_lease_ttl: '2h', max_lease_ttl: '1h' },
    });
    expect(res.status).toBe(400);
  });

  it('disable is 204, also for a path that is not mounted', async () => {
    const name = unique('gone');
    expect((await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' })).status).toBe(204);
    expect((await root.delete(`/v1/sys/mounts/${name}`)).status).toBe(204);
    expect((await root.get(`/v1/sys/mounts/${name}`)).status).not.toBe(200);
    expect((await root.delete(`/v1/sys/mounts/${name}`)).status).toBe(204);
  });

  it('disable drops the data: a new mount at the same path is empty', async () => {
    const name = mountName('reuse');
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    await root.put(`/v1/${name}/old`, { a: 'b' });
    await root.delete(`/v1/sys/mounts/${name}`);
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    expect((await root.get(`/v1/${name}/old`)).status).toBe(404);
  });
});

describe('tune', () => {
  it('GET tune shows effective TTLs (system defaults filled in)', async () => {
    const name = mountName('tune-read');
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    const res = await root.get(`/v1/sys/mounts/${name}/tune`);
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ default_lease_ttl: SYSTEM_MAX_TTL, max_lease_ttl: SYSTEM_MAX_TTL, force_no_cache: false });
  });

  it('POST tune sets TTLs and description; reads reflect it; KV v1 reads use the new default', async () => {
    const name = mountName('tune-set');
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    const res = await root.post(`/v1/sys/mounts/${name}/tune`, { default_lease_ttl: '1h', max_lease_ttl: 7200, description: 'tuned' });
    expect(res.status).toBe(204);
    const tune = (await root.get(`/v1/sys/mounts/${name}/tune`)).json.data;
    expect(tune).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 7200, description: 'tuned' });
    const entry = (await root.get(`/v1/sys/mounts/${name}`)).json.data;
    expect(entry.config).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 7200 });
    await root.put(`/v1/${name}/k`, { a: 'b' });
    expect((await root.get(`/v1/${name}/k`)).json.lease_duration).toBe(3600);
  });

  it('a default above the max is 400 and changes nothing', async () => {
    const name = mountName('tune-bad');
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv' });
    const res = await root.post(`/v1/sys/mounts/${name}/tune`, { default_lease_ttl: '3h', max_lease_ttl: '1h' });
    expect(res.status).toBe(400);
    expect((await root.get(`/v1/sys/mounts/${name}/tune`)).json.data.max_lease_ttl).toBe(SYSTEM_MAX_TTL);
  });

  it('KV 1 → 2 upgrade answers 200 with the upgrade warning; data becomes version 1; downgrade is 400', async () => {
    const name = mountName('upgrade');
    await root.post(`/v1/sys/mounts/${name}`, { type: 'kv', options: { version: '1' } });
    await root.put(`/v1/${name}/legacy`, { from: 'v1' });
    const res = await root.post(`/v1/sys/mounts/${name}/tune`, { options: { version: '2' } });
    expect(res.status).toBe(200);
    expect(res.json.data).toBeNull();
    expect(res.json.warnings.join(' ')).toContain('Upgrading mount from version 1 to version 2');
    // The upgrade runs in the background: poll briefly (bounded) for the converted key.
    let read = await root.get(`/v1/${name}/data/legacy`);
    for (let i = 0; i < 100 && read.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      read = await root.get(`/v1/${name}/data/legacy`);
    }
    expect(read.status).toBe(200);
    expect(read.json.data.data).toEqual({ from: 'v1' });
    expect(read.json.data.metadata.version).toBe(1);
    const down = await root.post(`/v1/sys/mounts/${name}/tune`, { options: { version: '1' } });
    expect(down.status).toBe(400);
  });

  it('tuning a path that is not mounted is 400', async () => {
    const res = await root.post(`/v1/sys/mounts/${unique('missing')}/tune`, { description: 'x' });
    expect(res.status).toBe(400);
  });
});

describe('remount', () => {
  it('moves a mount with its data and reports the migration', async () => {
    const from = unique('from');
    const to = mountName('to');
    created.push(from);
    await root.post(`/v1/sys/mounts/${from}`, { type: 'kv' });
    await root.put(`/v1/${from}/moved`, { still: 'here' });
    const res = await root.post('/v1/sys/remount', { from, to });
    expect(res.status).toBe(200);
    const id = res.json.data.migration_id as string;
    expect(typeof id).toBe('string');
    expect(res.json.migration_id).toBe(id);
    // The status endpoint eventually says success (bounded poll).
    let status = await root.get(`/v1/sys/remount/status/${id}`);
    for (let i = 0; i < 100 && status.json?.data?.migration_info?.status !== 'success'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await root.get(`/v1/sys/remount/status/${id}`);
    }
    expect(status.json.data).toMatchObject({
      migration_id: id,
      migration_info: { source_mount: `${from}/`, target_mount: `${to}/`, status: 'success' },
    });
    expect((await root.get(`/v1/${to}/moved`)).json.data).toEqual({ still: 'here' });
    expect((await root.get(`/v1/${from}/moved`)).status).toBe(404);
  });

  it('node-vault remount()', async () => {
    const from = unique('nvfrom');
    const to = mountName('nvto');
    created.push(from);
    await root.post(`/v1/sys/mounts/${from}`, { type: 'kv' });
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    await client.remount({ from, to });
    let entry = await root.get(`/v1/sys/mounts/${to}`);
    for (let i = 0; i < 100 && entry.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      entry = await root.get(`/v1/sys/mounts/${to}`);
    }
    expect(entry.json.data.type).toBe('kv');
  });

  it('onto an existing mount, or from a missing one, fails with a 4xx', async () => {
    const a = mountName('ra');
    const b = mountName('rb');
    await root.post(`/v1/sys/mounts/${a}`, { type: 'kv' });
    await root.post(`/v1/sys/mounts/${b}`, { type: 'kv' });
    const onto = await root.post('/v1/sys/remount', { from: a, to: b });
    expect(onto.status).toBeGreaterThanOrEqual(400);
    expect(onto.status).toBeLessThan(500);
    const missing = await root.post('/v1/sys/remount', { from: unique('none'), to: unique('none') });
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.status).toBeLessThan(500);
  });
});

describe('sys/internal/ui/mounts', () => {
  it('root sees the secret mounts', async () => {
    const res = await root.get('/v1/sys/internal/ui/mounts');
    expect(res.status).toBe(200);
    expect(res.json.data.secret['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(res.json.data).toHaveProperty('auth');
  });

  it('a path within a mount returns that mount with its path (what the CLI asks before kv commands)', async () => {
    const res = await root.get('/v1/sys/internal/ui/mounts/secret/some/deep/key');
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ path: 'secret/', type: 'kv', options: { version: '2' } });
  });

  it('without a token it is 403 with the preflight message', async () => {
    const res = await rawRequest(target.addr, 'GET', '/v1/sys/internal/ui/mounts/secret/foo');
    expect(res.status).toBe(403);
    expect(errorsOf(res)).toContain("preflight capability check returned 403, please ensure client's policies grant access to path");
  });

  it('an unknown mount is 403 preflight, even for root', async () => {
    const res = await root.get(`/v1/sys/internal/ui/mounts/${unique('nomount')}/x`);
    expect(res.status).toBe(403);
    expect(errorsOf(res)).toContain('preflight capability check returned 403');
  });
});

describe('key-status and rotate', () => {
  it('key-status has term, install_time, encryptions, injected', async () => {
    const res = await root.get('/v1/sys/key-status');
    expect(res.status).toBe(200);
    expect(Number.isInteger(res.json.data.term)).toBe(true);
    expect(res.json.data.term).toBeGreaterThanOrEqual(1);
    expect(Number.isNaN(Date.parse(res.json.data.install_time))).toBe(false);
    expect(Number.isInteger(res.json.data.encryptions)).toBe(true);
    expect(res.json.term).toBe(res.json.data.term);
  });

  it('rotate is 204 and adds a term; old data still decrypts', async () => {
    const before = (await root.get('/v1/sys/key-status')).json.data.term as number;
    await root.put('/v1/secret/data/rotate/keep', { data: { v: 'old-term' } });
    const res = await root.put('/v1/sys/rotate');
    expect(res.status).toBe(204);
    const after = (await root.get('/v1/sys/key-status')).json.data.term as number;
    expect(after).toBe(before + 1);
    expect((await root.get('/v1/secret/data/rotate/keep')).json.data.data).toEqual({ v: 'old-term' });
    await root.delete('/v1/secret/metadata/rotate/keep');
  });

  it('node-vault rotate()', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    const before = (await client.read('sys/key-status')).data.term as number;
    await client.rotate();
    expect((await client.read('sys/key-status')).data.term).toBe(before + 1);
  });

  it('rotate without a token is 403', async () => {
    expect((await rawRequest(target.addr, 'PUT', '/v1/sys/rotate')).status).toBe(403);
  });
});
