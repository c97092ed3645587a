/**
 * An in-process Kubernetes API server for tests (see DESIGN.md, "Tests"): real HTTPS,
 * resourceVersion and 409 conflicts, watch, label and field selectors, TokenRequest,
 * TokenReview with signed ServiceAccount JWTs, and OIDC discovery.
 *
 * ```ts
 * const kube = await start();
 * kube.createNamespace('team-a', { tenant: 'a' });
 * kube.createServiceAccount('team-a', 'app');
 * const { status } = await kube.client.requestToken('team-a', 'app', { audiences: ['vault'] });
 * await kube.close();
 * ```
 *
 * Extending it (the operator's suites): `kube.store.register(type)` serves another
 * resource (discovery, CRUD, watch, status subresource) under `/apis/<group>/<version>`;
 * `kube.store.addHooks({ admit, afterCreate, afterUpdate, afterDelete })` adds admission
 * and controller behaviour. Objects are stored once per group/resource (a type declares the
 * version it is served at) with one global resourceVersion counter.
 */
export { startKubeTestServer, startKubeTestServer as start } from './server.js';
export type { FaultInjector, KubeTestServer, KubeTestServerOptions, MintTokenOptions, RecordedRequest } from './server.js';
export { KubeApiError, KubeClient, resourcePath } from './client.js';
export type { KubeList, KubeWatch, ResourceRef, TokenRequestResult, TokenRequestSpec, TokenReviewStatus } from './client.js';
export { ObjectStore, kubeTime } from './store.js';
export type { DeleteResult, ListOptions, ListResult, StoreHooks, StoreOptions } from './store.js';
export { EventLog, eventForWatcher, openWatch } from './watch.js';
export type { StoreEvent, WatchFilter, WatchOptions } from './watch.js';
export {
  SelectorParseError,
  formatLabelSelector,
  labelSelectorFromObject,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
export type { FieldRequirement, LabelRequirement, LabelSelectorObject } from './selectors.js';
export { DEFAULT_ISSUER, LEGACY_ISSUER, TokenAuthority, authenticateServiceAccountToken, decodeJwt } from './tokens.js';
export type { MintedToken, ServiceAccountIdentity, SigningAlgorithm, TokenAuthentication, UserInfo } from './tokens.js';
export { KubeStatusError, statusErrors } from './status.js';
export type { StatusObject } from './status.js';
export {
  CORE_RESOURCE_TYPES,
  configMapsType,
  namespacesType,
  podsType,
  secretsType,
  serviceAccountsType,
  SERVICE_ACCOUNT_TOKEN_SECRET_TYPE,
} from './resources.js';
export { applyJsonPatch, applyMergePatch } from './patch.js';
export { generateServingCertificate } from './tls.js';
export type { Authorizer, KubeObject, ObjectMeta, RequestAttributes, ResourceType, WatchEvent, WatchEventType } from './types.js';
export { apiVersionOf, groupResourceKey } from './types.js';
