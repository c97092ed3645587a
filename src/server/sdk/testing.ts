/**
 * Test helpers for engines: a backend over an in-memory storage view, driven without HTTP
 * or the core (Vault's `TestBackendConfig` + `InmemStorage`).
 */
import { randomUUID } from 'node:crypto';
import { createBackend, type Backend, type BackendFactory, type SystemView } from './backend.js';
import { UserError } from '../../shared/errors.js';
import type { LogicalRequest, LogicalResponse, MountView, Operation, Storage, StorageOp } from './logical.js';

/** A Map-backed `Storage` with the real listing semantics (direct children, folders end in `/`). */
export class InmemStorage implements Storage {
  readonly entries = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | null> {
    const v = this.entries.get(key);
    return v === undefined ? null : new Uint8Array(v);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, new Uint8Array(value));
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }
  async transaction(ops: readonly StorageOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'put') this.entries.set(op.key, new Uint8Array(op.value));
      else this.entries.delete(op.key);
    }
  }
}

/** A system view with no password policies. */
export const noPolicySystem: SystemView = {
  async generatePasswordFromPolicy(name) {
    throw new UserError(`password policy "${name}" not found`);
  },
};

export interface TestBackend {
  backend: Backend;
  storage: InmemStorage;
  mount: MountView;
  /** Runs one request the way the core would: existence check for writes, then the handler. */
  request(
    operation: Operation | 'write',
    path: string,
    data?: Record<string, unknown>,
    extra?: Partial<Pick<LogicalRequest, 'headers' | 'contentType'>>,
  ): Promise<LogicalResponse | null>;
}

export async function createTestBackend(
  factory: BackendFactory,
  options: {
    type?: string;
    path?: string;
    options?: Record<string, string>;
    defaultLeaseTtl?: number;
    maxLeaseTtl?: number;
    storage?: InmemStorage;
    /** The mount's tuned config (`config()`), e.g. `{ user_lockout_config: {...} }`. */
    config?: Record<string, unknown>;
    /** Server services; by default no password policy exists. */
    system?: SystemView;
    /** The display name requests carry (default `token`). */
    displayName?: string;
  } = {},
): Promise<TestBackend> {
  const storage = options.storage ?? new InmemStorage();
  const mount: MountView = {
    path: options.path ?? 'test/',
    type: options.type ?? 'test',
    uuid: randomUUID(),
    accessor: `${options.type ?? 'test'}_12345678`,
    options: options.options ?? {},
    defaultLeaseTtl: () => options.defaultLeaseTtl ?? 2764800,
    maxLeaseTtl: () => options.maxLeaseTtl ?? 2764800,
    config: () => options.config ?? {},
  };
  const spec = await factory({ storage, mount, system: options.system ?? noPolicySystem });
  const backend = createBackend(spec);
  await spec.initialize?.();
  return {
    backend,
    storage,
    mount,
    async request(operation, path, data = {}, extra = {}) {
      const base: LogicalRequest = {
        id: randomUUID(),
        operation: operation === 'write' ? 'update' : operation,
        path,
        data,
        headers: extra.headers ?? {},
        remoteAddr: '127.0.0.1',
        storage,
        mount,
        displayName: options.displayName ?? 'token',
        ...(extra.contentType !== undefined ? { contentType: extra.contentType } : {}),
      };
      let req = base;
      if (operation === 'write' || operation === 'create' || operation === 'update') {
        const existence = await backend.existenceCheck(base);
        req = { ...base, operation: existence.checked && !existence.exists ? 'create' : 'update' };
      }
      return backend.handleRequest(req);
    },
  };
}
