/**
 * core/v1 Events, as client-go's recorder writes them: one Event per (object, type, reason,
 * message, component); a repeat within the cache bumps `count` and `lastTimestamp` on the
 * existing Event (a merge patch) instead of creating another. Best effort: a failure is
 * logged, never thrown, and never blocks the reconcile that emitted it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import { realClock, type Clock } from './clock.js';
import { KubeRequestError, type EventRecorder, type KubeClient, type KubeObject, type ResourceRef } from './types.js';

export const eventsResource: ResourceRef = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

/** Kubernetes caps an Event message at 1 KiB. */
const MAX_MESSAGE = 1024;
/** Entries remembered for aggregation (client-go keeps an LRU of 4096). */
const CACHE_SIZE = 4096;

interface Seen {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, e.g. `coffer-operator`. */
  component: string;
  /** `source.host` / `reportingInstance` (the pod name). */
  host?: string;
  logger: Logger;
  clock?: Clock;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly pending = new Set<Promise<void>>();
  private readonly clock: Clock;

  constructor(
    private readonly client: KubeClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.clock = options.clock ?? realClock;
  }

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const p = this.record(obj, type, reason, message).catch((err: unknown) => {
      this.options.logger.warn({ reason, object: `${obj.kind}/${obj.metadata.name}`, err: err instanceof Error ? err.message : String(err) }, 'could not record event');
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the Events in flight (graceful shutdown, tests). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, rawMessage: string): Promise<void> {
    const message = rawMessage.length > MAX_MESSAGE ? `${rawMessage.slice(0, MAX_MESSAGE - 3)}...` : rawMessage;
    // Cluster-scoped objects' Events go to `default`, as client-go does.
    const namespace = obj.metadata.namespace ?? 'default';
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const key = JSON.stringify([obj.apiVersion, obj.kind, namespace, obj.metadata.name, obj.metadata.uid ?? '', type, reason, message, this.options.component]);
    const previous = this.seen.get(key);
    if (previous !== undefined) {
      try {
        await this.client.patch(eventsResource, previous.namespace, previous.name, { count: previous.count + 1, lastTimestamp: now }, 'merge');
        previous.count++;
        // Re-insert: the Map's order doubles as the LRU order.
        this.seen.delete(key);
        this.seen.set(key, previous);
        return;
      } catch (err) {
        // The Event expired (TTL) or was deleted: start a new one.
        if (!(err instanceof KubeRequestError && err.status === 404)) throw err;
        this.seen.delete(key);
      }
    }
    const name = `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid !== undefined ? { uid: obj.metadata.uid } : {}),
        ...(obj.metadata.resourceVersion !== undefined ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.options.component, ...(this.options.host !== undefined ? { host: this.options.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? '',
    };
    await this.client.create(eventsResource, event);
    this.seen.set(key, { namespace, name, count: 1, firstTimestamp: now });
    if (this.seen.size > CACHE_SIZE) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
