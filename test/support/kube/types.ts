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
  /**
   * Defaulting and validation (the registry strategy): runs on create (`old` undefined) and
   * update, may mutate `obj`, throws a `KubeStatusError` (usually 422) to refuse.
   */
  prepare?: (obj: KubeObject, old: KubeObject | undefined) => void;
}

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
