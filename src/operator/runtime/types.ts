/**
 * The operator runtime's contract: what controllers (`src/operator/controllers/<kind>/`) use,
 * implemented in `src/operator/runtime/` on `@kubernetes/client-node`. Controllers depend on
 * these types only, so they can be tested against the in-process Kubernetes API test server.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../shared/logger.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Which resource an operation is about (`group` '' = core). */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name, e.g. `secrets`, `sealedsecrets`. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface ListOptions {
  /** Omit for all namespaces (or for cluster-scoped resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Errors carry the HTTP status of the API server's answer, so callers can tell a conflict
 * (409: re-read and retry), a missing object (404) and a refusal (403/422) apart.
 */
export class KubeRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

/** Typed CRUD over any resource. Every method throws `KubeRequestError` on a non-2xx answer. */
export interface KubeClient {
  get<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T | null>;
  list<T extends KubeObject>(res: ResourceRef, options?: ListOptions): Promise<{ items: T[]; resourceVersion: string }>;
  create<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T>;
  /** PUT with the object's resourceVersion: 409 when someone else changed it. */
  replace<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T>;
  /** PUT to the `status` subresource. */
  replaceStatus<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T>;
  /** `merge` = application/merge-patch+json, `json` = application/json-patch+json. */
  patch<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type?: 'merge' | 'json'): Promise<T>;
  /** Resolves when deleted or already gone. */
  delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<void>;
}

export type InformerEvent = 'add' | 'update' | 'delete';

/** A list+watch cache of one resource (re-lists after a watch ends or on 410 Gone). */
export interface Informer<T extends KubeObject> {
  /** Lists, starts watching, and resolves once the cache holds the initial list. */
  start(): Promise<void>;
  stop(): void;
  hasSynced(): boolean;
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
  /** `old` is set for updates. Handlers must not throw (errors are logged). */
  on(event: InformerEvent, handler: (obj: T, old?: T) => void): void;
}

/**
 * A rate-limited work queue of object keys (`namespace/name`, or `name` when cluster-scoped):
 * a key is never processed by two workers at once, and adding a key already queued is a no-op.
 */
export interface WorkQueue {
  add(key: string): void;
  /** Re-adds with per-key exponential backoff and jitter (failures). */
  addRateLimited(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Resets the key's backoff (after a success). */
  forget(key: string): void;
  /** Waits for the next key; null once shut down and drained. */
  get(): Promise<string | null>;
  /** Marks the key processed (it may be queued again). */
  done(key: string): void;
  shutDown(): void;
  readonly length: number;
}

export interface ReconcileResult {
  /** Process the key again after this long (periodic refresh). */
  requeueAfterMs?: number;
}

/** One controller's logic: make the world match the object named by `key`. Throw to retry with backoff. */
export interface Reconciler {
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface EventRecorder {
  /** Emits a core/v1 Event about `obj` (best effort: failures are logged, never thrown). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** `namespace/name` (or `name`) of an object. */
export function objectKey(obj: { metadata: { namespace?: string; name: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash === -1 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** What the runtime hands each controller when the operator (as leader) starts it. */
export interface OperatorContext {
  readonly client: KubeClient;
  /** Shared per (resource, namespace, selector): one watch however many controllers ask. Start it before reading. */
  informer<T extends KubeObject>(res: ResourceRef, options?: { namespace?: string; labelSelector?: string }): Informer<T>;
  /** A new rate-limited queue (its depth and adds are exported as metrics under `name`). */
  newQueue(name: string): WorkQueue;
  /**
   * Runs `concurrency` workers feeding keys from `queue` to `reconciler`: a thrown error
   * re-adds the key rate-limited, success forgets its backoff, `requeueAfterMs` schedules the
   * next run. Records reconcile counts/durations/errors. Resolves when the queue shuts down.
   */
  runWorkers(name: string, queue: WorkQueue, reconciler: Reconciler, concurrency: number): Promise<void>;
  readonly events: EventRecorder;
  /** The operator's Prometheus registry (served at /metrics). */
  readonly metrics: Registry;
  readonly logger: Logger;
  /** `--namespace`: watch only this namespace (undefined = all). */
  readonly namespace: string | undefined;
  /** `--concurrent`. */
  readonly concurrency: number;
}

/** A controller the operator can run (`coffer operator --sealed-secrets`, …). */
export interface OperatorController {
  readonly name: string;
  /** Registers informers and handlers, starts its workers (and any server of its own); resolves once running. */
  start(ctx: OperatorContext): Promise<void>;
  /** Stops what `start` started (graceful shutdown, lost leadership). */
  stop(): Promise<void>;
}
