/**
 * Test helpers for the token store and backend: a storage that counts writes, and a tiny
 * pipeline stand-in that resolves the caller's token, counts its use, supplies `callerOf`
 * and `callerHasSudo`, and revokes exhausted tokens after the request.
 */
import { randomUUID } from 'node:crypto';
import { PermissionDeniedError } from '../../shared/errors.js';
import { createBackend, type Backend, type LogicalRequest, type LogicalResponse, type MountView, type Operation, type StorageOp } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { tokenBackend, type TokenBackendDeps, type TokenCaller } from './paths.js';
import { createTokenStore, type TokenStore, type TokenStoreOptions } from './token-store.js';

/** InmemStorage that records every put (direct or in a transaction). */
export class CountingStorage extends InmemStorage {
  puts = 0;
  deletes = 0;
  readonly putKeys: string[] = [];

  override async put(key: string, value: Uint8Array): Promise<void> {
    this.puts++;
    this.putKeys.push(key);
    await super.put(key, value);
  }
  override async delete(key: string): Promise<void> {
    this.deletes++;
    await super.delete(key);
  }
  override async transaction(ops: readonly StorageOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'put') {
        this.puts++;
        this.putKeys.push(op.key);
      } else {
        this.deletes++;
      }
    }
    await super.transaction(ops);
  }
  /** Every key and value as text, for "is this secret anywhere" checks. */
  dump(): string {
    const parts: string[] = [];
    for (const [k, v] of this.entries) parts.push(k, Buffer.from(v).toString('utf8'), Buffer.from(v).toString('hex'));
    return parts.join('\n');
  }
}

export interface TokenHarness {
  storage: CountingStorage;
  store: TokenStore;
  backend: Backend;
  mount: MountView;
  rootToken: string;
  /** Policies that grant sudo on every path (besides root). */
  sudoPolicies: Set<string>;
  /** Runs one request as `token` (null = no token). */
  call(
    token: string | null,
    operation: Operation | 'write',
    path: string,
    data?: Record<string, unknown>,
    extra?: { remoteAddr?: string },
  ): Promise<LogicalResponse | null>;
}

export async function createTokenHarness(
  options: TokenStoreOptions & { deps?: Partial<TokenBackendDeps> } = {},
): Promise<TokenHarness> {
  const storage = new CountingStorage();
  const { deps: extraDeps, ...storeOptions } = options;
  const store = createTokenStore(storage, { batchKey: new Uint8Array(32).fill(7), ...storeOptions });
  const callers = new Map<string, TokenCaller>();
  const sudoPolicies = new Set<string>();
  const mount: MountView = {
    path: 'auth/token/',
    type: 'token',
    uuid: randomUUID(),
    accessor: 'auth_token_12345678',
    options: {},
    defaultLeaseTtl: () => 2764800,
    maxLeaseTtl: () => 2764800,
  };
  const backend = createBackend(
    tokenBackend(store, {
      callerOf: (id) => callers.get(id) ?? null,
      callerHasSudo: (id) => {
        const c = callers.get(id);
        return !!c && c.entry.policies.some((p) => p === 'root' || sudoPolicies.has(p));
      },
      tokenMountAccessor: () => mount.accessor,
      ...(options.now ? { now: options.now } : {}),
      ...extraDeps,
    }),
  );
  const rootToken = await store.createRootToken();

  return {
    storage,
    store,
    backend,
    mount,
    rootToken,
    sudoPolicies,
    async call(token, operation, path, data = {}, extra = {}) {
      const id = randomUUID();
      let used = null;
      if (token !== null) {
        const entry = await store.lookup(token, { remoteAddr: extra.remoteAddr ?? '127.0.0.1' });
        if (!entry) throw new PermissionDeniedError('permission denied', { details: ['invalid token'] });
        used = await store.useToken(entry);
        if (!used) throw new PermissionDeniedError('permission denied', { details: ['invalid token'] });
        callers.set(id, { token, entry: used });
      }
      const base: LogicalRequest = {
        id,
        operation: operation === 'write' ? 'update' : operation,
        path,
        data,
        headers: {},
        remoteAddr: extra.remoteAddr ?? '127.0.0.1',
        storage,
        mount,
      };
      let req = base;
      if (operation === 'write' || operation === 'update' || operation === 'create') {
        const existence = await backend.existenceCheck(base);
        req = { ...base, operation: existence.checked && !existence.exists ? 'create' : 'update' };
      }
      try {
        return await backend.handleRequest(req);
      } finally {
        callers.delete(id);
        if (used) await store.revokeIfExhausted(used);
      }
    },
  };
}
