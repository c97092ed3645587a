/**
 * Who may subscribe, and who may see which event (Vault's `http/events.go`).
 *
 * Subscribing to `<pattern>` needs `read` on `sys/events/subscribe/<pattern>` (Vault), or
 * `subscribe` there, in which case the rule's `subscribe_event_types` bound the event types
 * delivered (an empty list grants none).
 *
 * Each event is then checked against the subscriber's ACL when it is published:
 * - a root token sees every event;
 * - an event without `data_path` is for root tokens only (as Vault);
 * - otherwise the rule matching `data_path` must grant `subscribe` with a
 *   `subscribe_event_types` glob matching the event type (Vault), or — a Coffer addition,
 *   since whoever may read a path can poll it anyway — `read` or `list` on `data_path`.
 * So a token confined to `team-a/*` never learns of a `team-b/` path.
 */
import type { Acl } from '../policy/index.js';
import type { EventRecord } from './bus.js';
import { globMatch } from './glob.js';

export const SUBSCRIBE_PATH_PREFIX = 'sys/events/subscribe/';

export type SubscribeDecision =
  | { allowed: false }
  /** `eventTypes` null: no restriction beyond the pattern. */
  | { allowed: true; eventTypes: readonly string[] | null };

export function authorizeSubscribe(acl: Acl, pattern: string): SubscribeDecision {
  const path = SUBSCRIBE_PATH_PREFIX + pattern;
  if (acl.isRoot || acl.allowOperation({ path, operation: 'read' }).allowed) return { allowed: true, eventTypes: null };
  const sub = acl.allowOperation({ path, operation: 'subscribe' });
  if (!sub.allowed) return { allowed: false };
  const types = sub.subscribeEventTypes ?? [];
  return types.length === 0 ? { allowed: false } : { allowed: true, eventTypes: types };
}

/** Whether the holder of `acl` may receive `event` (see the module comment). */
export function eventVisibleTo(acl: Acl, event: EventRecord): boolean {
  if (acl.isRoot) return true;
  const dataPath = event.metadata['data_path'];
  if (dataPath === undefined || dataPath === '') return false;
  const sub = acl.allowOperation({ path: dataPath, operation: 'subscribe' });
  if (sub.allowed && (sub.subscribeEventTypes ?? []).some((p) => globMatch(p, event.eventType))) return true;
  return acl.allowOperation({ path: dataPath, operation: 'read' }).allowed || acl.allowOperation({ path: dataPath, operation: 'list' }).allowed;
}
