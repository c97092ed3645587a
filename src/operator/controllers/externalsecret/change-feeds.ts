/**
 * One change-event subscription per store scope, kept alive while ExternalSecrets read through
 * it: reconnects with exponential backoff and jitter, and after every (re)connect asks for a
 * catch-up (`onResync`) because events sent while the stream was down are lost. A server without
 * events (`subscribe` resolved `undefined`) is retried rarely; meanwhile periodic refresh is
 * the only mechanism, exactly as with ESO.
 */
import type { Logger } from '../../../shared/logger.js';
import type { ChangeFeedHandlers, ChangeSubscription } from '../../providers/types.js';

export type FeedState = 'connecting' | 'live' | 'backoff' | 'unsupported';

/** Opens a scope's stream; `undefined`: the server has no events for us. */
export type Subscribe = (handlers: ChangeFeedHandlers) => Promise<ChangeSubscription | undefined>;

export interface ChangeFeedsOptions {
  onChange(scope: string, path: string): void;
  /** The stream is (again) live after a gap: anything may have changed meanwhile. */
  onResync(scope: string): void;
  logger: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long to wait before asking an event-less server again; default 10 minutes. */
  unsupportedRetryMs?: number;
  random?: () => number;
}

interface Feed {
  state: FeedState;
  /** The latest way to subscribe (a store edit or token change is picked up on reconnect). */
  subscribe: Subscribe;
  subscription: ChangeSubscription | undefined;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  /** Whether a connection was ever live or lost: a later ready needs a catch-up. */
  gap: boolean;
  generation: number;
}

export class ChangeFeeds {
  private readonly feeds = new Map<string, Feed>();
  private closed = false;

  constructor(private readonly options: ChangeFeedsOptions) {}

  /** Makes sure `scope` has a feed (idempotent; a running feed keeps `subscribe` for its next reconnect). */
  ensure(scope: string, subscribe: Subscribe): void {
    if (this.closed) return;
    const running = this.feeds.get(scope);
    if (running !== undefined) {
      running.subscribe = subscribe;
      return;
    }
    const feed: Feed = { state: 'connecting', subscribe, subscription: undefined, timer: undefined, failures: 0, gap: false, generation: 0 };
    this.feeds.set(scope, feed);
    this.connect(scope, feed);
  }

  scopes(): string[] {
    return [...this.feeds.keys()];
  }

  state(scope: string): FeedState | undefined {
    return this.feeds.get(scope)?.state;
  }

  /** Live feeds (for metrics and tests). */
  liveCount(): number {
    let n = 0;
    for (const f of this.feeds.values()) if (f.state === 'live') n++;
    return n;
  }

  stop(scope: string): void {
    const feed = this.feeds.get(scope);
    if (feed === undefined) return;
    this.feeds.delete(scope);
    feed.generation++;
    if (feed.timer !== undefined) clearTimeout(feed.timer);
    feed.subscription?.close();
  }

  close(): void {
    this.closed = true;
    for (const scope of [...this.feeds.keys()]) this.stop(scope);
  }

  private connect(scope: string, feed: Feed): void {
    const generation = ++feed.generation;
    const current = (): boolean => !this.closed && this.feeds.get(scope) === feed && feed.generation === generation;
    feed.state = 'connecting';
    const handlers: ChangeFeedHandlers = {
      onReady: () => {
        if (!current()) return;
        feed.state = 'live';
        feed.failures = 0;
        if (feed.gap) this.options.onResync(scope);
        feed.gap = true;
      },
      onChange: (path) => {
        if (current()) this.options.onChange(scope, path);
      },
      onLost: (error) => {
        if (!current()) return;
        feed.subscription = undefined;
        feed.gap = true;
        this.options.logger.info({ scope, err: error.message }, 'change event stream lost; resubscribing');
        this.retry(scope, feed, this.backoff(feed));
      },
    };
    feed.subscribe(handlers).then(
      (subscription) => {
        if (!current()) {
          subscription?.close();
          return;
        }
        if (subscription === undefined) {
          feed.state = 'unsupported';
          this.retry(scope, feed, this.options.unsupportedRetryMs ?? 600_000, 'unsupported');
          return;
        }
        feed.subscription = subscription;
      },
      (err: unknown) => {
        if (!current()) return;
        feed.gap = true;
        this.options.logger.info({ scope, err: (err as Error).message }, 'cannot subscribe to change events; retrying');
        this.retry(scope, feed, this.backoff(feed));
      },
    );
  }

  private backoff(feed: Feed): number {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 60_000;
    const base = Math.min(max, initial * 2 ** feed.failures);
    feed.failures++;
    // Full jitter in [base/2, base]: many operators reconnecting to one server spread out.
    return Math.round(base / 2 + (this.options.random ?? Math.random)() * (base / 2));
  }

  private retry(scope: string, feed: Feed, delayMs: number, state: FeedState = 'backoff'): void {
    feed.state = state;
    if (feed.timer !== undefined) clearTimeout(feed.timer);
    feed.timer = setTimeout(() => {
      feed.timer = undefined;
      if (!this.closed && this.feeds.get(scope) === feed) this.connect(scope, feed);
    }, delayMs);
    feed.timer.unref();
  }
}
