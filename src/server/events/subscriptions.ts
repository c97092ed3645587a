/**
 * Subscriptions tied to tokens: opening one checks the token and the subscribe path, and
 * while it runs its token is re-resolved (every `revalidateMs`, on any policy change, and at
 * once on revocation) so that events are judged against the token's current ACL and a
 * revoked or expired token ends the stream.
 */
import { PermissionDeniedError, UserError } from '../../shared/errors.js';
import type { Acl } from '../policy/index.js';
import { authorizeSubscribe, eventVisibleTo } from './authorize.js';
import type { EventBus, EventRecord, Subscription, SubscriptionSink } from './bus.js';
import { FilterSyntaxError, parseFilter, type FilterExpr } from './filter.js';
import { globMatch } from './glob.js';

export interface ResolvedSubscriber {
  acl: Acl;
  /** Stable per token and never the token itself (its hash): groups subscriptions for revocation. */
  owner: string;
}

export interface TokenAuthority {
  /** The token's ACL now, or null when it is unknown, revoked, expired or its entity disabled. */
  resolve(token: string, remoteAddr: string): Promise<ResolvedSubscriber | null>;
}

export interface OpenSubscriptionInput {
  token: string | undefined;
  remoteAddr: string;
  /** The event-type pattern from the URL (`kv-v2/*`). */
  pattern: string;
  /** go-bexpr filter text; empty or undefined for none. */
  filter?: string;
  sink: SubscriptionSink;
}

export interface EventSubscriptionsOptions {
  /** Re-resolve every subscriber's token this often (ms). Default 10 s. */
  revalidateMs?: number;
  onError?: (err: unknown) => void;
}

interface Live {
  token: string;
  remoteAddr: string;
  pattern: string;
  acl: Acl;
  eventTypes: readonly string[] | null;
  sub: Subscription;
}

export const DEFAULT_REVALIDATE_MS = 10_000;

export class EventSubscriptions {
  private readonly live = new Set<Live>();
  private timer: NodeJS.Timeout | undefined;
  private readonly revalidateMs: number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly bus: EventBus,
    private readonly authority: TokenAuthority,
    options: EventSubscriptionsOptions = {},
  ) {
    this.revalidateMs = options.revalidateMs ?? DEFAULT_REVALIDATE_MS;
    this.onError = options.onError ?? (() => undefined);
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Checks the request and subscribes. `PermissionDeniedError` (403) for a missing, invalid
   * or unauthorised token; `UserError` (400) for an empty pattern or a bad filter.
   */
  async open(input: OpenSubscriptionInput): Promise<Subscription> {
    if (!input.token) throw new PermissionDeniedError();
    const resolved = await this.authority.resolve(input.token, input.remoteAddr);
    if (!resolved) throw new PermissionDeniedError('permission denied', { details: ['invalid token'] });
    const pattern = input.pattern.trim();
    const decision = authorizeSubscribe(resolved.acl, pattern);
    if (!decision.allowed) throw new PermissionDeniedError();
    if (pattern === '') throw new UserError('did not specify eventType to subscribe to');
    let filter: FilterExpr | null = null;
    const filterText = input.filter?.trim() ?? '';
    if (filterText !== '') {
      try {
        filter = parseFilter(filterText);
      } catch (err) {
        if (err instanceof FilterSyntaxError) throw new UserError(`invalid filter: ${err.message}`);
        throw err;
      }
    }
    const state = { token: input.token, remoteAddr: input.remoteAddr, pattern, acl: resolved.acl, eventTypes: decision.eventTypes } as Live;
    const accept = (event: EventRecord): boolean =>
      (state.eventTypes === null || state.eventTypes.some((p) => globMatch(p, event.eventType))) && eventVisibleTo(state.acl, event);
    const sink = input.sink;
    state.sub = this.bus.subscribe({
      pattern,
      filter,
      accept,
      owner: resolved.owner,
      sink: {
        send: (event, done) => sink.send(event, done),
        end: (why) => {
          this.drop(state);
          sink.end(why);
        },
      },
    });
    this.live.add(state);
    this.ensureTimer();
    return state.sub;
  }

  /** Stops a subscription the transport ended (client went away). */
  close(sub: Subscription): void {
    for (const state of this.live) {
      if (state.sub === sub) this.drop(state);
    }
    sub.unsubscribe();
  }

  /** A policy changed: re-judge every subscriber now. */
  policiesChanged(): void {
    void this.revalidate();
  }

  /** A token was revoked: its subscriptions end at once. */
  tokenRevoked(owner: string): void {
    this.bus.endOwner(owner);
  }

  /** Re-resolves every subscriber's token and access; ends those that lost it. */
  async revalidate(): Promise<void> {
    await Promise.all(
      [...this.live].map(async (state) => {
        try {
          const resolved = await this.authority.resolve(state.token, state.remoteAddr);
          if (!state.sub.active) return;
          if (!resolved) return state.sub.finish({ reason: 'revoked' });
          const decision = authorizeSubscribe(resolved.acl, state.pattern);
          if (!decision.allowed) return state.sub.finish({ reason: 'denied' });
          state.acl = resolved.acl;
          state.eventTypes = decision.eventTypes;
        } catch (err) {
          this.onError(err);
        }
      }),
    );
  }

  /** Ends every subscription and stops the timer (seal, shutdown). */
  closeAll(): void {
    this.bus.closeAll();
    this.live.clear();
    this.stopTimer();
  }

  private drop(state: Live): void {
    this.live.delete(state);
    if (this.live.size === 0) this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.revalidate(), this.revalidateMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
