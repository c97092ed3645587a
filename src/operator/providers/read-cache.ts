/**
 * Read deduplication across ExternalSecrets: N ExternalSecrets that read the same remote key
 * through the same store identity cost one provider read per refresh interval instead of N
 * (ESO makes one per object per interval; reference k8s-side.md §2, throttling at ~1,800
 * objects). Concurrent reads of one key share one in-flight request.
 *
 * Entries are keyed by (scope, read): the scope names the store *and* the identity it reads as
 * (a referent ClusterSecretStore reads as a different identity in each namespace, so those never
 * share). A caller accepts an entry no older than its own `maxAgeMs` (its refresh interval), so
 * no ExternalSecret sees data older than it would have under plain polling by more than one
 * interval; `maxAgeMs: 0` (a new ExternalSecret, a spec change, force-sync) always reads.
 * Change events invalidate entries by the canonical path they were read from.
 */
import type { FindSpec, PushRemoteRef, PushSecretData, RemoteRef, SecretsClient } from './types.js';

/** Where a cached read came from: an exact canonical path, or every path under a prefix. */
export interface ReadPaths {
  exact?: string;
  prefix?: string;
}

interface Entry {
  value: Promise<unknown>;
  loadedAt: number;
  paths: ReadPaths;
}

export interface ReadCacheStats {
  hits: number;
  loads: number;
  invalidations: number;
}

export interface ReadCacheOptions {
  /** Entries kept at most (oldest evicted first); default 50,000. */
  maxEntries?: number;
  now?: () => number;
}

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  readonly stats: ReadCacheStats = { hits: 0, loads: 0, invalidations: 0 };

  constructor(options: ReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `id` in `scope` if younger than `maxAgeMs`, else what `load` gives (shared while in flight). */
  read<T>(scope: string, id: string, paths: ReadPaths, maxAgeMs: number, load: () => Promise<T>): Promise<T> {
    const key = `${scope}\u0000${id}`;
    const entry = this.entries.get(key);
    if (entry !== undefined && maxAgeMs > 0 && this.now() - entry.loadedAt < maxAgeMs) {
      this.stats.hits++;
      return entry.value as Promise<T>;
    }
    this.stats.loads++;
    const value = load();
    const fresh: Entry = { value, loadedAt: this.now(), paths };
    this.entries.delete(key);
    this.entries.set(key, fresh);
    // Failures are not cached: the next reader tries again (and reports its own error).
    value.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return value;
  }

  /** Drops the entries of `scope` read from `path` (or from a prefix of it). Returns how many. */
  invalidatePath(scope: string, path: string): number {
    const head = `${scope}\u0000`;
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(head)) continue;
      if (entry.paths.exact === path || (entry.paths.prefix !== undefined && path.startsWith(entry.paths.prefix))) {
        this.entries.delete(key);
        dropped++;
      }
    }
    this.stats.invalidations += dropped;
    return dropped;
  }

  /** Drops every entry of `scope` (a lost event stream: anything may have changed). */
  invalidateScope(scope: string): number {
    const head = `${scope}\u0000`;
    let dropped = 0;
    for (const key of this.entries.keys()) {
      if (key.startsWith(head)) {
        this.entries.delete(key);
        dropped++;
      }
    }
    this.stats.invalidations += dropped;
    return dropped;
  }
}

/** Canonical path of a remote key, as change events name it (see `SecretsClient.canonicalPath`). */
function pathsOf(client: SecretsClient, key: string | undefined, prefix: boolean): ReadPaths {
  if (client.canonicalPath === undefined) return {};
  const path = client.canonicalPath(key ?? '');
  return prefix ? { prefix: path } : { exact: path };
}

const refId = (ref: RemoteRef): string => JSON.stringify([ref.key, ref.property ?? '', ref.version ?? '', ref.metadataPolicy ?? 'None']);

/**
 * `client` with its reads going through `cache` under `scope`. `onRead` learns every canonical
 * path read (what the controller indexes to requeue the right ExternalSecrets on an event).
 */
export function cachingClient(
  client: SecretsClient,
  cache: ReadCache,
  scope: string,
  maxAgeMs: number,
  onRead: (paths: ReadPaths) => void = () => undefined,
): SecretsClient {
  const readThrough = <T>(id: string, paths: ReadPaths, load: () => Promise<T>): Promise<T> => {
    onRead(paths);
    return cache.read(scope, id, paths, maxAgeMs, load);
  };
  const invalidating = async (ref: PushRemoteRef, write: () => Promise<void>): Promise<void> => {
    await write();
    const paths = pathsOf(client, ref.remoteKey, false);
    if (paths.exact !== undefined) cache.invalidatePath(scope, paths.exact);
    else cache.invalidateScope(scope);
  };
  const wrapped: SecretsClient = {
    getSecret: (ref, signal) => readThrough(`secret:${refId(ref)}`, pathsOf(client, ref.key, false), () => client.getSecret(ref, signal)),
    getSecretMap: (ref, signal) => readThrough(`map:${refId(ref)}`, pathsOf(client, ref.key, false), () => client.getSecretMap(ref, signal)),
    getAllSecrets: (find: FindSpec, signal) =>
      readThrough(`find:${JSON.stringify([find.path ?? '', find.name?.regexp ?? '', Object.entries(find.tags ?? {}).sort()])}`, pathsOf(client, find.path, true), () =>
        client.getAllSecrets(find, signal),
      ),
    validate: () => client.validate(),
    close: () => client.close(),
  };
  if (client.canonicalPath !== undefined) wrapped.canonicalPath = client.canonicalPath.bind(client);
  if (client.pushSecret !== undefined) {
    const push = client.pushSecret.bind(client);
    wrapped.pushSecret = (secret: { data: Record<string, Uint8Array> }, data: PushSecretData, signal?: AbortSignal) => invalidating(data.remoteRef, () => push(secret, data, signal));
  }
  if (client.deleteSecret !== undefined) {
    const del = client.deleteSecret.bind(client);
    wrapped.deleteSecret = (ref: PushRemoteRef, signal?: AbortSignal) => invalidating(ref, () => del(ref, signal));
  }
  if (client.secretExists !== undefined) wrapped.secretExists = client.secretExists.bind(client);
  return wrapped;
}
