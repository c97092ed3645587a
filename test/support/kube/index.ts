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
 *
 * CustomResourceDefinitions (crds.ts): `apiextensions.k8s.io/v1` is always served; POSTing a
 * CRD registers its resource for every served version (discovery, CRUD, watch, status
 * subresource) and sets `Established`; deleting it deletes its objects and unregisters it.
 * `await applyCrds(kube)` applies every `deploy/crds/*.yaml` through `kube.client` (or
 * `applyCrds(kube, [file])`). Custom resources are defaulted, pruned and validated against
 * their `openAPIV3Schema` with the API server's messages (schema.ts: `validateValue`,
 * `processCustomResource`, `structuralErrors`); `?fieldValidation=Strict` refuses unknown
 * fields (400), `Warn` (the default) answers with `Warning: 299 - "unknown field \"spec.foo\""`.
 *
 * Garbage collection (gc.ts), on by default (`start({ garbageCollection: false })` holds it
 * off until `kube.gc.start()`) honours `metadata.ownerReferences` like
 * kube-controller-manager does, asynchronously after the triggering write, for DELETE with
 * `propagationPolicy` Background (default), Foreground and Orphan (body or query);
 * `await kube.gc.idle()` waits until it has caught up. While it is held off, DELETE still records the
 * policy's `orphan`/`foregroundDeletion` finalizer, which then holds the owner.
 */
export { startKubeTestServer, startKubeTestServer as start } from './server.js';
export type { FaultInjector, KubeTestServer, KubeTestServerOptions, MintTokenOptions, RecordedRequest } from './server.js';
export { KubeApiError, KubeClient, resourcePath } from './client.js';
export type { KubeList, KubeWatch, ResourceRef, TokenRequestResult, TokenRequestSpec, TokenReviewStatus } from './client.js';
export { ObjectStore, kubeTime } from './store.js';
export type { DeleteOptions, DeleteResult, ListOptions, ListResult, StoreHooks, StoreOptions, UpdateOptions, WriteOptions } from './store.js';
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
export { writeKubeconfig } from './kubeconfig-file.js';
export type {
  Authorizer,
  FieldValidationDirective,
  KubeObject,
  ObjectMeta,
  OwnerReference,
  PrepareContext,
  PropagationPolicy,
  RequestAttributes,
  ResourceType,
  WatchEvent,
  WatchEventType,
} from './types.js';
export { FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, apiVersionOf, groupResourceKey } from './types.js';
export { CRD_CLEANUP_FINALIZER, DEFAULT_CRD_DIR, applyCrds, compareKubeVersions, customResourceDefinitionsType, installCrdController, loadCrdManifests } from './crds.js';
export {
  OMIT_VALUE,
  applyDefaults,
  fieldErrorBody,
  fieldErrorString,
  fieldErrors,
  processCustomResource,
  pruneNulls,
  pruneUnknownFields,
  structuralErrors,
  supportedFormat,
  toStatusCauses,
  unknownFieldMessage,
  validateCustomResource,
  validateValue,
} from './schema.js';
export type { FieldError, FieldErrorType, FieldValidation, JSONSchemaProps, ProcessResult } from './schema.js';
export { GarbageCollector } from './gc.js';
