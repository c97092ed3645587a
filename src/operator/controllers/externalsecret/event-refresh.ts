/**
 * Event-driven refresh and read deduplication for the ExternalSecret controller (issue 7):
 *
 * - reads go through one `ReadCache` per controller, scoped by store identity, so N
 *   ExternalSecrets on one key cost one provider read per refresh interval;
 * - every successful sync records which canonical paths it read (`DependencyIndex`), and the
 *   store's change feed (one subscription per store scope, `ChangeFeeds`) turns "path P changed"
 *   into: drop P from the cache, mark exactly the ExternalSecrets that read P as changed, requeue
 *   them. A changed ExternalSecret refreshes at once even if its interval has not elapsed;
 * - a feed that comes back after a gap triggers a catch-up of every ExternalSecret of its scope;
 *   a store without events (a plain Vault) keeps polling at `refreshInterval`, exactly as ESO.
 *
 * The work queue collapses repeated adds of a queued key, so a burst of writes costs at most
 * one reconcile per affected ExternalSecret.
 */
import type { Logger } from '../../../shared/logger.js';
import { ReadCache, cachingClient, type ReadPaths } from '../../providers/read-cache.js';
import type { SecretsClient } from '../../providers/types.js';
import { ChangeFeeds, type Subscribe } from './change-feeds.js';
import { DependencyIndex } from './dependency-index.js';

export interface EventRefreshOptions {
  /** Queues an ExternalSecret (`namespace/name`) for reconcile. */
  requeue(key: string): void;
  logger: Logger;
  cache?: ReadCache;
}

/** What one reconcile read, per scope, and how to subscribe to each scope's changes. */
export class ReadRecorder {
  readonly reads = new Map<string, ReadPaths[]>();
  readonly subscribers = new Map<string, Subscribe>();

  record(scope: string, paths: ReadPaths): void {
    let list = this.reads.get(scope);
    if (list === undefined) {
      list = [];
      this.reads.set(scope, list);
    }
    if (!list.some((p) => p.exact === paths.exact && p.prefix === paths.prefix)) list.push(paths);
  }
}

export class EventRefresh {
  readonly cache: ReadCache;
  readonly index = new DependencyIndex();
  readonly feeds: ChangeFeeds;
  /** ExternalSecrets told of a change that have not refreshed yet. */
  private readonly changed = new Set<string>();
  private eventsSeen = 0;

  constructor(private readonly options: EventRefreshOptions) {
    this.cache = options.cache ?? new ReadCache();
    this.feeds = new ChangeFeeds({
      logger: options.logger,
      onChange: (scope, path) => {
        this.eventsSeen++;
        this.cache.invalidatePath(scope, path);
        for (const key of this.index.affected(scope, path)) this.mark(key);
      },
      onResync: (scope) => {
        this.cache.invalidateScope(scope);
        for (const key of this.index.members(scope)) this.mark(key);
      },
    });
  }

  /** Events received (for metrics and the benchmark). */
  get events(): number {
    return this.eventsSeen;
  }

  /**
   * The cache scope of a store as seen from `namespace`: a ClusterSecretStore may log in as a
   * different identity per namespace (referent auth), so its reads are never shared across
   * namespaces. The generation makes a store edit start a fresh scope.
   */
  static scopeOf(store: { kind?: string; metadata: { name: string; namespace?: string; generation?: number } }, namespace: string): string {
    const cluster = store.kind === 'ClusterSecretStore';
    return `${cluster ? 'ClusterSecretStore' : 'SecretStore'}/${cluster ? '' : (store.metadata.namespace ?? '')}/${store.metadata.name}@${store.metadata.generation ?? 0}${cluster ? `|${namespace}` : ''}`;
  }

  /** Whether `key` was told of a change since its last refresh (and forget it). */
  takeChanged(key: string): boolean {
    return this.changed.delete(key);
  }

  /** A client for one reconcile: reads through the cache, `connect` only on a miss. */
  client(scope: string, maxAgeMs: number, connect: () => Promise<SecretsClient>, recorder: ReadRecorder, subscribe: Subscribe | undefined): SecretsClient {
    if (subscribe !== undefined) recorder.subscribers.set(scope, subscribe);
    return cachingClient(connect, this.cache, scope, maxAgeMs, (paths) => recorder.record(scope, paths));
  }

  /** After a successful sync: index what `key` read and keep its scopes' feeds running. */
  synced(key: string, recorder: ReadRecorder): void {
    this.index.set(key, recorder.reads);
    for (const [scope, subscribe] of recorder.subscribers) if (recorder.reads.has(scope)) this.feeds.ensure(scope, subscribe);
    this.pruneFeeds();
  }

  /** The ExternalSecret is gone. */
  forget(key: string): void {
    this.changed.delete(key);
    this.index.delete(key);
    this.pruneFeeds();
  }

  close(): void {
    this.feeds.close();
  }

  private mark(key: string): void {
    this.changed.add(key);
    this.options.requeue(key);
  }

  /** Stops the feeds no ExternalSecret reads through any more (a store edit, a deletion). */
  private pruneFeeds(): void {
    const live = new Set(this.index.scopeNames());
    for (const scope of this.feeds.scopes()) if (!live.has(scope)) this.feeds.stop(scope);
  }
}
