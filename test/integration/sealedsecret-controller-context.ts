/**
 * A small `OperatorContext` over the in-process Kubernetes API test server, for the
 * SealedSecret controller's integration test and benchmark (the operator runtime proper lives
 * in `src/operator/runtime/`; this one only implements the contract in `runtime/types.ts`):
 * HTTP CRUD through the test server's client, list+watch informers, a deduplicating work
 * queue with backoff, workers that count reconciles per key, and events kept in memory.
 */
import { Registry } from 'prom-client';
import {
  KubeRequestError,
  objectKey,
  type EventRecorder,
  type Informer,
  type InformerEvent,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type OperatorContext,
  type Reconciler,
  type ResourceRef,
  type WorkQueue,
} from '../../src/operator/runtime/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { KubeApiError, type KubeTestServer, type KubeWatch, type ResourceType } from '../support/kube/index.js';

/** `bitnami.com/v1alpha1` SealedSecrets with a status subresource, as the CRD serves them. */
export const SEALED_SECRETS_TYPE: ResourceType = {
  group: 'bitnami.com',
  version: 'v1alpha1',
  resource: 'sealedsecrets',
  kind: 'SealedSecret',
  singularName: 'sealedsecret',
  namespaced: true,
  statusSubresource: true,
  returnDeletedObject: true,
};

function refOf(res: ResourceRef): { group: string; version: string; resource: string } {
  return { group: res.group, version: res.version, resource: res.plural };
}

function wrap(err: unknown): never {
  if (err instanceof KubeApiError) {
    const body = err.body as { message?: string; reason?: string } | undefined;
    throw new KubeRequestError(err.status, body?.message ?? err.message, body?.reason);
  }
  throw err;
}

export function testKubeClient(kube: KubeTestServer): KubeClient {
  const c = kube.client;
  return {
    async get<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string) {
      try {
        return (await c.get(refOf(res), name, namespace !== undefined ? { namespace } : {})) as unknown as T;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return null;
        return wrap(err);
      }
    },
    async list<T extends KubeObject>(res: ResourceRef, options: ListOptions = {}) {
      const list = await c.list(refOf(res), options).catch(wrap);
      return { items: list.items as unknown as T[], resourceVersion: list.metadata.resourceVersion ?? '' };
    },
    create: async <T extends KubeObject>(res: ResourceRef, obj: T) => (await c.create(refOf(res), obj as never).catch(wrap)) as unknown as T,
    replace: async <T extends KubeObject>(res: ResourceRef, obj: T) => (await c.update(refOf(res), obj as never).catch(wrap)) as unknown as T,
    replaceStatus: async <T extends KubeObject>(res: ResourceRef, obj: T) => (await c.update(refOf(res), obj as never, { subresource: 'status' }).catch(wrap)) as unknown as T,
    patch: async <T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json' = 'merge') =>
      (await c.patch(refOf(res), name, patch, { ...(namespace !== undefined ? { namespace } : {}), type }).catch(wrap)) as unknown as T,
    async delete(res: ResourceRef, namespace: string | undefined, name: string) {
      try {
        await c.delete(refOf(res), name, namespace !== undefined ? { namespace } : {});
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return;
        wrap(err);
      }
    },
  };
}

class TestInformer<T extends KubeObject> implements Informer<T> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: { event: InformerEvent; fn: (obj: T, old?: T) => void }[] = [];
  private watch: KubeWatch | undefined;
  private synced = false;
  private stopped = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly kube: KubeTestServer,
    private readonly res: ResourceRef,
    private readonly options: { namespace?: string; labelSelector?: string },
  ) {}

  start(): Promise<void> {
    this.starting ??= this.relist();
    return this.starting;
  }

  private async relist(): Promise<void> {
    const list = await this.kube.client.list(refOf(this.res), this.options);
    const seen = new Set<string>();
    for (const obj of list.items as unknown as T[]) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (old === undefined) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, obj] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', obj);
      }
    }
    this.synced = true;
    this.watch = await this.kube.client.watch(refOf(this.res), { ...this.options, resourceVersion: list.metadata.resourceVersion });
    void this.pump(this.watch);
  }

  private async pump(watch: KubeWatch): Promise<void> {
    for await (const ev of watch) {
      const obj = ev.object as unknown as T;
      if (ev.type === 'BOOKMARK' || ev.type === 'ERROR' || obj.metadata === undefined) continue;
      const key = objectKey(obj);
      const old = this.cache.get(key);
      if (ev.type === 'DELETED') {
        this.cache.delete(key);
        this.emit('delete', obj);
      } else {
        this.cache.set(key, obj);
        if (old === undefined) this.emit('add', obj);
        else this.emit('update', obj, old);
      }
    }
    if (!this.stopped) await this.relist().catch(() => undefined);
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const h of this.handlers) if (h.event === event) h.fn(obj, old);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.close();
  }
  hasSynced(): boolean {
    return this.synced;
  }
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace !== undefined ? `${namespace}/${name}` : name);
  }
  list(namespace?: string): T[] {
    return [...this.cache.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }
  on(event: InformerEvent, handler: (obj: T, old?: T) => void): void {
    this.handlers.push({ event, fn: handler });
  }
}

class TestQueue implements WorkQueue {
  private readonly queued: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | null) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private shut = false;

  add(key: string): void {
    if (this.shut || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queued.push(key);
  }
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(5 * 2 ** n, 1000));
  }
  addAfter(key: string, delayMs: number): void {
    if (this.shut) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, delayMs);
    this.timers.add(t);
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
  get(): Promise<string | null> {
    const key = this.queued.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shut) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }
  shutDown(): void {
    this.shut = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(null);
  }
  get length(): number {
    return this.queued.length;
  }
}

export interface RecordedEvent {
  key: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface TestOperatorContext extends OperatorContext {
  readonly recorded: RecordedEvent[];
  /** Reconciles run per key (to show a failing object is not retried in a loop). */
  readonly reconciles: Map<string, number>;
  /** Errors thrown by reconciles. */
  readonly errors: { key: string; message: string }[];
  close(): void;
}

export function createTestOperatorContext(kube: KubeTestServer, options: { concurrency?: number; namespace?: string } = {}): TestOperatorContext {
  const informers = new Map<string, TestInformer<KubeObject>>();
  const recorded: RecordedEvent[] = [];
  const reconciles = new Map<string, number>();
  const errors: { key: string; message: string }[] = [];
  const events: EventRecorder = {
    event: (obj, type, reason, message) => recorded.push({ key: objectKey(obj), type, reason, message }),
  };
  return {
    client: testKubeClient(kube),
    informer<T extends KubeObject>(res: ResourceRef, opts: { namespace?: string; labelSelector?: string } = {}): Informer<T> {
      const id = `${res.group}/${res.plural}|${opts.namespace ?? ''}|${opts.labelSelector ?? ''}`;
      let inf = informers.get(id);
      if (inf === undefined) {
        inf = new TestInformer<KubeObject>(kube, res, opts);
        informers.set(id, inf);
      }
      return inf as unknown as Informer<T>;
    },
    newQueue: () => new TestQueue(),
    async runWorkers(_name: string, queue: WorkQueue, reconciler: Reconciler, concurrency: number) {
      const worker = async (): Promise<void> => {
        for (let key = await queue.get(); key !== null; key = await queue.get()) {
          reconciles.set(key, (reconciles.get(key) ?? 0) + 1);
          try {
            const result = await reconciler.reconcile(key);
            queue.forget(key);
            if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
          } catch (err) {
            errors.push({ key, message: (err as Error).message });
            queue.addRateLimited(key);
          } finally {
            queue.done(key);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    },
    events,
    metrics: new Registry(),
    logger: silentLogger(),
    namespace: options.namespace,
    concurrency: options.concurrency ?? 4,
    recorded,
    reconciles,
    errors,
    close() {
      for (const inf of informers.values()) inf.stop();
    },
  };
}
