/**
 * Server events (Vault's event notifications): the bus engines publish to, the filters and
 * authorisation that decide who sees what, and the CloudEvents JSON envelope.
 */
export {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_PENDING,
  EventBus,
  Subscription,
  buildEvent,
  type EventBusOptions,
  type EventPluginInfo,
  type EventRecord,
  type SubscribeOptions,
  type SubscriptionEnd,
  type SubscriptionSink,
} from './bus.js';
export { EVENT_CONTENT_TYPE, EVENT_SOURCE, formatCloudEvent, toCloudEvent, type CloudEvent } from './cloudevents.js';
export { SUBSCRIBE_PATH_PREFIX, authorizeSubscribe, eventVisibleTo, type SubscribeDecision } from './authorize.js';
export {
  FILTER_SELECTORS,
  FilterSyntaxError,
  MAX_FILTER_LENGTH,
  evaluateFilter,
  formatFilter,
  parseFilter,
  type FilterDatum,
  type FilterExpr,
  type FilterSelector,
  type MatchOperator,
} from './filter.js';
export { globMatch } from './glob.js';
export {
  DEFAULT_REVALIDATE_MS,
  EventSubscriptions,
  type EventSubscriptionsOptions,
  type OpenSubscriptionInput,
  type ResolvedSubscriber,
  type TokenAuthority,
} from './subscriptions.js';
