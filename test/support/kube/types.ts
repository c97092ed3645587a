/** The object model shared by the store, the watch machinery, the server and the client. */
import type { UserInfo } from './tokens.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A resource the server serves: one REST collection (`/api/v1/namespaces/x/configmaps`). */
export interface ResourceType {
  /** `''` for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `configmaps`. */
  resource: string;
  kind: string;
  /** Default `<kind>List`. */
  listKind?: string;
  /** Default the kind in lower case. */
  singularName?: string;
  namespaced: boolean;
  shortNames?: readonly string[];
  /** Serve `<name>/status` and keep status changes out of main-resource writes. */
  statusSubresource?: boolean;
  /** DELETE answers with the deleted object rather than a `Status` (pods, custom resources). */
  returnDeletedObject?: boolean;
  /** `dns-label` for namespaces; default `dns-subdomain`. */
  nameValidation?: 'dns-subdomain' | 'dns-label';
  /** Field-selector fields beyond `metadata.name` and `metadata.namespace`. */
  selectableFields?: (obj: KubeObject) => Record<string, string>;
  /** `kubectl get <category>` groups (informational; CRDs carry them). */
  categories?: readonly string[];
  /**
   * Defaulting and validation (the registry strategy): runs on create (`old` undefined) and
   * update, may mutate `obj`, throws a `KubeStatusError` (usually 422) to refuse.
   */
  prepare?: (obj: KubeObject, old: KubeObject | undefined, context: PrepareContext) => void;
  /**
   * Runs on the first DELETE of an object (before finalizers are looked at) and may mutate
   * it: the CRD registry adds its `customresourcecleanup.apiextensions.k8s.io` finalizer.
   */
  beforeDelete?: (obj: KubeObject) => void;
}

/** `?fieldValidation=`: what to do with unknown fields (the API server's default is Warn). */
export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

/** What a registry strategy knows about the request it prepares an object for. */
export interface PrepareContext {
  fieldValidation: FieldValidationDirective;
  /** Adds a `Warning: 299 - "<message>"` response header. */
  warn(message: string): void;
  subresource: 'status' | undefined;
}

/** How dependents are handled when their owner is deleted (DeleteOptions.propagationPolicy). */
export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** The finalizers the garbage collector works with. */
export const FOREGROUND_DELETION_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** `group/resource` key, e.g. `configmaps` or `deployments.apps`. */
export function groupResourceKey(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** What a request asks to do, for the authorizer (RBAC's attributes). */
export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
}

/** Decides whether `user` may do what `attributes` describe (RBAC stand-in). Default: anyone authenticated. */
export type Authorizer = (user: UserInfo, attributes: RequestAttributes) => boolean;
