/**
 * KV version 2 through node-vault and raw requests (reference: vault-core-api.md §5 "KV v2"):
 * versions, check-and-set, metadata, soft delete / undelete / destroy, the 404-with-envelope
 * rule, merge-patch, listing (LIST verb, ?list=true|1, hvac's keep-alive LIST) and config.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, keepAliveAgent, rawRequest, unique, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let root: Api;
let m: string;
let client: ReturnType<typeof vault>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function errorsOf(res: { json: any }): string {
  return ((res.json?.errors ?? []) as string[]).join('\n');
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  m = unique('kv2');
  client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
  await client.mount({ mount_point: m, type: 'kv-v2' });
  // A freshly enabled v2 mount may refuse writes for a moment while it sets up (Vault
  // documents this); wait for it, bounded.
  for (let i = 0; i < 100; i++) {
    const res = await root.put(`/v1/${m}/data/warmup`, { data: { ok: 'yes' } });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  if (root) await root.delete(`/v1/sys/mounts/${m}`);
  await target?.close();
});

describe('write and read', () => {
  it('a write answers 200 with the version metadata', async () => {
    const res = await root.put(`/v1/${m}/data/app/db`, { data: { user: 'u1', pass: 'p1' } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.json.mount_type).toBe('kv');
    expect(res.json.data).toMatchObject({ version: 1, deletion_time: '', destroyed: false, custom_metadata: null });
    expect(res.json.data.created_time).toMatch(RFC3339);
  });

  it('node-vault read() of data/ returns data and metadata', async () => {
    const res = await client.read(`${m}/data/app/db`);
    expect(res.data.data).toEqual({ user: 'u1', pass: 'p1' });
    expect(res.data.metadata).toMatchObject({ version: 1, deletion_time: '', destroyed: false, custom_metadata: null });
    expect(res.data.metadata.created_time).toMatch(RFC3339);
    expect(res.lease_duration).toBe(0);
  });

  it('node-vault write() makes new versions; ?version= reads old ones', async () => {
    const second = await client.write(`${m}/data/app/db`, { data: { user: 'u2', pass: 'p2' } });
    expect(second.data.version).toBe(2);
    expect((await client.read(`${m}/data/app/db`)).data.data).toEqual({ user: 'u2', pass: 'p2' });
    expect((await client.read(`${m}/data/app/db?version=1`)).data.data).toEqual({ user: 'u1', pass: 'p1' });
    const v1 = await root.get(`/v1/${m}/data/app/db?version=1`);
    expect(v1.json.data.metadata.version).toBe(1);
    // version=0 means the latest.
    expect((await root.get(`/v1/${m}/data/app/db?version=0`)).json.data.metadata.version).toBe(2);
  });

  it('an unknown key or version is 404 {"errors":[]}', async () => {
    for (const path of [`/v1/${m}/data/app/none`, `/v1/${m}/data/app/db?version=99`]) {
      const res = await root.get(path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ errors: [] });
    }
  });

  it('a write without data is 400 "no data provided"', async () => {
    const res = await root.put(`/v1/${m}/data/app/nodata`, { options: {} });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('no data provided');
  });

  it('a bad ?version= is 400', async () => {
    expect((await root.get(`/v1/${m}/data/app/db?version=abc`)).status).toBe(400);
  });

  it('a non-data path on a v2 mount is 404 with the versioned-KV warning', async () => {
    const res = await root.get(`/v1/${m}/app/db`);
    expect(res.status).toBe(404);
    expect(res.json.data).toBeNull();
    expect(res.json.warnings.join(' ')).toContain('Invalid path for a versioned K/V secrets engine');
  });
});

describe('check-and-set', () => {
  it('cas 0 only creates; a mismatch is 400 and changes nothing', async () => {
    const created = await root.put(`/v1/${m}/data/cas/one`, { data: { v: 'a' }, options: { cas: 0 } });
    expect(created.status).toBe(200);
    const again = await root.put(`/v1/${m}/data/cas/one`, { data: { v: 'b' }, options: { cas: 0 } });
    expect(again.status).toBe(400);
    expect(errorsOf(again)).toContain('check-and-set parameter did not match the current version');
    const stale = await root.put(`/v1/${m}/data/cas/one`, { data: { v: 'c' }, options: { cas: 5 } });
    expect(stale.status).toBe(400);
    expect((await root.get(`/v1/${m}/data/cas/one`)).json.data).toMatchObject({ data: { v: 'a' }, metadata: { version: 1 } });
    expect((await root.get(`/v1/${m}/metadata/cas/one`)).json.data.current_version).toBe(1);
  });

  it('the matching cas writes the next version', async () => {
    const res = await root.put(`/v1/${m}/data/cas/one`, { data: { v: 'b' }, options: { cas: 1 } });
    expect(res.status).toBe(200);
    expect(res.json.data.version).toBe(2);
  });

  it('cas_required on the key: a write without cas is 400', async () => {
    await root.put(`/v1/${m}/metadata/cas/strict`, { cas_required: true });
    const res = await root.put(`/v1/${m}/data/cas/strict`, { data: { v: 'x' } });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('check-and-set parameter required for this call');
    expect((await root.put(`/v1/${m}/data/cas/strict`, { data: { v: 'x' }, options: { cas: 0 } })).status).toBe(200);
  });

  it('cas_required in the mount config applies to every key', async () => {
    const strict = unique('kv2-strict');
    await root.post(`/v1/sys/mounts/${strict}`, { type: 'kv-v2' });
    try {
      let cfg = await root.put(`/v1/${strict}/config`, { cas_required: true });
      for (let i = 0; i < 100 && cfg.status !== 204; i++) {
        await new Promise((r) => setTimeout(r, 50));
        cfg = await root.put(`/v1/${strict}/config`, { cas_required: true });
      }
      expect(cfg.status).toBe(204);
      const res = await root.put(`/v1/${strict}/data/k`, { data: { v: 'x' } });
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toContain('check-and-set parameter required for this call');
    } finally {
      await root.delete(`/v1/sys/mounts/${strict}`);
    }
  });
});

describe('metadata', () => {
  it('POST metadata creates a key without data (current_version 0), as ESO PushSecret needs', async () => {
    const res = await root.put(`/v1/${m}/metadata/pushed/key`, { custom_metadata: { 'managed-by': 'external-secrets' } });
    expect(res.status).toBe(204);
    const meta = await root.get(`/v1/${m}/metadata/pushed/key`);
    expect(meta.status).toBe(200);
    expect(meta.json.data).toMatchObject({
      current_version: 0,
      custom_metadata: { 'managed-by': 'external-secrets' },
      versions: {},
      cas_required: false,
      max_versions: 0,
      delete_version_after: '0s',
    });
    // The data path has nothing yet.
    expect((await root.get(`/v1/${m}/data/pushed/key`)).status).toBe(404);
    // cas 0 still succeeds on a key whose metadata exists without versions.
    const write = await root.put(`/v1/${m}/data/pushed/key`, { data: { v: '1' }, options: { cas: 0 } });
    expect(write.status).toBe(200);
    expect(write.json.data.version).toBe(1);
    expect(write.json.data.custom_metadata).toEqual({ 'managed-by': 'external-secrets' });
  });

  it('GET metadata has Vault’s fields and string version keys', async () => {
    await root.put(`/v1/${m}/data/meta/k`, { data: { n: '1' } });
    await root.put(`/v1/${m}/data/meta/k`, { data: { n: '2' } });
    const res = await root.get(`/v1/${m}/metadata/meta/k`);
    expect(res.status).toBe(200);
    const data = res.json.data;
    expect(Object.keys(data).sort()).toEqual([
      'cas_required',
      'created_time',
      'current_version',
      'custom_metadata',
      'delete_version_after',
      'max_versions',
      'oldest_version',
      'updated_time',
      'versions',
    ]);
    expect(data.current_version).toBe(2);
    expect(Object.keys(data.versions).sort()).toEqual(['1', '2']);
    expect(data.versions['1']).toEqual({ created_time: expect.stringMatching(RFC3339), deletion_time: '', destroyed: false });
    expect(data.created_time).toMatch(RFC3339);
    expect(data.updated_time).toMatch(RFC3339);
  });

  it('max_versions purges the oldest versions', async () => {
    await root.put(`/v1/${m}/metadata/meta/short`, { max_versions: 2 });
    for (const n of ['1', '2', '3']) await root.put(`/v1/${m}/data/meta/short`, { data: { n } });
    const meta = (await root.get(`/v1/${m}/metadata/meta/short`)).json.data;
    expect(meta.current_version).toBe(3);
    expect(Object.keys(meta.versions).sort()).toEqual(['2', '3']);
    expect(meta.oldest_version).toBe(2);
    expect((await root.get(`/v1/${m}/data/meta/short?version=1`)).status).toBe(404);
    expect((await root.get(`/v1/${m}/data/meta/short?version=2`)).json.data.data).toEqual({ n: '2' });
  });

  it('only the fields sent change', async () => {
    await root.put(`/v1/${m}/metadata/meta/partial`, { max_versions: 5, custom_metadata: { a: '1' } });
    await root.put(`/v1/${m}/metadata/meta/partial`, { cas_required: true });
    const meta = (await root.get(`/v1/${m}/metadata/meta/partial`)).json.data;
    expect(meta).toMatchObject({ max_versions: 5, cas_required: true, custom_metadata: { a: '1' } });
  });

  it('PATCH metadata merges custom_metadata', async () => {
    await root.put(`/v1/${m}/metadata/meta/patched`, { custom_metadata: { keep: 'k', drop: 'd' } });
    const res = await root.patch(`/v1/${m}/metadata/meta/patched`, { custom_metadata: { drop: null, add: 'a' } });
    expect(res.status).toBe(204);
    expect((await root.get(`/v1/${m}/metadata/meta/patched`)).json.data.custom_metadata).toEqual({ keep: 'k', add: 'a' });
  });

  it('GET metadata of a missing key is 404', async () => {
    expect((await root.get(`/v1/${m}/metadata/meta/nothing`)).status).toBe(404);
  });

  it('DELETE metadata removes every version: data and metadata reads are 404', async () => {
    await root.put(`/v1/${m}/data/meta/wipe`, { data: { a: 'b' } });
    await root.put(`/v1/${m}/data/meta/wipe`, { data: { a: 'c' } });
    expect((await root.delete(`/v1/${m}/metadata/meta/wipe`)).status).toBe(204);
    expect((await root.get(`/v1/${m}/metadata/meta/wipe`)).status).toBe(404);
    const data = await root.get(`/v1/${m}/data/meta/wipe?version=1`);
    expect(data.status).toBe(404);
    expect(data.json).toEqual({ errors: [] });
  });
});

describe('delete, undelete, destroy', () => {
  it('DELETE data soft-deletes the latest: 404 whose body is the envelope with data null', async () => {
    await root.put(`/v1/${m}/data/del/k`, { data: { v: '1' } });
    await root.put(`/v1/${m}/data/del/k`, { data: { v: '2' } });
    expect((await root.delete(`/v1/${m}/data/del/k`)).status).toBe(204);
    const res = await root.get(`/v1/${m}/data/del/k`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(Object.keys(res.json).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.json.data.data).toBeNull();
    expect(res.json.data.metadata).toMatchObject({ version: 2, destroyed: false });
    expect(res.json.data.metadata.deletion_time).toMatch(RFC3339);
    // Older versions still read; current_version is kept.
    expect((await root.get(`/v1/${m}/data/del/k?version=1`)).json.data.data).toEqual({ v: '1' });
    expect((await root.get(`/v1/${m}/metadata/del/k`)).json.data.current_version).toBe(2);
  });

  it('node-vault read() of a deleted version rejects with 404 and the envelope in the body', async () => {
    const err = (await client.read(`${m}/data/del/k`).catch((e: unknown) => e)) as { response: { statusCode: number; body: any } };
    expect(err.response.statusCode).toBe(404);
    expect(err.response.body.data.data).toBeNull();
  });

  it('undelete restores the version', async () => {
    const res = await root.put(`/v1/${m}/undelete/del/k`, { versions: [2] });
    expect(res.status).toBe(204);
    const read = await root.get(`/v1/${m}/data/del/k`);
    expect(read.status).toBe(200);
    expect(read.json.data.data).toEqual({ v: '2' });
    expect(read.json.data.metadata.deletion_time).toBe('');
  });

  it('POST delete/ soft-deletes given versions', async () => {
    expect((await root.put(`/v1/${m}/delete/del/k`, { versions: [1] })).status).toBe(204);
    const res = await root.get(`/v1/${m}/data/del/k?version=1`);
    expect(res.status).toBe(404);
    expect(res.json.data.metadata.deletion_time).not.toBe('');
    expect((await root.get(`/v1/${m}/data/del/k`)).status).toBe(200);
  });

  it('destroy: 404 envelope with destroyed true; undelete cannot bring it back', async () => {
    const client2 = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
    await client2.destroySecretVersions({ mount_point: m, path: 'del/k', versions: [2] });
    const res = await root.get(`/v1/${m}/data/del/k?version=2`);
    expect(res.status).toBe(404);
    expect(res.json.data.data).toBeNull();
    expect(res.json.data.metadata).toMatchObject({ version: 2, destroyed: true });
    await root.put(`/v1/${m}/undelete/del/k`, { versions: [2] });
    expect((await root.get(`/v1/${m}/data/del/k?version=2`)).status).toBe(404);
    expect((await root.get(`/v1/${m}/metadata/del/k`)).json.data.versions['2'].destroyed).toBe(true);
  });

  it('delete/undelete/destroy without versions is 400', async () => {
    for (const op of ['delete', 'undelete', 'destroy']) {
      expect((await root.put(`/v1/${m}/${op}/del/k`, {})).status).toBe(400);
    }
  });

  it('node-vault delete() of data/ soft-deletes', async () => {
    await client.write(`${m}/data/del/nv`, { data: { a: 'b' } });
    await client.delete(`${m}/data/del/nv`);
    expect((await root.get(`/v1/${m}/data/del/nv`)).status).toBe(404);
  });
});

describe('PATCH', () => {
  it('merge-patch makes a new version; null removes a key', async () => {
    await root.put(`/v1/${m}/data/patch/k`, { data: { keep: 'k', change: 'old', drop: 'd' } });
    const res = await root.patch(`/v1/${m}/data/patch/k`, { data: { change: 'new', drop: null, add: 'a' } });
    expect(res.status).toBe(200);
    expect(res.json.data.version).toBe(2);
    expect((await root.get(`/v1/${m}/data/patch/k`)).json.data.data).toEqual({ keep: 'k', change: 'new', add: 'a' });
  });

  it('node-vault update() sends a merge-patch', async () => {
    const res = await client.update(`${m}/data/patch/k`, { data: { viaNodeVault: 'yes' } });
    expect(res.data.version).toBe(3);
    expect((await client.read(`${m}/data/patch/k`)).data.data).toMatchObject({ keep: 'k', viaNodeVault: 'yes' });
  });

  it('PATCH honours cas', async () => {
    const res = await root.patch(`/v1/${m}/data/patch/k`, { data: { x: '1' }, options: { cas: 1 } });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('check-and-set parameter did not match the current version');
  });

  it.each(['application/json', 'text/plain'])('Content-Type %s is 415', async (type) => {
    const res = await root.patch(`/v1/${m}/data/patch/k`, { data: { x: '1' } }, { headers: { 'Content-Type': type } });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toBe('application/json');
    expect((await root.get(`/v1/${m}/metadata/patch/k`)).json.data.current_version).toBe(3);
  });

  it('PATCH of a missing key is 404', async () => {
    expect((await root.patch(`/v1/${m}/data/patch/missing`, { data: { x: '1' } })).status).toBe(404);
  });

  it('PATCH of a soft-deleted latest version is 404', async () => {
    await root.put(`/v1/${m}/data/patch/deleted`, { data: { a: '1' } });
    await root.delete(`/v1/${m}/data/patch/deleted`);
    expect((await root.patch(`/v1/${m}/data/patch/deleted`, { data: { a: '2' } })).status).toBe(404);
  });
});

describe('list', () => {
  beforeAll(async () => {
    for (const k of ['list/a', 'list/b', 'list/dir/c']) await root.put(`/v1/${m}/data/${k}`, { data: { k } });
  });

  it('node-vault list() of metadata/ (LIST verb)', async () => {
    const res = await client.list(`${m}/metadata/list`);
    expect(res.data.keys).toEqual(['a', 'b', 'dir/']);
  });

  it.each(['?list=true', '?list=1'])('GET metadata/ %s', async (query) => {
    const res = await root.get(`/v1/${m}/metadata/list/${query}`);
    expect(res.status).toBe(200);
    expect(res.json.data.keys).toEqual(['a', 'b', 'dir/']);
  });

  it('a nested folder', async () => {
    expect((await root.list(`/v1/${m}/metadata/list/dir/`)).json.data.keys).toEqual(['c']);
  });

  it('an empty or missing folder is 404 {"errors":[]}', async () => {
    const res = await root.list(`/v1/${m}/metadata/list/nothing-here/`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ errors: [] });
  });

  it('soft-deleted keys are still listed; metadata-deleted keys are not', async () => {
    await root.put(`/v1/${m}/data/list2/soft`, { data: { a: 'b' } });
    await root.put(`/v1/${m}/data/list2/hard`, { data: { a: 'b' } });
    await root.delete(`/v1/${m}/data/list2/soft`);
    await root.delete(`/v1/${m}/metadata/list2/hard`);
    expect((await root.list(`/v1/${m}/metadata/list2`)).json.data.keys).toEqual(['soft']);
  });

  it('hvac-style LIST verb over one keep-alive connection, mixed with GET and PUT', async () => {
    const agent = keepAliveAgent();
    try {
      const opts = { token: target.token, agent };
      const sockets = new Set<unknown>();
      const first = await rawRequest(target.addr, 'LIST', `/v1/${m}/metadata/list/`, opts);
      sockets.add(first.socket);
      expect(first.status).toBe(200);
      expect(first.json.data.keys).toEqual(['a', 'b', 'dir/']);
      const read = await rawRequest(target.addr, 'GET', `/v1/${m}/data/list/a`, opts);
      sockets.add(read.socket);
      expect(read.json.data.data).toEqual({ k: 'list/a' });
      const empty = await rawRequest(target.addr, 'LIST', `/v1/${m}/metadata/list/none/`, opts);
      sockets.add(empty.socket);
      expect(empty.status).toBe(404);
      const write = await rawRequest(target.addr, 'PUT', `/v1/${m}/data/list/e`, { ...opts, body: { data: { k: 'list/e' } } });
      sockets.add(write.socket);
      expect(write.status).toBe(200);
      const again = await rawRequest(target.addr, 'LIST', `/v1/${m}/metadata/list`, opts);
      sockets.add(again.socket);
      expect(again.json.data.keys).toEqual(['a', 'b', 'dir/', 'e']);
      // All five went over the same socket.
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('fetch (undici) can send the LIST verb too', async () => {
    const res = await fetch(`${target.addr}/v1/${m}/metadata/list/`, { method: 'LIST', headers: { 'X-Vault-Token': target.token } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { data: { keys: string[] } }).data.keys).toEqual(expect.arrayContaining(['a', 'b', 'dir/']));
  });

  it('LIST with a body (some clients send {}) still lists', async () => {
    const res = await root.list(`/v1/${m}/metadata/list/`, { body: {} });
    expect(res.status).toBe(200);
    expect(res.json.data.keys).toContain('a');
  });
});

describe('config and subkeys', () => {
  it('GET config has the defaults; POST config is 204', async () => {
    const read = await root.get(`/v1/${m}/config`);
    expect(read.status).toBe(200);
    expect(read.json.data).toEqual({ cas_required: false, delete_version_after: '0s', max_versions: 0 });
    expect((await root.put(`/v1/${m}/config`, { max_versions: 20 })).status).toBe(204);
    expect((await root.get(`/v1/${m}/config`)).json.data.max_versions).toBe(20);
  });

  it('subkeys shows the key structure without values', async () => {
    await root.put(`/v1/${m}/data/sub/k`, { data: { leaf: 'secret-value', nested: { inner: 'x' } } });
    const res = await root.get(`/v1/${m}/subkeys/sub/k`);
    expect(res.status).toBe(200);
    expect(res.json.data.subkeys).toEqual({ leaf: null, nested: { inner: null } });
    expect(res.json.data.metadata.version).toBe(1);
    expect(res.text).not.toContain('secret-value');
  });
});
