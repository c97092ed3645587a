/**
 * A list+watch cache of one resource (client-go's reflector + store): list, then watch from the
 * list's resourceVersion; a watch the server ends is resumed from the last resourceVersion seen
 * (bookmarks included); 410 Gone (history compacted) re-lists and diffs the new list against the
 * cache, so handlers see the adds, updates and deletes they missed. Errors back off
 * exponentially (800 ms doubling to 30 s, like the reflector) before a re-list. A first list
 * answered 404 (resource not served) fails `start`.
 */
import type { Logger } from '../../shared/logger.js';
import { realClock, sleep, type Clock } from './clock.js';
import type { RuntimeKubeClient, WatchEvent } from './kube-client.js';
import { KubeRequestError, objectKey, type Informer, type InformerEvent, type KubeObject, type ResourceRef } from './types.js';

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  logger: Logger;
  clock?: Clock;
  /** Default 800 ms. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** Server-side watch timeout; default a random 5–10 min like the reflector. */
  watchTimeoutSeconds?: () => number;
}

type Handler<T> = (obj: T, old?: T) => void;

export class ListWatchInformer<T extends KubeObject> implements Informer<T> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Record<InformerEvent, Handler<T>[]> = { add: [], update: [], delete: [] };
  private readonly clock: Clock;
  private readonly logger: Logger;
  private controller: AbortController | undefined;
  private started: Promise<void> | undefined;
  private synced = false;
  private resourceVersion = '';
  /** How many times the informer has listed (tests, debugging). */
  lists = 0;

  constructor(
    private readonly client: RuntimeKubeClient,
    private readonly res: ResourceRef,
    private readonly options: InformerOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.logger = options.logger.child({ resource: res.group === '' ? res.plural : `${res.plural}.${res.group}`, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) });
  }

  start(): Promise<void> {
    if (this.started !== undefined) return this.started;
    const controller = new AbortController();
    this.controller = controller;
    this.started = new Promise<void>((resolve, reject) => {
      void this.run(controller.signal, resolve, reject);
    });
    return this.started;
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  on(event: InformerEvent, handler: Handler<T>): void {
    this.handlers[event].push(handler);
    // A late handler sees what is already cached, as client-go's AddEventHandler does.
    if (event === 'add' && this.synced) for (const obj of this.cache.values()) this.call(handler, obj);
  }

  private call(handler: Handler<T>, obj: T, old?: T): void {
    try {
      handler(obj, old);
    } catch (err) {
      this.logger.error({ err, key: objectKey(obj) }, 'informer handler failed');
    }
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const h of this.handlers[event]) this.call(h, obj, old);
  }

  private async run(signal: AbortSignal, resolveStarted: () => void, rejectStarted: (err: unknown) => void): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 800;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = initial;
    let needList = true;
    signal.addEventListener('abort', resolveStarted, { once: true });
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          if (signal.aborted) break;
          needList = false;
          if (!this.synced) {
            this.synced = true;
            resolveStarted();
          }
        }
        await this.client.watch<T>(
          this.res,
          {
            ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
            ...(this.options.labelSelector !== undefined ? { labelSelector: this.options.labelSelector } : {}),
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: this.options.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300),
          },
          (event) => this.apply(event),
          signal,
        );
        // The server ended the watch (timeout): resume from where we are.
        backoff = initial;
      } catch (err) {
        if (signal.aborted) break;
        // The resource is not served (CRD not installed): fail the start, as controller-runtime
        // does, rather than wait forever unready.
        if (!this.synced && err instanceof KubeRequestError && err.status === 404) {
          rejectStarted(new KubeRequestError(404, `${this.describe()} is not served by the API server (is its CRD installed?): ${err.message}`, err.reason));
          this.stop();
          // A later start() tries again.
          this.started = undefined;
          return;
        }
        if (err instanceof KubeRequestError && err.status === 410) {
          this.logger.debug({ resourceVersion: this.resourceVersion }, 'watch resourceVersion expired; re-listing');
          needList = true;
          continue;
        }
        this.logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: backoff }, 'list/watch failed');
        await sleep(this.clock, backoff, signal);
        backoff = Math.min(backoff * 2, max);
        needList = true;
      }
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.list<T>(this.res, {
      ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
      ...(this.options.labelSelector !== undefined ? { labelSelector: this.options.labelSelector } : {}),
    });
    this.lists++;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (old === undefined) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit('delete', old);
    }
    this.resourceVersion = resourceVersion;
  }

  private apply(event: WatchEvent<T>): void {
    const obj = event.object;
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const withType = { ...obj, apiVersion: obj.apiVersion ?? this.apiVersion(), kind: obj.kind ?? this.res.kind };
    const key = objectKey(withType);
    const old = this.cache.get(key);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', withType);
      return;
    }
    this.cache.set(key, withType);
    if (old === undefined) this.emit('add', withType);
    else this.emit('update', withType, old);
  }

  private describe(): string {
    return `${this.res.kind} (${this.apiVersion()}, ${this.res.plural})`;
  }

  private apiVersion(): string {
    return this.res.group === '' ? this.res.version : `${this.res.group}/${this.res.version}`;
  }
}

/**
 * One informer per (resource, namespace, selector), shared by every controller that asks; each
 * `start` takes a reference and each `stop` drops one, so a controller stopping does not cut off
 * another's watch. `stopAll` ends them all (shutdown, lost leadership).
 */
export class InformerFactory {
  private readonly informers = new Map<string, { informer: ListWatchInformer<KubeObject>; refs: number }>();

  constructor(
    private readonly client: RuntimeKubeClient,
    private readonly options: Omit<InformerOptions, 'namespace' | 'labelSelector'>,
  ) {}

  informer<T extends KubeObject>(res: ResourceRef, options: { namespace?: string; labelSelector?: string } = {}): Informer<T> {
    const id = `${res.group}/${res.version}/${res.plural}|${options.namespace ?? ''}|${options.labelSelector ?? ''}`;
    let entry = this.informers.get(id);
    if (entry === undefined) {
      entry = {
        informer: new ListWatchInformer<KubeObject>(this.client, res, {
          ...this.options,
          ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
          ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
        }),
        refs: 0,
      };
      this.informers.set(id, entry);
    }
    const shared = entry;
    const inner = shared.informer as unknown as ListWatchInformer<T>;
    let holding = false;
    return {
      start: () => {
        if (!holding) {
          holding = true;
          shared.refs++;
        }
        return inner.start();
      },
      stop: () => {
        if (!holding) return;
        holding = false;
        shared.refs--;
        if (shared.refs === 0) {
          inner.stop();
          this.informers.delete(id);
        }
      },
      hasSynced: () => inner.hasSynced(),
      get: (namespace, name) => inner.get(namespace, name),
      list: (namespace) => inner.list(namespace),
      on: (event, handler) => inner.on(event, handler),
    };
  }

  /** Whether every informer handed out (and started) has synced. */
  allSynced(): boolean {
    for (const { informer, refs } of this.informers.values()) if (refs > 0 && !informer.hasSynced()) return false;
    return true;
  }

  stopAll(): void {
    for (const { informer } of this.informers.values()) informer.stop();
    this.informers.clear();
  }
}
