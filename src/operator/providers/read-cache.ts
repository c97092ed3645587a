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
  scope: string;
  /** Known once the client that loads the entry exists (it computes the canonical path). */
  paths: ReadPaths | undefined;
}

/** A scope's entries by how an event finds them: by exact path, or by a scan of the few others. */
interface ScopeIndex {
  all: Set<string>;
  exact: Map<string, Set<string>>;
  /** Entries still loading (path unknown) and prefix reads (`find`): scanned on every event. */
  scanned: Set<string>;
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
  /** By `scope \0 id`, in insertion order (eviction drops the oldest). */
  private readonly entries = new Map<string, Entry>();
  private readonly scopes = new Map<string, ScopeIndex>();
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

  /**
   * The cached value of `id` in `scope` if younger than `maxAgeMs`, else what `load` gives
   * (shared while in flight), with the paths it was read from.
   */
  async read<T>(scope: string, id: string, maxAgeMs: number, load: () => Promise<{ value: T; paths: ReadPaths }>): Promise<{ value: T; paths: ReadPaths }> {
    const key = `${scope}\u0000${id}`;
    const entry = this.entries.get(key);
    if (entry !== undefined && maxAgeMs > 0 && this.now() - entry.loadedAt < maxAgeMs) {
      this.stats.hits++;
      return entry.value as Promise<{ value: T; paths: ReadPaths }>;
    }
    this.stats.loads++;
    const fresh: Entry = { value: Promise.resolve(), loadedAt: this.now(), scope, paths: undefined };
    const value = load().then((result) => {
      if (this.entries.get(key) === fresh) {
        // Loaded: index it under its exact path (prefix reads stay in the scanned set).
        const idx = this.scopes.get(scope);
        if (idx !== undefined && result.paths.prefix === undefined) {
          idx.scanned.delete(key);
          if (result.paths.exact !== undefined) addTo(idx.exact, result.paths.exact, key);
        }
      }
      fresh.paths = result.paths;
      return result;
    });
    fresh.value = value;
    this.remove(key);
    this.entries.set(key, fresh);
    const idx = this.scopeIndex(scope);
    idx.all.add(key);
    idx.scanned.add(key);
    // Failures are not cached: the next reader tries again (and reports its own error).
    value.catch(() => {
      if (this.entries.get(key) === fresh) this.remove(key);
    });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.remove(oldest.value);
    }
    return value;
  }

  /** Drops the entries of `scope` read from `path` (or from a prefix of it). Returns how many. */
  invalidatePath(scope: string, path: string): number {
    const idx = this.scopes.get(scope);
    if (idx === undefined) return 0;
    const doomed = new Set(idx.exact.get(path) ?? []);
    for (const key of idx.scanned) {
      // An entry still loading may be reading the old value: drop it too.
      const p = this.entries.get(key)?.paths;
      if (p === undefined || p.exact === path || (p.prefix !== undefined && path.startsWith(p.prefix))) doomed.add(key);
    }
    for (const key of doomed) this.remove(key);
    this.stats.invalidations += doomed.size;
    return doomed.size;
  }

  /** Drops every entry of `scope` (a lost event stream: anything may have changed). */
  invalidateScope(scope: string): number {
    const idx = this.scopes.get(scope);
    if (idx === undefined) return 0;
    const keys = [...idx.all];
    for (const key of keys) this.remove(key);
    this.stats.invalidations += keys.length;
    return keys.length;
  }

  private scopeIndex(scope: string): ScopeIndex {
    let idx = this.scopes.get(scope);
    if (idx === undefined) {
      idx = { all: new Set(), exact: new Map(), scanned: new Set() };
      this.scopes.set(scope, idx);
    }
    return idx;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    const idx = this.scopes.get(entry.scope);
    if (idx === undefined) return;
    idx.all.delete(key);
    idx.scanned.delete(key);
    const exact = entry.paths?.exact;
    if (exact !== undefined) {
      const set = idx.exact.get(exact);
      set?.delete(key);
      if (set?.size === 0) idx.exact.delete(exact);
    }
    if (idx.all.size === 0) this.scopes.delete(entry.scope);
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

/** Canonical path of a remote key, as change events name it (see `SecretsClient.canonicalPath`). */
function pathsOf(client: SecretsClient, key: string | undefined, prefix: boolean): ReadPaths {
  if (client.canonicalPath === undefined) return {};
  const path = client.canonicalPath(key ?? '');
  return prefix ? { prefix: path } : { exact: path };
}

const refId = (ref: RemoteRef): string => JSON.stringify([ref.key, ref.property ?? '', ref.version ?? '', ref.metadataPolicy ?? 'None']);

/**
 * A client whose reads go through `cache` under `scope`, making the real client (`connect`,
 * called at most once) only when a read misses — a cache hit costs no login, CA lookup or
 * connection. `onRead` learns the canonical path of every read (what the controller indexes to
 * requeue the right ExternalSecrets on an event).
 */
export function cachingClient(
  connect: () => Promise<SecretsClient>,
  cache: ReadCache,
  scope: string,
  maxAgeMs: number,
  onRead: (paths: ReadPaths) => void = () => undefined,
): SecretsClient {
  let client: Promise<SecretsClient> | undefined;
  const real = (): Promise<SecretsClient> => (client ??= connect());
  const readThrough = async <T>(id: string, key: string | undefined, prefix: boolean, load: (c: SecretsClient) => Promise<T>): Promise<T> => {
    const { value, paths } = await cache.read(scope, id, maxAgeMs, async () => {
      const c = await real();
      return { value: await load(c), paths: pathsOf(c, key, prefix) };
    });
    onRead(paths);
    return value;
  };
  const writer = async (ref: PushRemoteRef, write: (c: SecretsClient) => Promise<void>): Promise<void> => {
    const c = await real();
    await write(c);
    const paths = pathsOf(c, ref.remoteKey, false);
    if (paths.exact !== undefined) cache.invalidatePath(scope, paths.exact);
    else cache.invalidateScope(scope);
  };
  const unsupported = (what: string): Error => new Error(`the provider does not support ${what}`);
  return {
    getSecret: (ref, signal) => readThrough(`secret:${refId(ref)}`, ref.key, false, (c) => c.getSecret(ref, signal)),
    getSecretMap: (ref, signal) => readThrough(`map:${refId(ref)}`, ref.key, false, (c) => c.getSecretMap(ref, signal)),
    getAllSecrets: (find: FindSpec, signal) =>
      readThrough(`find:${JSON.stringify([find.path ?? '', find.name?.regexp ?? '', Object.entries(find.tags ?? {}).sort()])}`, find.path, true, (c) => c.getAllSecrets(find, signal)),
    validate: async () => (await real()).validate(),
    close: async () => {
      if (client !== undefined) await (await client.catch(() => undefined))?.close();
    },
    pushSecret: (secret: { data: Record<string, Uint8Array> }, data: PushSecretData, signal?: AbortSignal) =>
      writer(data.remoteRef, (c) => (c.pushSecret !== undefined ? c.pushSecret(secret, data, signal) : Promise.reject(unsupported('pushing secrets')))),
    deleteSecret: (ref: PushRemoteRef, signal?: AbortSignal) => writer(ref, (c) => (c.deleteSecret !== undefined ? c.deleteSecret(ref, signal) : Promise.reject(unsupported('deleting secrets')))),
    secretExists: async (ref: PushRemoteRef, signal?: AbortSignal) => {
      const c = await real();
      if (c.secretExists === undefined) throw unsupported('checking whether a secret exists');
      return c.secretExists(ref, signal);
    },
  };
}
