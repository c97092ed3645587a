/**
 * Per-token private storage (Vault's cubbyhole). Every service token has a random
 * `cubbyhole_id` (unrelated to the token itself); everything it stores lives below
 * `<cubbyhole_id>/` in the store's storage view, each key holding one JSON map, like KV v1.
 *
 * Storage layout (keys relative to the view given to `createCubbyholeStore`, which in the
 * server is the `cubbyhole/` mount's view behind the barrier):
 *   <cubbyhole_id>/<path>     the JSON map written at `cubbyhole/<path>`
 * Response wrapping uses the same layout for a wrapping token's cubbyhole:
 *   <cubbyhole_id>/response   { "response": "<the wrapped envelope, as a JSON string>" }
 *   <cubbyhole_id>/wrapinfo   { "creation_ttl": <s>, "creation_time": "<RFC3339Nano>", "creation_path": "…" }
 * No key or value holds a token.
 */
import { InternalError, UserError } from '../../shared/errors.js';
import type { RevokeHook } from '../tokens/index.js';
import { decodeJson, encodeJson, type Storage, type StorageOp } from '../sdk/index.js';

export interface CubbyholeStore {
  /** The map stored at `path`, or null. */
  get(cubbyholeId: string, path: string): Promise<Record<string, unknown> | null>;
  exists(cubbyholeId: string, path: string): Promise<boolean>;
  put(cubbyholeId: string, path: string, data: Readonly<Record<string, unknown>>): Promise<void>;
  /** Writes several paths of one cubbyhole atomically. */
  putAll(cubbyholeId: string, entries: Readonly<Record<string, Readonly<Record<string, unknown>>>>): Promise<void>;
  delete(cubbyholeId: string, path: string): Promise<void>;
  /** Direct children of the folder `prefix` (`''` = the top): leaf names, and folders ending in `/`. */
  list(cubbyholeId: string, prefix: string): Promise<string[]>;
  /** Removes everything the cubbyhole holds (call it when its token is revoked). Idempotent. */
  destroy(cubbyholeId: string): Promise<void>;
}

/** Cubbyhole ids are the token store's `randomBase62(24)`; anything with a `/` or `.` would escape the prefix. */
const CUBBYHOLE_ID = /^[0-9A-Za-z_-]{1,128}$/;
const DELETE_BATCH = 500;

function prefixOf(cubbyholeId: string): string {
  // Not a UserError: an id comes from a token entry, never from a client.
  if (!CUBBYHOLE_ID.test(cubbyholeId)) throw new InternalError('invalid cubbyhole id');
  return `${cubbyholeId}/`;
}

function checkPath(path: string): void {
  if (path.startsWith('/') || path.split('/').includes('..')) throw new UserError('invalid path');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createCubbyholeStore(storage: Storage): CubbyholeStore {
  function keyOf(cubbyholeId: string, path: string): string {
    checkPath(path);
    if (path === '' || path.endsWith('/')) throw new UserError('missing path');
    return prefixOf(cubbyholeId) + path;
  }

  async function collect(prefix: string, out: string[]): Promise<void> {
    for (const entry of await storage.list(prefix)) {
      if (entry.endsWith('/')) await collect(prefix + entry, out);
      else out.push(prefix + entry);
    }
  }

  return {
    async get(cubbyholeId, path) {
      if (path === '' || path.endsWith('/')) return null;
      const bytes = await storage.get(keyOf(cubbyholeId, path));
      if (bytes === null) return null;
      const parsed = decodeJson<unknown>(bytes);
      return isPlainObject(parsed) ? parsed : {};
    },

    async exists(cubbyholeId, path) {
      if (path === '' || path.endsWith('/')) return false;
      return (await storage.get(keyOf(cubbyholeId, path))) !== null;
    },

    async put(cubbyholeId, path, data) {
      await storage.put(keyOf(cubbyholeId, path), encodeJson(data));
    },

    async putAll(cubbyholeId, entries) {
      const ops: StorageOp[] = Object.entries(entries).map(([path, data]) => ({
        op: 'put',
        key: keyOf(cubbyholeId, path),
        value: encodeJson(data),
      }));
      if (ops.length > 0) await storage.transaction(ops);
    },

    async delete(cubbyholeId, path) {
      if (path === '' || path.endsWith('/')) return;
      await storage.delete(keyOf(cubbyholeId, path));
    },

    async list(cubbyholeId, prefix) {
      checkPath(prefix);
      const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      return storage.list(prefixOf(cubbyholeId) + folder);
    },

    async destroy(cubbyholeId) {
      if (cubbyholeId === '') return; // batch tokens have no cubbyhole
      const keys: string[] = [];
      await collect(prefixOf(cubbyholeId), keys);
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        await storage.transaction(keys.slice(i, i + DELETE_BATCH).map((key) => ({ op: 'delete' as const, key })));
      }
    },
  };
}

/**
 * The token-store revocation hook that destroys a revoked token's cubbyhole:
 * `tokens.addRevokeHook(cubbyholeRevokeHook(cubbyholes))`.
 */
export function cubbyholeRevokeHook(store: CubbyholeStore): RevokeHook {
  return async (entry) => {
    if (entry.cubbyhole_id !== '') await store.destroy(entry.cubbyhole_id);
  };
}
