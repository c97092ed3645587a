/**
 * TypeScript mirror of ESO's `external-secrets.io/v1` API (apis/externalsecrets/v1/*_types.go)
 * for the kinds Coffer reconciles: ExternalSecret, SecretStore and ClusterSecretStore, with the
 * vault, kubernetes and fake providers spelled out. Optional Go fields with `omitempty` are
 * optional here; the CRDs inject only the defaults documented in `constants.ts`.
 */
import type { KubeObject, ObjectMeta, ResourceRef } from '../../runtime/types.js';
import { ESO_GROUP, ESO_VERSION } from './constants.js';

// ---- shared selectors (apis/meta/v1) ----

export interface SecretKeySelector {
  name?: string;
  /** Honoured only from cluster-scoped stores; otherwise the referent's namespace is used. */
  namespace?: string;
  key?: string;
}

export interface ServiceAccountSelector {
  name: string;
  namespace?: string;
  audiences?: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

// ---- ExternalSecret ----

export type SecretStoreKind = 'SecretStore' | 'ClusterSecretStore';
export type CreationPolicy = 'Owner' | 'Orphan' | 'Merge' | 'None' | 'CreateOrMerge';
export type DeletionPolicy = 'Delete' | 'Merge' | 'Retain';
export type RefreshPolicy = 'CreatedOnce' | 'Periodic' | 'OnChange';
export type ConversionStrategy = 'Default' | 'Unicode';
export type DecodingStrategy = 'Auto' | 'Base64' | 'Base64URL' | 'None';
export type MetadataPolicy = 'None' | 'Fetch';
export type NullBytePolicy = 'Ignore' | 'Fail';
export type TemplateMergePolicy = 'Replace' | 'Merge';
export type TemplateScope = 'Values' | 'KeysAndValues';
/** `Data|Annotations|Labels` for Secret targets; a field path for generic targets. */
export type TemplateTarget = string;

export interface SecretStoreRef {
  name?: string;
  kind?: SecretStoreKind;
}

export interface GeneratorRef {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface ExternalSecretTemplateMetadata {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: string[];
}

export interface TemplateRefItem {
  key: string;
  templateAs?: TemplateScope;
}

export interface TemplateRef {
  name: string;
  items: TemplateRefItem[];
}

export interface TemplateFrom {
  configMap?: TemplateRef;
  secret?: TemplateRef;
  target?: TemplateTarget;
  literal?: string;
  valuesDecodingStrategy?: DecodingStrategy;
}

export interface ExternalSecretTemplate {
  type?: string;
  engineVersion?: 'v2';
  metadata?: ExternalSecretTemplateMetadata;
  mergePolicy?: TemplateMergePolicy;
  data?: Record<string, string>;
  templateFrom?: TemplateFrom[];
}

export interface ExternalSecretManifest {
  apiVersion: string;
  kind: string;
}

export interface ExternalSecretTarget {
  name?: string;
  creationPolicy?: CreationPolicy;
  deletionPolicy?: DeletionPolicy;
  template?: ExternalSecretTemplate;
  /** Generic (non-Secret) target; ESO needs `--unsafe-allow-generic-targets`. */
  manifest?: ExternalSecretManifest;
  immutable?: boolean;
}

export interface ExternalSecretDataRemoteRef {
  key: string;
  property?: string;
  version?: string;
  conversionStrategy?: ConversionStrategy;
  decodingStrategy?: DecodingStrategy;
  metadataPolicy?: MetadataPolicy;
  nullBytePolicy?: NullBytePolicy;
}

export interface StoreSourceRef {
  storeRef?: SecretStoreRef;
  /** Deprecated in `.data[]` (not implemented there by ESO). */
  generatorRef?: GeneratorRef;
}

export interface StoreGeneratorSourceRef {
  storeRef?: SecretStoreRef;
  generatorRef?: GeneratorRef;
}

export interface ExternalSecretData {
  secretKey: string;
  remoteRef: ExternalSecretDataRemoteRef;
  sourceRef?: StoreSourceRef;
}

export interface FindName {
  regexp?: string;
}

export interface ExternalSecretFind {
  path?: string;
  name?: FindName;
  tags?: Record<string, string>;
  conversionStrategy?: ConversionStrategy;
  decodingStrategy?: DecodingStrategy;
  nullBytePolicy?: NullBytePolicy;
}

export interface ExternalSecretRewriteMerge {
  into?: string;
  priority?: string[];
  priorityPolicy?: 'IgnoreNotFound' | 'Strict';
  conflictPolicy?: 'Ignore' | 'Error';
  strategy?: 'Extract' | 'JSON';
}

export interface ExternalSecretRewriteRegexp {
  source: string;
  target: string;
}

export interface ExternalSecretRewriteTransform {
  template: string;
}

/** Exactly one of the three must be set. */
export interface ExternalSecretRewrite {
  merge?: ExternalSecretRewriteMerge;
  regexp?: ExternalSecretRewriteRegexp;
  transform?: ExternalSecretRewriteTransform;
}

export interface ExternalSecretDataFromRemoteRef {
  extract?: ExternalSecretDataRemoteRef;
  find?: ExternalSecretFind;
  rewrite?: ExternalSecretRewrite[];
  sourceRef?: StoreGeneratorSourceRef;
}

export interface SyncWindow {
  /** 5-field cron (UTC) or a descriptor such as `@daily` / `@every 1h`. */
  schedule: string;
  duration: string;
}

export interface ExternalSecretSyncWindows {
  kind?: 'allow' | 'deny';
  windows?: SyncWindow[];
}

export interface ExternalSecretSpec {
  secretStoreRef?: SecretStoreRef;
  target?: ExternalSecretTarget;
  refreshPolicy?: RefreshPolicy;
  /** Go duration string; CRD default `1h`. */
  refreshInterval?: string;
  syncWindows?: ExternalSecretSyncWindows;
  data?: ExternalSecretData[];
  dataFrom?: ExternalSecretDataFromRemoteRef[];
}

export type ExternalSecretConditionType = 'Ready' | 'Deleted';

export interface ExternalSecretStatusCondition {
  type: ExternalSecretConditionType;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ExternalSecretStatus {
  refreshTime?: string | null;
  /** `"<generation>-<sha3-224 of labels+annotations>"`. */
  syncedResourceVersion?: string;
  conditions?: ExternalSecretStatusCondition[];
  binding?: { name?: string };
}

export interface ExternalSecret extends KubeObject {
  apiVersion: string;
  kind: 'ExternalSecret';
  metadata: ObjectMeta;
  spec: ExternalSecretSpec;
  status?: ExternalSecretStatus;
}

// ---- SecretStore / ClusterSecretStore ----

export interface CAProvider {
  type: 'Secret' | 'ConfigMap';
  name: string;
  key?: string;
  namespace?: string;
}

export interface VaultAppRole {
  path?: string;
  roleId?: string;
  roleRef?: SecretKeySelector;
  secretRef: SecretKeySelector;
}

export interface VaultKubernetesAuth {
  mountPath?: string;
  role: string;
  serviceAccountRef?: ServiceAccountSelector;
  secretRef?: SecretKeySelector;
}

export interface VaultLdapAuth {
  path?: string;
  username: string;
  secretRef?: SecretKeySelector;
}

export interface VaultUserPassAuth {
  path?: string;
  username: string;
  secretRef?: SecretKeySelector;
}

export interface VaultKubernetesServiceAccountTokenAuth {
  serviceAccountRef: ServiceAccountSelector;
  /** Deprecated: use serviceAccountRef.audiences. */
  audiences?: string[];
  /** Deprecated; 10 minutes when unset. */
  expirationSeconds?: number;
}

export interface VaultJwtAuth {
  path?: string;
  role?: string;
  secretRef?: SecretKeySelector;
  kubernetesServiceAccountToken?: VaultKubernetesServiceAccountTokenAuth;
}

export interface VaultCertAuth {
  path?: string;
  clientCert?: SecretKeySelector;
  secretRef?: SecretKeySelector;
  vaultRole?: string;
}

export interface VaultAuth {
  /** Vault namespace used for the login only. */
  namespace?: string;
  tokenSecretRef?: SecretKeySelector;
  appRole?: VaultAppRole;
  kubernetes?: VaultKubernetesAuth;
  ldap?: VaultLdapAuth;
  userPass?: VaultUserPassAuth;
  jwt?: VaultJwtAuth;
  cert?: VaultCertAuth;
  /** AWS IAM auth: accepted, not supported by Coffer. */
  iam?: Record<string, unknown>;
  /** GCP auth: accepted, not supported by Coffer. */
  gcp?: Record<string, unknown>;
}

export interface VaultClientTLS {
  certSecretRef?: SecretKeySelector;
  keySecretRef?: SecretKeySelector;
}

export interface VaultProvider {
  server: string;
  path?: string;
  /** KV engine version; `v2` when unset. */
  version?: 'v1' | 'v2';
  namespace?: string;
  /** Base64 (JSON `[]byte`) PEM bundle. */
  caBundle?: string;
  caProvider?: CAProvider;
  tls?: VaultClientTLS;
  readYourWrites?: boolean;
  forwardInconsistent?: boolean;
  headers?: Record<string, string>;
  checkAndSet?: { required?: boolean };
  auth?: VaultAuth;
}

export interface KubernetesServer {
  url?: string;
  caBundle?: string;
  caProvider?: CAProvider;
}

export interface KubernetesAuth {
  cert?: { clientCert?: SecretKeySelector; clientKey?: SecretKeySelector };
  token?: { bearerToken?: SecretKeySelector };
  serviceAccount?: ServiceAccountSelector;
}

export interface KubernetesProvider {
  server?: KubernetesServer;
  auth?: KubernetesAuth;
  authRef?: SecretKeySelector;
  /** `default` when unset. */
  remoteNamespace?: string;
}

export interface FakeProviderData {
  key: string;
  value?: string;
  /** Deprecated: use `value`. */
  valueMap?: Record<string, string>;
  version?: string;
}

export interface FakeProvider {
  data: FakeProviderData[];
  validationResult?: number;
}

/** Exactly one key must be set. Providers Coffer does not implement are kept opaque. */
export interface SecretStoreProvider {
  vault?: VaultProvider;
  kubernetes?: KubernetesProvider;
  fake?: FakeProvider;
  [otherProvider: string]: unknown;
}

export interface ClusterSecretStoreCondition {
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  /** Go RE2, unanchored. */
  namespaceRegexes?: string[];
}

export interface SecretStoreRetrySettings {
  maxRetries?: number;
  retryInterval?: string;
}

export interface SecretStoreSpec {
  controller?: string;
  provider: SecretStoreProvider;
  retrySettings?: SecretStoreRetrySettings;
  /** Seconds, or a duration string; empty/0 = controller default (5m). */
  refreshInterval?: number | string;
  /** ClusterSecretStore only; OR-ed; empty = every namespace. */
  conditions?: ClusterSecretStoreCondition[];
}

export type SecretStoreCapabilities = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';

export interface SecretStoreStatusCondition {
  type: 'Ready';
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface SecretStoreStatus {
  conditions?: SecretStoreStatusCondition[];
  capabilities?: SecretStoreCapabilities;
}

export interface SecretStore extends KubeObject {
  kind: 'SecretStore';
  spec: SecretStoreSpec;
  status?: SecretStoreStatus;
}

export interface ClusterSecretStore extends KubeObject {
  kind: 'ClusterSecretStore';
  spec: SecretStoreSpec;
  status?: SecretStoreStatus;
}

export type GenericStore = SecretStore | ClusterSecretStore;

// ---- resource refs for the KubeClient ----

export const externalSecretsResource: ResourceRef = {
  group: ESO_GROUP, version: ESO_VERSION, plural: 'externalsecrets', kind: 'ExternalSecret', namespaced: true,
};
export const secretStoresResource: ResourceRef = {
  group: ESO_GROUP, version: ESO_VERSION, plural: 'secretstores', kind: 'SecretStore', namespaced: true,
};
export const clusterSecretStoresResource: ResourceRef = {
  group: ESO_GROUP, version: ESO_VERSION, plural: 'clustersecretstores', kind: 'ClusterSecretStore', namespaced: false,
};
