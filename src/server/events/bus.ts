/**
 * The event bus (Vault's `vault/eventbus`): engines publish metadata-only events after a
 * write committed; each subscription receives the events whose type matches its pattern,
 * whose fields pass its filter and that its token may see.
 *
 * Publishing never waits for subscribers: it appends to each matching subscription's bounded
 * queue and returns. A subscription that falls `maxPending` events behind is closed (the
 * subscriber resubscribes and catches up), so a slow reader neither blocks writers nor
 * grows memory without bound.
 */
import { randomUUID } from 'node:crypto';
import { evaluateFilter, type FilterDatum, type FilterExpr } from './filter.js';
import { globMatch } from './glob.js';

/** Which mount published an event (`plugin_info` of the CloudEvents envelope). */
export interface EventPluginInfo {
  /** `secret` or `auth`. */
  readonly mountClass: 'secret' | 'auth';
  readonly mountAccessor: string;
  /** e.g. `secret/` (auth mounts without their `auth/` prefix, as Vault). */
  readonly mountPath: string;
  /** The plugin type, e.g. `kv`, `database`. */
  readonly plugin: string;
  readonly version?: string;
}

export interface EventRecord {
  readonly id: string;
  /** RFC 3339 with milliseconds. */
  readonly time: string;
  readonly eventType: string;
  /** Strings only, never secret values; `path` and `data_path` carry the mount prefix. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly pluginInfo: EventPluginInfo | null;
  /** The namespace path; always `` (Coffer has only the root namespace). */
  readonly namespace: string;
}

/** Why a subscription ended. */
export type SubscriptionEnd =
  | { reason: 'overflow'; pending: number }
  | { reason: 'unsubscribed' }
  /** The subscriber's token was revoked or expired. */
  | { reason: 'revoked' }
  /** The token lost access to the subscription path. */
  | { reason: 'denied' }
  | { reason: 'closed' };

export interface SubscriptionSink {
  /** Hands one event to the transport; `done` must be called once it left the process. */
  send(event: EventRecord, done: () => void): void;
  /** The bus ended the subscription (not called after `unsubscribe`). */
  end(why: SubscriptionEnd): void;
}

export interface SubscribeOptions {
  /** Event-type pattern, `*` as a wildcard (`kv-v2/data-*`). */
  pattern: string;
  filter?: FilterExpr | null;
  /** Authorisation, asked for each event when it is published; false drops it silently. */
  accept(event: EventRecord): boolean;
  /** Groups subscriptions for `endOwner` (the subscriber token's hash). */
  owner?: string;
  sink: SubscriptionSink;
}

export interface EventBusOptions {
  /** Events a subscription may have queued or in flight before it is closed. Default 1024. */
  maxPending?: number;
  /** Events handed to the transport but not yet flushed. Default 64. */
  maxInFlight?: number;
  now?: () => number;
  /** Told when a publish found a subscriber's accept or sink throwing (a bug, never user input). */
  onError?: (err: unknown) => void;
}

export const DEFAULT_MAX_PENDING = 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;

/** Metadata fields the bus prefixes with the mount path (Vault's `metadataPrependPathFields`). */
const MOUNT_RELATIVE_FIELDS = ['path', 'data_path'] as const;

export class Subscription {
  private readonly queue: EventRecord[] = [];
  private head = 0;
  private inFlight = 0;
  private scheduled = false;
  private ended = false;
  /** Events delivered to the sink so far. */
  delivered = 0;

  constructor(
    private readonly bus: EventBus,
    readonly options: SubscribeOptions,
    private readonly maxPending: number,
    private readonly maxInFlight: number,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  /** Queued plus in flight. */
  get pending(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /** Stops delivery; the sink's `end` is not called. */
  unsubscribe(): void {
    this.finish(null);
  }

  /** @internal called by the bus for each published event. */
  offer(event: EventRecord, datum: FilterDatum): void {
    if (this.ended || !globMatch(this.options.pattern, event.eventType)) return;
    if (this.options.filter && !evaluateFilter(this.options.filter, datum)) return;
    if (!this.options.accept(event)) return;
    if (this.pending >= this.maxPending) {
      this.finish({ reason: 'overflow', pending: this.pending });
      return;
    }
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      // Deliver after the publisher's turn: the writer's request never does transport work.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** @internal */
  finish(why: SubscriptionEnd | null): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.head = 0;
    this.bus.remove(this);
    if (why) this.options.sink.end(why);
  }

  private pump(): void {
    while (!this.ended && this.inFlight < this.maxInFlight && this.head < this.queue.length) {
      const event = this.queue[this.head] as EventRecord;
      this.head++;
      this.inFlight++;
      let settled = false;
      this.options.sink.send(event, () => {
        if (settled) return;
        settled = true;
        this.inFlight--;
        this.delivered++;
        this.pump();
      });
    }
    // Compact once the consumed head dominates, so the array does not grow forever.
    if (this.head > 0 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class EventBus {
  private readonly subscriptions = new Set<Subscription>();
  private readonly maxPending: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  /** Events published since start (tests and metrics). */
  published = 0;

  constructor(options: EventBusOptions = {}) {
    this.maxPending = Math.max(1, options.maxPending ?? DEFAULT_MAX_PENDING);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
  }

  get size(): number {
    return this.subscriptions.size;
  }

  subscribe(options: SubscribeOptions): Subscription {
    const sub = new Subscription(this, options, this.maxPending, this.maxInFlight);
    this.subscriptions.add(sub);
    return sub;
  }

  /**
   * Publishes an event (Vault's `SendEvent`). `metadata` is relative to the mount, as a
   * plugin writes it; `path` and `data_path` get the mount path prepended here. Returns the
   * event, or null when nobody is subscribed (nothing is built then).
   */
  publish(pluginInfo: EventPluginInfo | null, eventType: string, metadata: Readonly<Record<string, string>>): EventRecord | null {
    if (this.subscriptions.size === 0) return null;
    const event = buildEvent(pluginInfo, eventType, metadata, this.now());
    this.published++;
    const datum: FilterDatum = {
      event_type: event.eventType,
      operation: event.metadata['operation'] ?? '',
      source_plugin_mount: event.pluginInfo?.mountPath ?? '',
      data_path: event.metadata['data_path'] ?? '',
      namespace: event.namespace,
    };
    for (const sub of [...this.subscriptions]) {
      try {
        sub.offer(event, datum);
      } catch (err) {
        this.onError(err);
      }
    }
    return event;
  }

  /** Ends every subscription of `owner` (its token was revoked). */
  endOwner(owner: string): void {
    for (const sub of [...this.subscriptions]) if (sub.options.owner === owner) sub.finish({ reason: 'revoked' });
  }

  /** Ends every subscription (seal, shutdown). */
  closeAll(): void {
    for (const sub of [...this.subscriptions]) sub.finish({ reason: 'closed' });
  }

  /** @internal */
  remove(sub: Subscription): void {
    this.subscriptions.delete(sub);
  }
}

/** Vault's `patchMountPath`: `data/foo` on `secret/` becomes `secret/data/foo` (path.Join, so no trailing `/`). */
export function buildEvent(
  pluginInfo: EventPluginInfo | null,
  eventType: string,
  metadata: Readonly<Record<string, string>>,
  nowMs: number,
): EventRecord {
  const patched: Record<string, string> = { ...metadata };
  if (pluginInfo && pluginInfo.mountPath !== '') {
    for (const field of MOUNT_RELATIVE_FIELDS) {
      const value = patched[field];
      if (value === undefined) continue;
      const joined = joinPath(pluginInfo.mountPath, value);
      patched[field] = pluginInfo.mountClass === 'auth' ? joinPath('auth', joined) : joined;
    }
  }
  return { id: randomUUID(), time: new Date(nowMs).toISOString(), eventType, metadata: patched, pluginInfo, namespace: '' };
}

/** Go's `path.Join` for the simple case: one `/` between parts, none trailing. */
function joinPath(a: string, b: string): string {
  const joined = `${a}/${b}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
