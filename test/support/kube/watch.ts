/**
 * Watch: the store's ordered event log (etcd's history with a compaction window) and the
 * per-watcher view of it, with the apiserver's semantics:
 *
 * - no `resourceVersion` (or `"0"`): synthetic ADDED events for the current state, then
 *   changes; `sendInitialEvents=true` does the same and ends the initial state with a
 *   BOOKMARK annotated `k8s.io/initial-events-end: "true"`;
 * - `resourceVersion=N`: every change after N; N older than the retained history gives
 *   an ERROR event carrying a 410 `Expired` Status, and the stream ends;
 * - selectors are applied to both the old and new object, so an object that stops
 *   matching is seen as DELETED and one that starts matching as ADDED;
 * - `allowWatchBookmarks=true`: periodic BOOKMARK events with the current resourceVersion.
 */
import type { KubeObject, WatchEvent } from './types.js';

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  groupResource: string;
  /** `''` for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** The new state; for DELETED the last state, at the deletion's resourceVersion. */
  object: KubeObject;
  /** The state before the change (MODIFIED, DELETED). */
  previous: KubeObject | undefined;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

/** The ordered history of changes with a bounded window (etcd compaction). */
export class EventLog {
  private events: StoreEvent[] = [];
  private compactedThrough: number;
  private readonly listeners = new Set<StoreListener>();

  constructor(
    private readonly limit: number,
    startResourceVersion: number,
  ) {
    this.compactedThrough = startResourceVersion;
  }

  append(event: StoreEvent): void {
    this.events.push(event);
    if (this.events.length > this.limit) {
      const drop = this.events.length - this.limit;
      const last = this.events[drop - 1];
      if (last) this.compactedThrough = last.resourceVersion;
      this.events = this.events.slice(drop);
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  /** Events after `resourceVersion`, or `'expired'` when some of them were compacted away. */
  since(resourceVersion: number): StoreEvent[] | 'expired' {
    if (resourceVersion < this.compactedThrough) return 'expired';
    return this.events.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestResourceVersion(): number {
    return this.compactedThrough;
  }

  /** Drops the whole history (what an etcd compaction does); later watches from older versions get 410. */
  compact(throughResourceVersion: number): void {
    this.events = this.events.filter((e) => e.resourceVersion > throughResourceVersion);
    this.compactedThrough = Math.max(this.compactedThrough, throughResourceVersion);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface WatchFilter {
  groupResource: string;
  /** Undefined: every namespace. */
  namespace: string | undefined;
  matches(obj: KubeObject): boolean;
}

function withResourceVersion(obj: KubeObject, resourceVersion: number): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata.resourceVersion = String(resourceVersion);
  return copy;
}

/** What a watcher with `filter` sees of `event` (the apiserver's cacheWatcher transitions). */
export function eventForWatcher(event: StoreEvent, filter: WatchFilter): WatchEvent | null {
  if (event.groupResource !== filter.groupResource) return null;
  if (filter.namespace !== undefined && event.namespace !== filter.namespace) return null;
  const current = event.type !== 'DELETED' && filter.matches(event.object);
  const previous = event.previous !== undefined && filter.matches(event.previous);
  if (event.type === 'ADDED') return current ? { type: 'ADDED', object: structuredClone(event.object) } : null;
  if (current && previous) return { type: 'MODIFIED', object: structuredClone(event.object) };
  if (current) return { type: 'ADDED', object: structuredClone(event.object) };
  if (previous) {
    // The previous content, at the event's resourceVersion.
    return { type: 'DELETED', object: withResourceVersion(event.previous ?? event.object, event.resourceVersion) };
  }
  if (event.type === 'DELETED' && event.previous === undefined && filter.matches(event.object)) {
    return { type: 'DELETED', object: structuredClone(event.object) };
  }
  return null;
}

/** What a watch needs from the store. */
export interface WatchSource {
  readonly log: EventLog;
  currentResourceVersion(): number;
  /** The matching objects now, sorted as a list would be. */
  snapshot(filter: WatchFilter): KubeObject[];
}

export interface WatchOptions {
  /** As sent in `?resourceVersion=`; undefined or `"0"` starts with the current state. */
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowBookmarks?: boolean;
  bookmarkIntervalMs: number;
  /** Ends the watch after this long (`timeoutSeconds`). */
  timeoutMs?: number;
  /** `{kind, apiVersion}` for BOOKMARK objects. */
  bookmarkKind: { kind: string; apiVersion: string };
}

export interface WatchHandle {
  stop(): void;
}

/**
 * Starts a watch: replays what the options ask for into `sink`, then forwards live
 * changes until `stop()`, the timeout, or an ERROR. `onEnd` runs once when the watch ends
 * on its own (timeout, 410).
 */
export function openWatch(
  source: WatchSource,
  filter: WatchFilter,
  options: WatchOptions,
  sink: (event: WatchEvent<unknown>) => void,
  onEnd: () => void,
): WatchHandle {
  let stopped = false;
  const cleanups: (() => void)[] = [];
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups) cleanup();
  };
  const end = (): void => {
    if (stopped) return;
    stop();
    onEnd();
  };
  const bookmark = (annotations?: Record<string, string>): WatchEvent<unknown> => ({
    type: 'BOOKMARK',
    object: {
      ...options.bookmarkKind,
      metadata: { resourceVersion: String(source.currentResourceVersion()), ...(annotations ? { annotations } : {}) },
    },
  });

  const rv = options.resourceVersion;
  const fromState = rv === undefined || rv === '' || rv === '0' || options.sendInitialEvents === true;
  if (fromState) {
    for (const obj of source.snapshot(filter)) sink({ type: 'ADDED', object: obj });
    if (options.sendInitialEvents) sink(bookmark({ 'k8s.io/initial-events-end': 'true' }));
  } else {
    const start = Number(rv);
    const replay = Number.isInteger(start) ? source.log.since(start) : 'expired';
    if (replay === 'expired') {
      sink({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${rv} (${source.log.oldestResourceVersion})`,
          reason: 'Expired',
          code: 410,
        },
      });
      // Let the caller write the event before the stream closes.
      setImmediate(end);
      return { stop };
    }
    for (const event of replay) {
      const seen = eventForWatcher(event, filter);
      if (seen) sink(seen);
    }
  }

  cleanups.push(
    source.log.subscribe((event) => {
      if (stopped) return;
      const seen = eventForWatcher(event, filter);
      if (seen) sink(seen);
    }),
  );
  if (options.allowBookmarks) {
    const timer = setInterval(() => sink(bookmark()), options.bookmarkIntervalMs);
    timer.unref();
    cleanups.push(() => clearInterval(timer));
  }
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    const timer = setTimeout(end, options.timeoutMs);
    timer.unref();
    cleanups.push(() => clearTimeout(timer));
  }
  return { stop };
}
