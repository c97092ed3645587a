import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBackend, type LogicalRequest, type LogicalResponse, type MountView, type Operation } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { createTokenStore, type TokenEntry, type TokenStore } from '../tokens/index.js';
import {
  BATCH_TOKEN_CUBBYHOLE_ERROR,
  CUBBYHOLE_RESPONSE_DEPRECATION,
  createCubbyholeStore,
  cubbyholeBackend,
  cubbyholeRevokeHook,
  type CubbyholeStore,
} from './index.js';

const mount: MountView = {
  path: 'cubbyhole/',
  type: 'cubbyhole',
  uuid: randomUUID(),
  accessor: 'cubbyhole_12345678',
  options: {},
  defaultLeaseTtl: () => 2764800,
  maxLeaseTtl: () => 2764800,
    config: () => ({}),
};

interface Setup {
  tokens: TokenStore;
  storage: InmemStorage;
  tokenStorage: InmemStorage;
  store: CubbyholeStore;
  token(extra?: { type?: 'service' | 'batch'; parent?: TokenEntry; policies?: string[] }): Promise<{ token: string; entry: TokenEntry }>;
  /** Runs a request as `caller` (null = none), the way the pipeline does: existence check, then the handler. */
  call(
    caller: { token: string; entry: TokenEntry } | null,
    op: Operation | 'write',
    path: string,
    data?: Record<string, unknown>,
  ): Promise<LogicalResponse | null>;
}

function setup(): Setup {
  const tokenStorage = new InmemStorage();
  const storage = new InmemStorage();
  const tokens = createTokenStore(tokenStorage, { batchKey: new Uint8Array(32).fill(3) });
  const store = createCubbyholeStore(storage);
  tokens.addRevokeHook(cubbyholeRevokeHook(store));
  const callers = new Map<string, { token: string; entry: TokenEntry }>();
  const backend = createBackend(cubbyholeBackend(store, { callerOf: (id) => callers.get(id) ?? null }));
  return {
    tokens,
    storage,
    tokenStorage,
    store,
    async token(extra = {}) {
      const created = await tokens.createToken({
        policies: extra.policies ?? ['default'],
        parent: extra.parent ?? null,
        orphan: extra.parent === undefined,
        path: 'auth/token/create',
        displayName: 'token',
        ...(extra.type ? { type: extra.type } : {}),
      });
      return { token: created.token, entry: created.entry };
    },
    async call(caller, op, path, data = {}) {
      const id = randomUUID();
      if (caller) callers.set(id, caller);
      try {
        let req: LogicalRequest = {
          id,
          operation: op === 'write' ? 'update' : op,
          path,
          data,
          headers: {},
          remoteAddr: '127.0.0.1',
          storage: new InmemStorage(), // the backend must not use the request's storage
          mount,
        };
        if (req.operation === 'update') {
          const existence = await backend.existenceCheck(req);
          if (existence.checked && !existence.exists) req = { ...req, operation: 'create' };
        }
        return await backend.handleRequest(req);
      } finally {
        callers.delete(id);
      }
    },
  };
}

describe('cubbyhole store', () => {
  it('keeps each cubbyhole below its id and lists direct children', async () => {
    const storage = new InmemStorage();
    const store = createCubbyholeStore(storage);
    await store.put('abc', 'app/db', { password: 'p1' });
    await store.put('abc', 'app/api/key', { k: 'v' });
    await store.put('abc', 'top', { a: 1 });
    await store.put('xyz', 'top', { b: 2 });
    expect([...storage.entries.keys()].sort()).toEqual(['abc/app/api/key', 'abc/app/db', 'abc/top', 'xyz/top']);
    expect(await store.get('abc', 'app/db')).toEqual({ password: 'p1' });
    expect(await store.get('xyz', 'app/db')).toBeNull();
    expect(await store.list('abc', '')).toEqual(['app/', 'top']);
    expect(await store.list('abc', 'app')).toEqual(['api/', 'db']);
    expect(await store.list('abc', 'app/')).toEqual(['api/', 'db']);
    expect(await store.exists('abc', 'top')).toBe(true);
    await store.delete('abc', 'top');
    expect(await store.exists('abc', 'top')).toBe(false);
    await store.destroy('abc');
    expect([...storage.entries.keys()]).toEqual(['xyz/top']);
    await store.destroy('abc'); // idempotent
    await store.destroy(''); // batch tokens: nothing to do
  });

  it('writes several paths atomically with putAll', async () => {
    const storage = new InmemStorage();
    const store = createCubbyholeStore(storage);
    await store.putAll('abc', { response: { response: '{}' }, wrapinfo: { creation_ttl: 60 } });
    expect([...storage.entries.keys()].sort()).toEqual(['abc/response', 'abc/wrapinfo']);
  });

  it('refuses ids and paths that could leave the cubbyhole', async () => {
    const store = createCubbyholeStore(new InmemStorage());
    await expect(store.put('a/b', 'x', { a: 1 })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(store.put('..', 'x', { a: 1 })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(store.put('abc', '../xyz/secret', { a: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    await expect(store.get('abc', 'a/../../xyz/top')).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    await expect(store.list('abc', '/x')).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
  });
});

describe('cubbyhole backend', () => {
  it('isolates tokens from each other, root included', async () => {
    const s = setup();
    const alice = await s.token();
    const bob = await s.token();
    const root = await s.token({ policies: ['root'], parent: (await s.tokens.lookup(await s.tokens.createRootToken())) as TokenEntry });
    await s.call(alice, 'write', 'secret', { value: 'alice-secret' });
    await s.call(bob, 'write', 'secret', { value: 'bob-secret' });
    expect((await s.call(alice, 'read', 'secret'))?.data).toEqual({ value: 'alice-secret' });
    expect((await s.call(bob, 'read', 'secret'))?.data).toEqual({ value: 'bob-secret' });
    expect(await s.call(root, 'read', 'secret')).toBeNull();
    expect(await s.call(root, 'list', '')).toEqual({ data: {} });
    // Storage is keyed by the random cubbyhole ids, never by the token.
    const keys = [...s.storage.entries.keys()].sort();
    expect(keys).toEqual([`${alice.entry.cubbyhole_id}/secret`, `${bob.entry.cubbyhole_id}/secret`].sort());
    for (const k of keys) {
      expect(k).not.toContain(alice.token);
      expect(k).not.toContain(bob.token);
    }
    expect(alice.entry.cubbyhole_id).not.toBe(bob.entry.cubbyhole_id);
  });

  it('reads, writes, lists and deletes like KV v1, without a lease duration', async () => {
    const s = setup();
    const t = await s.token();
    expect(await s.call(t, 'write', 'app/db', { user: 'u', password: 'p', ttl: '1h' })).toBeNull();
    await s.call(t, 'write', 'app/api/key', { k: 'v' });
    const read = await s.call(t, 'read', 'app/db');
    expect(read).toEqual({ data: { user: 'u', password: 'p', ttl: '1h' } });
    expect(read?.leaseDuration).toBeUndefined();
    expect((await s.call(t, 'list', 'app/'))?.data).toEqual({ keys: ['api/', 'db'] });
    expect((await s.call(t, 'list', ''))?.data).toEqual({ keys: ['app/'] });
    // Overwrite replaces the whole map.
    await s.call(t, 'write', 'app/db', { user: 'u2' });
    expect((await s.call(t, 'read', 'app/db'))?.data).toEqual({ user: 'u2' });
    expect(await s.call(t, 'delete', 'app/db')).toBeNull();
    expect(await s.call(t, 'read', 'app/db')).toBeNull();
    expect(await s.call(t, 'read', 'nothing')).toBeNull();
    expect((await s.call(t, 'list', 'nothing/'))?.data).toEqual({});
  });

  it('rejects writes without data', async () => {
    const s = setup();
    const t = await s.token();
    await expect(s.call(t, 'write', 'x', {})).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'missing data fields' });
  });

  it('has no cubbyhole for batch tokens or callers without a token', async () => {
    const s = setup();
    const batch = await s.token({ type: 'batch' });
    expect(batch.entry.cubbyhole_id).toBe('');
    await expect(s.call(batch, 'write', 'x', { a: 1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: BATCH_TOKEN_CUBBYHOLE_ERROR,
    });
    await expect(s.call(batch, 'read', 'x')).rejects.toThrow(BATCH_TOKEN_CUBBYHOLE_ERROR);
    await expect(s.call(batch, 'list', '')).rejects.toThrow(BATCH_TOKEN_CUBBYHOLE_ERROR);
    await expect(s.call(null, 'read', 'x')).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
    expect(s.storage.entries.size).toBe(0);
  });

  it('tells the existence check whether the caller has the key (create vs update)', async () => {
    const s = setup();
    const t = await s.token();
    const other = await s.token();
    await s.call(t, 'write', 'k', { a: 1 });
    const backend = createBackend(cubbyholeBackend(s.store, { callerOf: () => t }));
    const base: LogicalRequest = {
      id: 'r1',
      operation: 'update',
      path: 'k',
      data: { a: 2 },
      headers: {},
      remoteAddr: '127.0.0.1',
      storage: new InmemStorage(),
      mount,
    };
    expect(await backend.existenceCheck(base)).toEqual({ checked: true, exists: true });
    const forOther = createBackend(cubbyholeBackend(s.store, { callerOf: () => other }));
    expect(await forOther.existenceCheck(base)).toEqual({ checked: true, exists: false });
  });

  it("warns a wrapping token that reads cubbyhole/response the old way", async () => {
    const s = setup();
    const wrapping = await s.token({ policies: ['response-wrapping'] });
    await s.store.put(wrapping.entry.cubbyhole_id, 'response', { response: '{"data":{}}' });
    const resp = await s.call(wrapping, 'read', 'response');
    expect(resp?.data).toEqual({ response: '{"data":{}}' });
    expect(resp?.warnings).toEqual([CUBBYHOLE_RESPONSE_DEPRECATION]);
  });

  it('destroys a cubbyhole when its token is revoked (revoke hook), children included', async () => {
    const s = setup();
    const parent = await s.token();
    const child = await s.token({ parent: parent.entry });
    const bystander = await s.token();
    await s.call(parent, 'write', 'a/b/c', { v: 1 });
    await s.call(parent, 'write', 'top', { v: 2 });
    await s.call(child, 'write', 'x', { v: 3 });
    await s.call(bystander, 'write', 'y', { v: 4 });
    expect(s.storage.entries.size).toBe(4);
    await s.tokens.revokeTree(parent.entry);
    expect([...s.storage.entries.keys()]).toEqual([`${bystander.entry.cubbyhole_id}/y`]);
    expect(await s.tokens.lookup(child.token)).toBeNull();
  });
});
