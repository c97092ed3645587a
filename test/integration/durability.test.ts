/**
 * Durability of the BUILT server on sqlite:
 * - the crash test: concurrent KV v2 writers, `kill -9` mid-load, restart, unseal; every write
 *   that was acknowledged (HTTP 200) reads back with its value at its version;
 * - a clean restart (SIGTERM) keeps data, mounts (a KV v1 mount, a tuned mount, a remounted
 *   one), the keyring term and the root token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  initServer,
  rawRequest,
  removeTempDirs,
  requireBuiltCli,
  spawnServer,
  stopAllServers,
  unsealServer,
  type Api,
} from '../support/index.js';

beforeAll(() => {
  requireBuiltCli();
});

afterAll(async () => {
  await stopAllServers();
  removeTempDirs();
});

/** Retries a write while a freshly enabled KV v2 mount finishes its setup (bounded). */
async function putWhenReady(client: Api, path: string, body: unknown): Promise<void> {
  let last = 0;
  for (let i = 0; i < 100; i++) {
    const res = await client.put(path, body);
    last = res.status;
    if (res.status === 200 || res.status === 204) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`PUT ${path} never succeeded (last status ${last})`);
}

describe('kill -9 under write load', () => {
  const WRITERS = 8;
  const KILL_AFTER_ACKS = 300;
  const KEYS_PER_WRITER = 4;
  const MAX_ATTEMPTS_PER_WRITER = 400;

  interface Ack {
    key: string;
    version: number;
    value: string;
  }

  it('every acknowledged write survives, with its value and version number', async () => {
    const server = await spawnServer();
    const init = await initServer(server.address, 1, 1);
    await unsealServer(server.address, init.keys);
    const root = api(server.address, init.root_token);
    expect((await root.post('/v1/sys/mounts/secret', { type: 'kv-v2' })).status).toBe(204);
    // Keep every version so each acknowledged one stays readable.
    await putWhenReady(root, '/v1/secret/config', { max_versions: 1000 });

    const acks: Ack[] = [];
    let killed: Promise<void> | null = null;
    let failuresAfterKill = 0;
    const run = randomBytes(4).toString('hex');

    const writer = async (w: number): Promise<void> => {
      for (let n = 0; n < MAX_ATTEMPTS_PER_WRITER; n++) {
        const key = `crash/w${w}/k${n % KEYS_PER_WRITER}`;
        const value = `${run}-w${w}-n${n}-${randomBytes(6).toString('hex')}`;
        let res;
        try {
          res = await rawRequest(server.address, 'PUT', `/v1/secret/data/${key}`, {
            token: init.root_token,
            body: { data: { value, writer: w, n } },
            timeoutMs: 10_000,
          });
        } catch {
          // The server is gone (connection refused/reset): this writer is done.
          if (killed) failuresAfterKill++;
          return;
        }
        if (res.status === 200) {
          acks.push({ key, version: res.json.data.version as number, value });
          if (acks.length >= KILL_AFTER_ACKS && killed === null) killed = server.kill9();
        } else if (killed === null) {
          throw new Error(`unexpected status ${res.status} before the kill: ${res.text}`);
        }
      }
    };

    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    expect(killed).not.toBeNull();
    await killed;
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(acks.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // The kill landed while writers were still busy.
    expect(failuresAfterKill).toBeGreaterThan(0);

    // Versions acknowledged for one key are distinct.
    const seen = new Set(acks.map((a) => `${a.key}@${a.version}`));
    expect(seen.size).toBe(acks.length);

    await server.restart();
    const sealed = await rawRequest(server.address, 'GET', '/v1/sys/seal-status');
    expect(sealed.json).toMatchObject({ initialized: true, sealed: true });
    await unsealServer(server.address, init.keys);

    const lost: string[] = [];
    const maxVersion = new Map<string, number>();
    for (const ack of acks) maxVersion.set(ack.key, Math.max(maxVersion.get(ack.key) ?? 0, ack.version));
    for (let i = 0; i < acks.length; i += 16) {
      const batch = acks.slice(i, i + 16);
      const reads = await Promise.all(batch.map((ack) => root.get(`/v1/secret/data/${ack.key}?version=${ack.version}`)));
      batch.forEach((ack, j) => {
        const res = reads[j];
        if (res?.status !== 200 || res.json.data.data.value !== ack.value || res.json.data.metadata.version !== ack.version) {
          lost.push(`${ack.key}@${ack.version}: ${res?.status}`);
        }
      });
    }
    expect(lost, `acknowledged writes lost after kill -9 (${lost.length} of ${acks.length})`).toEqual([]);
    for (const [key, version] of maxVersion) {
      const meta = await root.get(`/v1/secret/metadata/${key}`);
      expect(meta.status).toBe(200);
      expect(meta.json.data.current_version).toBeGreaterThanOrEqual(version);
    }
    // And the server takes writes again.
    expect((await root.put('/v1/secret/data/crash/after', { data: { ok: 'yes' } })).status).toBe(200);
    await server.stop();
  });
});

describe('clean restart', () => {
  it('data, mounts (kv v1, tuned, remounted), keyring term and root token persist', async () => {
    const server = await spawnServer();
    const init = await initServer(server.address, 3, 2);
    await unsealServer(server.address, init.keys.slice(0, 2));
    const root = api(server.address, init.root_token);

    expect((await root.post('/v1/sys/mounts/legacy', { type: 'kv', description: 'v1 store' })).status).toBe(204);
    expect((await root.put('/v1/legacy/app/config', { user: 'u', ttl: '30m' })).status).toBe(204);

    expect((await root.post('/v1/sys/mounts/tuned', { type: 'kv-v2' })).status).toBe(204);
    expect((await root.post('/v1/sys/mounts/tuned/tune', { default_lease_ttl: '1h', max_lease_ttl: '2h', description: 'tuned mount' })).status).toBe(204);
    await putWhenReady(root, '/v1/tuned/data/db', { data: { password: 'p1' } });
    await root.put('/v1/tuned/data/db', { data: { password: 'p2' } });
    await root.put('/v1/tuned/metadata/db', { custom_metadata: { owner: 'team-a' }, max_versions: 7 });

    expect((await root.post('/v1/sys/mounts/before', { type: 'kv' })).status).toBe(204);
    await root.put('/v1/before/k', { moved: 'yes' });
    expect((await root.post('/v1/sys/remount', { from: 'before', to: 'after' })).status).toBe(200);

    expect((await root.put('/v1/sys/rotate')).status).toBe(204);
    const termBefore = (await root.get('/v1/sys/key-status')).json.data.term as number;
    const mountsBefore = (await root.get('/v1/sys/mounts')).json.data as Record<string, any>;

    expect(await server.stop()).toBe(0);
    await server.restart();
    expect((await rawRequest(server.address, 'GET', '/v1/sys/seal-status')).json).toMatchObject({ initialized: true, sealed: true, t: 2, n: 3 });
    await unsealServer(server.address, [init.keys[2] ?? '', init.keys[0] ?? '']);

    const mountsAfter = (await root.get('/v1/sys/mounts')).json.data as Record<string, any>;
    expect(Object.keys(mountsAfter).sort()).toEqual(Object.keys(mountsBefore).sort());
    for (const path of ['legacy/', 'tuned/', 'after/']) {
      expect(mountsAfter[path]).toEqual(mountsBefore[path]);
    }
    expect(mountsAfter).not.toHaveProperty('before/');
    expect(mountsAfter['legacy/']).toMatchObject({ type: 'kv', description: 'v1 store' });
    expect(mountsAfter['tuned/']).toMatchObject({ type: 'kv', description: 'tuned mount', options: { version: '2' } });
    expect((await root.get('/v1/sys/mounts/tuned/tune')).json.data).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 7200 });

    const legacy = await root.get('/v1/legacy/app/config');
    expect(legacy.json.data).toEqual({ user: 'u', ttl: '30m' });
    expect(legacy.json.lease_duration).toBe(1800);

    const tuned = await root.get('/v1/tuned/data/db');
    expect(tuned.json.data).toMatchObject({ data: { password: 'p2' }, metadata: { version: 2 } });
    expect((await root.get('/v1/tuned/data/db?version=1')).json.data.data).toEqual({ password: 'p1' });
    expect((await root.get('/v1/tuned/metadata/db')).json.data).toMatchObject({
      current_version: 2,
      max_versions: 7,
      custom_metadata: { owner: 'team-a' },
    });

    expect((await root.get('/v1/after/k')).json.data).toEqual({ moved: 'yes' });
    expect((await root.get('/v1/sys/key-status')).json.data.term).toBe(termBefore);

    // A second server on the same database file refuses to start, and the first is unharmed.
    await expect(spawnServer({ storage: { sqlite: server.dbPath } })).rejects.toThrow(/exited before it was ready[\s\S]*in use by another process/);
    expect((await root.get('/v1/tuned/data/db')).json.data.data).toEqual({ password: 'p2' });
    await server.stop();
  });
});
