import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { createBackend, decodeJson, encodeJson, listRecursive, type LogicalRequest } from '../../sdk/index.js';
import { InmemStorage, noPolicySystem } from '../../sdk/testing.js';
import { UPGRADING_MESSAGE, createKvFactory } from './index.js';
import { readUpgradeMarker } from './upgrade.js';
import { UPGRADE_KEY, V2_PREFIX } from './version-store.js';
import { FaultyStorage, ManualClock, dataOf, expectUserError, v1Backend, v2Backend } from './testing.js';

const V1_DATA: Record<string, Record<string, unknown>> = {
  top: { a: '1' },
  'app/db': { user: 'u', password: 'p', ttl: '1h' },
  'app/nested/deep': { n: 1, list: [1, 2], obj: { x: true } },
  app: { sibling: 'of the folder' },
};

async function seedV1(storage: InmemStorage): Promise<void> {
  const v1 = await v1Backend({ storage });
  for (const [path, data] of Object.entries(V1_DATA)) await v1.request('write', path, data);
}

describe('upgrade from KV v1', () => {
  it('turns every v1 key into version 1 of a v2 key and removes the raw entries', async () => {
    const storage = new InmemStorage();
    await seedV1(storage);
    const clock = new ManualClock();
    const kv = await v2Backend({ storage, clock });
    for (const [path, data] of Object.entries(V1_DATA)) {
      expect(await kv.request('read', `data/${path}`)).toEqual({
        data: {
          data,
          metadata: {
            created_time: '2024-01-01T00:00:00.123Z',
            custom_metadata: null,
            deletion_time: '',
            destroyed: false,
            version: 1,
          },
        },
      });
      expect(dataOf(await kv.request('read', `metadata/${path}`))).toMatchObject({ current_version: 1, oldest_version: 1 });
    }
    // Only v2 bookkeeping remains.
    const keys = await listRecursive(storage, '');
    expect(keys.every((k) => k.startsWith(V2_PREFIX))).toBe(true);
    expect(await readUpgradeMarker(storage)).toEqual({ started_time: clock.t, done: true });
    expect(dataOf(await kv.request('list', 'metadata/'))).toEqual({ keys: ['app', 'app/', 'top'] });
    expect(dataOf(await kv.request('list', 'metadata/app/'))).toEqual({ keys: ['db', 'nested/'] });
    // The upgraded keys behave like any v2 key.
    expect(dataOf(await kv.request('write', 'data/top', { data: { a: '2' }, options: { cas: 1 } }))['version']).toBe(2);
  });

  it('a new v2 mount records the upgrade as done and never scans again', async () => {
    const storage = new InmemStorage();
    await v2Backend({ storage });
    expect((await readUpgradeMarker(storage))?.done).toBe(true);
    // A raw root entry appearing later is not v1 data to convert.
    await storage.put('stray', encodeJson({ a: 1 }));
    const again = await v2Backend({ storage });
    expect(await again.request('read', 'data/stray')).toBeNull();
    expect(await storage.get('stray')).not.toBeNull();
  });

  it('resumes after a crash halfway and loses nothing', async () => {
    const storage = new FaultyStorage();
    await seedV1(storage);
    storage.failAfter = 2; // two keys convert, then storage "crashes"
    const factory = createKvFactory({ now: new ManualClock().now });
    const mount = { path: 'secret/', type: 'kv', uuid: 'u', accessor: 'kv_1', options: { version: '2' } } as const;
    const view = { ...mount, defaultLeaseTtl: () => 60, maxLeaseTtl: () => 60, config: () => ({}) };
    const spec = await factory({ storage, mount: view, system: noPolicySystem });
    await expect(spec.initialize?.()).rejects.toThrow('storage unavailable');
    // Half done: the marker says so, some keys are still raw v1 entries.
    expect((await readUpgradeMarker(storage))?.done).toBe(false);
    const rootLeft = (await listRecursive(storage, '')).filter((k) => !k.startsWith(V2_PREFIX));
    expect(rootLeft).toHaveLength(Object.keys(V1_DATA).length - 2);
    // The failed instance keeps refusing requests rather than serving half-converted data.
    const backend = createBackend(spec);
    const req: LogicalRequest = {
      id: '1',
      operation: 'read',
      path: 'data/top',
      data: {},
      headers: {},
      remoteAddr: '',
      storage,
      mount: view,
    };
    await expectUserError(backend.handleRequest(req), UPGRADING_MESSAGE);

    // Restart: the next initialisation finishes the job.
    storage.failAfter = null;
    const kv = await v2Backend({ storage });
    for (const [path, data] of Object.entries(V1_DATA)) {
      const read = dataOf(await kv.request('read', `data/${path}`));
      expect(read['data']).toEqual(data);
      expect(read['metadata']).toMatchObject({ version: 1 });
    }
    expect((await readUpgradeMarker(storage))?.done).toBe(true);
    expect((await listRecursive(storage, '')).every((k) => k.startsWith(V2_PREFIX))).toBe(true);
  });

  it('answers "Upgrading…" (400) while the conversion runs, then serves', async () => {
    const storage = new FaultyStorage();
    await seedV1(storage);
    let open!: () => void;
    storage.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const factory = createKvFactory();
    const view = {
      path: 'secret/',
      type: 'kv',
      uuid: 'u',
      accessor: 'kv_1',
      options: { version: '2' },
      defaultLeaseTtl: () => 60,
      maxLeaseTtl: () => 60,
    };
    const spec = await factory({ storage, mount: view, system: noPolicySystem });
    const backend = createBackend(spec);
    const init = spec.initialize?.();
    const req = (operation: LogicalRequest['operation'], path: string, data: Record<string, unknown> = {}): LogicalRequest => ({
      id: '1',
      operation,
      path,
      data,
      headers: {},
      remoteAddr: '',
      storage,
      mount: view,
    });
    for (const [op, path, data] of [
      ['read', 'data/top', {}],
      ['update', 'data/top', { data: { a: 1 } }],
      ['read', 'metadata/top', {}],
      ['list', 'metadata/', {}],
      ['read', 'config', {}],
      ['read', 'subkeys/top', {}],
      ['update', 'destroy/top', { versions: [1] }],
    ] as const) {
      const err = await backend.handleRequest(req(op, path, data)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(UPGRADING_MESSAGE);
    }
    open();
    await init;
    expect(dataOf(await backend.handleRequest(req('read', 'data/top')))['data']).toEqual({ a: '1' });
  });

  it('leaves entries that are not JSON maps in place', async () => {
    const storage = new InmemStorage();
    await seedV1(storage);
    await storage.put('garbage', new TextEncoder().encode('not json'));
    await storage.put('scalar', encodeJson(42));
    const kv = await v2Backend({ storage });
    expect(await storage.get('garbage')).not.toBeNull();
    expect(await storage.get('scalar')).not.toBeNull();
    expect(await kv.request('read', 'data/garbage')).toBeNull();
    expect(dataOf(await kv.request('read', 'data/top'))['data']).toEqual({ a: '1' });
    expect(decodeJson<{ done: boolean }>((await storage.get(UPGRADE_KEY)) ?? new Uint8Array()).done).toBe(true);
  });

  it('adds the v1 value as the newest version if v2 data already exists for the path', async () => {
    const storage = new InmemStorage();
    const kv = await v2Backend({ storage });
    await kv.request('write', 'data/top', { data: { from: 'v2' } });
    // Simulate an interrupted upgrade that still finds a raw entry for an existing v2 key.
    await storage.put(UPGRADE_KEY, encodeJson({ started_time: 0, done: false }));
    await storage.put('top', encodeJson({ from: 'v1' }));
    const again = await v2Backend({ storage });
    expect(dataOf(await again.request('read', 'data/top', { version: 1 }))['data']).toEqual({ from: 'v2' });
    expect(dataOf(await again.request('read', 'data/top'))['data']).toEqual({ from: 'v1' });
    expect(await storage.get('top')).toBeNull();
  });
});
