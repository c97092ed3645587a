/**
 * The object store behind the test API server: objects keyed by (group/resource,
 * namespace, name), one global resourceVersion counter (etcd's revision), optimistic
 * concurrency, finalizers, namespace lifecycle, and an ordered event log for watches.
 *
 * Everything is synchronous and single-threaded, so a write and the events it causes are
 * atomic; objects go in and come out as deep copies.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { SelectorParseError, matchFields, matchLabels, parseFieldSelector, parseLabelSelector, validateLabelKey, validateLabelValue } from './selectors.js';
import { KubeStatusError, statusErrors, successStatus, type StatusCause, type StatusObject } from './status.js';
import {
  FOREGROUND_DELETION_FINALIZER,
  ORPHAN_FINALIZER,
  apiVersionOf,
  groupResourceKey,
  type FieldValidationDirective,
  type KubeObject,
  type PrepareContext,
  type PropagationPolicy,
  type ResourceType,
} from './types.js';
import { EventLog, type StoreEvent, type WatchFilter, type WatchSource } from './watch.js';

export interface StoreOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Events kept for watches that resume from a resourceVersion (default 10000). */
  historyLimit?: number;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Unknown-field handling for types that know their schema (custom resources); default Warn. */
  fieldValidation?: FieldValidationDirective;
  /** Collects `Warning` header messages the write produced. */
  warnings?: string[];
}

export interface UpdateOptions extends WriteOptions {
  subresource?: 'status';
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Default: keep the GC finalizers the object has, else Background. */
  propagationPolicy?: PropagationPolicy;
}

export interface DeleteResult {
  /** The object as last stored (with deletionTimestamp when finalizers hold it). */
  object: KubeObject;
  /** False when finalizers (or namespace termination) keep the object around for now. */
  removed: boolean;
}

/** Extension points for controllers and admission (the operator's test server adds its own). */
export interface StoreHooks {
  /** Runs before a create or update is stored; may mutate `obj` or throw a KubeStatusError. */
  admit?(operation: 'create' | 'update', type: ResourceType, obj: KubeObject, old: KubeObject | undefined): void;
  /** Run after the write and its event (synchronously: controllers that react at once). */
  afterCreate?(type: ResourceType, obj: KubeObject): void;
  afterUpdate?(type: ResourceType, obj: KubeObject, old: KubeObject): void;
  afterDelete?(type: ResourceType, obj: KubeObject): void;
}

const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** RFC 3339 with second precision, as Kubernetes writes `metav1.Time`. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function prepareContext(options: WriteOptions, subresource: 'status' | undefined): PrepareContext {
  return {
    fieldValidation: options.fieldValidation ?? 'Warn',
    warn: (message) => options.warnings?.push(message),
    subresource,
  };
}

/**
 * The finalizers a DELETE leaves on an object (registry `deletionFinalizersForGarbageCollection`):
 * an explicit policy replaces the GC finalizers (Orphan → `orphan`, Foreground →
 * `foregroundDeletion`, Background → neither); no policy keeps what the object has.
 */
function gcFinalizers(finalizers: readonly string[], policy: PropagationPolicy | undefined): string[] {
  if (policy === undefined) return [...finalizers];
  const kept = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_DELETION_FINALIZER);
  if (policy === 'Orphan') kept.push(ORPHAN_FINALIZER);
  if (policy === 'Foreground') kept.push(FOREGROUND_DELETION_FINALIZER);
  return kept;
}

function invalid(type: ResourceType, name: string, causes: StatusCause[]): KubeStatusError {
  return statusErrors.invalid(type.kind, type.group, name, causes);
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Everything but metadata and status: what bumps `metadata.generation`. */
function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function withoutVolatile(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.metadata.resourceVersion;
  delete copy.metadata['managedFields'];
  return copy;
}

export class ObjectStore implements WatchSource {
  readonly log: EventLog;
  private rv = 1000;
  private readonly now: () => number;
  /** The storage type of each group/resource. */
  private readonly types = new Map<string, ResourceType>();
  /** Every served version of each group/resource (usually just the storage type). */
  private readonly served = new Map<string, readonly ResourceType[]>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly hooks: StoreHooks[] = [];

  constructor(options: StoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.log = new EventLog(options.historyLimit ?? 10_000, this.rv);
  }

  // ---- resource types ---------------------------------------------------------------

  /**
   * Serves `type` (replacing any earlier registration of its group/resource). Objects are
   * stored as `type`; `servedVersions` (same group/resource, other versions, e.g. from a
   * CRD) are the versions reachable over HTTP when given, else just `type`'s.
   */
  register(type: ResourceType, servedVersions?: readonly ResourceType[]): void {
    const key = groupResourceKey(type);
    this.types.set(key, type);
    this.served.set(key, servedVersions ?? [type]);
    if (!this.objects.has(key)) this.objects.set(key, new Map());
  }

  /** Stops serving a group/resource and drops its objects (a deleted CRD). */
  unregister(groupResource: string): void {
    this.types.delete(groupResource);
    this.served.delete(groupResource);
    this.objects.delete(groupResource);
  }

  /** Every served type, one per group/resource/version. */
  registeredTypes(): ResourceType[] {
    return [...this.served.values()].flat();
  }

  /** One type per group/resource: the version objects are stored as. */
  storageTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  /** The type served at `group/version/resource`, if any. */
  resolve(group: string, version: string, resource: string): ResourceType | undefined {
    return this.served.get(group === '' ? resource : `${resource}.${group}`)?.find((t) => t.version === version);
  }

  /** By `group/resource` key: `secrets`, `deployments.apps`. Throws for unknown types. */
  type(groupResource: string): ResourceType {
    const type = this.types.get(groupResource);
    if (!type) throw new Error(`unknown resource type ${groupResource}`);
    return type;
  }

  addHooks(hooks: StoreHooks): () => void {
    this.hooks.push(hooks);
    return () => {
      const i = this.hooks.indexOf(hooks);
      if (i !== -1) this.hooks.splice(i, 1);
    };
  }

  currentResourceVersion(): number {
    return this.rv;
  }

  // ---- reads ------------------------------------------------------------------------

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = groupResourceKey(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  private scope(type: ResourceType, namespace: string | undefined): string {
    return type.namespaced ? (namespace ?? '') : '';
  }

  tryGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.bucket(type).get(objectKey(this.scope(type, namespace), name));
    return obj === undefined ? undefined : this.present(type, obj);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.tryGet(type, namespace, name);
    if (!obj) throw statusErrors.notFound(type, name);
    return obj;
  }

  /** A copy with kind/apiVersion of the served version. */
  private present(type: ResourceType, obj: KubeObject): KubeObject {
    // The requested version's apiVersion: conversion between CRD versions is `None`.
    const { apiVersion: _a, kind: _k, ...copy } = structuredClone(obj);
    return { apiVersion: apiVersionOf(type), kind: type.kind, ...copy } as KubeObject;
  }

  /** Compiles selectors for `type`; throws a 400 Status for bad syntax or unsupported fields. */
  compileFilter(type: ResourceType, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): WatchFilter {
    let labels;
    let fields;
    try {
      labels = parseLabelSelector(labelSelector ?? '');
      fields = parseFieldSelector(fieldSelector ?? '');
    } catch (err) {
      if (err instanceof SelectorParseError) throw statusErrors.badRequest(err.message);
      throw err;
    }
    const supported = new Set(['metadata.name', 'metadata.namespace']);
    const sample = type.selectableFields?.({ metadata: {} }) ?? {};
    for (const f of Object.keys(sample)) supported.add(f);
    for (const req of fields) {
      if (!supported.has(req.field)) throw statusErrors.badRequest(`field label not supported: ${req.field}`);
    }
    return {
      groupResource: groupResourceKey(type),
      namespace: type.namespaced ? namespace : undefined,
      matches: (obj) => {
        if (!matchLabels(labels, obj.metadata.labels)) return false;
        if (fields.length === 0) return true;
        const values: Record<string, string> = {
          'metadata.name': obj.metadata.name ?? '',
          'metadata.namespace': obj.metadata.namespace ?? '',
          ...(type.selectableFields?.(obj) ?? {}),
        };
        return matchFields(fields, values);
      },
    };
  }

  snapshot(filter: WatchFilter): KubeObject[] {
    const type = this.type(filter.groupResource);
    return [...this.bucket(type).entries()]
      .filter(([, obj]) => filter.namespace === undefined || obj.metadata.namespace === filter.namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => obj)
      .filter((obj) => filter.matches(obj))
      .map((obj) => this.present(type, obj));
  }

  /**
   * A list as the apiserver answers it: sorted by namespace/name, items without
   * kind/apiVersion, paginated with `limit`/`continue` (the token carries the last key;
   * pages are read from the current state, not a snapshot).
   */
  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const filter = this.compileFilter(type, namespace, options.labelSelector, options.fieldSelector);
    let startAfter: string | undefined;
    if (options.continue) {
      try {
        const decoded = JSON.parse(Buffer.from(options.continue, 'base64url').toString('utf8')) as { start?: unknown };
        if (typeof decoded.start !== 'string') throw new Error('bad token');
        startAfter = decoded.start;
      } catch {
        throw statusErrors.badRequest('continue key is not valid: invalid continue token');
      }
    }
    const entries = [...this.bucket(type).entries()]
      .filter(([, obj]) => filter.namespace === undefined || obj.metadata.namespace === filter.namespace)
      .filter(([key]) => startAfter === undefined || key > startAfter)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([, obj]) => filter.matches(obj));
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
    const page = limit === undefined ? entries : entries.slice(0, limit);
    const result: ListResult = {
      items: page.map(([, obj]) => {
        const { apiVersion: _a, kind: _k, ...rest } = structuredClone(obj);
        return rest as KubeObject;
      }),
      resourceVersion: String(this.rv),
    };
    if (limit !== undefined && entries.length > limit) {
      const last = page[page.length - 1];
      if (last) result.continue = Buffer.from(JSON.stringify({ rv: this.rv, start: last[0] })).toString('base64url');
      if (!options.labelSelector && !options.fieldSelector) result.remainingItemCount = entries.length - limit;
    }
    return result;
  }

  // ---- writes -----------------------------------------------------------------------

  private checkKind(type: ResourceType, body: KubeObject): void {
    const apiVersion = apiVersionOf(type);
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== apiVersion) {
      throw statusErrors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== type.kind) {
      throw statusErrors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`);
    }
  }

  private validateMeta(type: ResourceType, obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const causes: StatusCause[] = [];
    const label = type.nameValidation === 'dns-label';
    const re = label ? DNS_LABEL_RE : DNS_SUBDOMAIN_RE;
    if (!re.test(name) || name.length > (label ? 63 : 253)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 ${label ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-'${label ? '' : " or '.'"}, and must start and end with an alphanumeric character`,
      });
    }
    for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
      try {
        if (typeof value !== 'string') throw new SelectorParseError(`label values must be strings`);
        validateLabelKey(key);
        validateLabelValue(value);
      } catch (err) {
        causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${key}": ${(err as Error).message}` });
      }
    }
    if (causes.length > 0) throw invalid(type, name, causes);
  }

  private namespaceType(): ResourceType | undefined {
    return this.types.get('namespaces');
  }

  private requireNamespace(type: ResourceType, namespace: string, name: string): void {
    const nsType = this.namespaceType();
    if (!nsType) return;
    const ns = this.bucket(nsType).get(objectKey('', namespace));
    if (!ns) throw statusErrors.notFound(nsType, namespace);
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw statusErrors.forbiddenMessage(type, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private emit(type: ResourceType, eventType: StoreEvent['type'], obj: KubeObject, previous: KubeObject | undefined): void {
    this.log.append({
      type: eventType,
      groupResource: groupResourceKey(type),
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      object: this.present(type, obj),
      previous: previous === undefined ? undefined : this.present(type, previous),
      resourceVersion: Number(obj.metadata.resourceVersion),
    });
  }

  create(type: ResourceType, namespace: string | undefined, body: KubeObject, options: WriteOptions = {}): KubeObject {
    this.checkKind(type, body);
    const obj = structuredClone(body);
    obj.metadata = obj.metadata ?? {};
    const meta = obj.metadata;
    if (type.namespaced) {
      if (!namespace) throw statusErrors.badRequest('the server could not find the requested resource: a namespace is required');
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name) {
      if (!meta.generateName) {
        throw invalid(type, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
      }
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[randomInt(GENERATE_NAME_ALPHABET.length)];
      meta.name = `${meta.generateName}${suffix}`;
    }
    const name = meta.name;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw statusErrors.internal('resourceVersion should not be set on objects to be created');
    }
    this.validateMeta(type, obj);
    if (type.namespaced) this.requireNamespace(type, namespace ?? '', name);
    const bucket = this.bucket(type);
    const key = objectKey(this.scope(type, namespace), name);
    if (bucket.has(key)) throw statusErrors.alreadyExists(type, name);

    if (type.statusSubresource) delete obj.status;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    type.prepare?.(obj, undefined, prepareContext(options, undefined));
    for (const h of this.hooks) h.admit?.('create', type, obj, undefined);
    meta.uid = randomUUID();
    meta.creationTimestamp = kubeTime(this.now());
    meta.generation = 1;
    if (options.dryRun) return this.present(type, { ...obj, metadata: { ...meta, resourceVersion: String(this.rv) } });
    meta.resourceVersion = String(++this.rv);
    obj.apiVersion = apiVersionOf(this.types.get(groupResourceKey(type)) ?? type);
    obj.kind = type.kind;
    bucket.set(key, obj);
    this.emit(type, 'ADDED', obj, undefined);
    const out = this.present(type, obj);
    for (const h of [...this.hooks]) h.afterCreate?.(type, this.present(type, obj));
    return out;
  }

  /**
   * PUT semantics: `body.metadata.resourceVersion`, when set, must be the current one (409
   * otherwise); without it the update is unconditional. An update that changes nothing
   * keeps the resourceVersion and emits no event.
   */
  update(type: ResourceType, namespace: string | undefined, name: string, body: KubeObject, options: UpdateOptions = {}): KubeObject {
    this.checkKind(type, body);
    const bucket = this.bucket(type);
    const key = objectKey(this.scope(type, namespace), name);
    const current = bucket.get(key);
    if (!current) throw statusErrors.notFound(type, name);
    const incoming = structuredClone(body);
    incoming.metadata = incoming.metadata ?? {};
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw statusErrors.badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (type.namespaced && incoming.metadata.namespace !== undefined && incoming.metadata.namespace !== '' && incoming.metadata.namespace !== namespace) {
      throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (incoming.metadata.uid !== undefined && incoming.metadata.uid !== '' && incoming.metadata.uid !== current.metadata.uid) {
      throw statusErrors.conflict(type, name, `Precondition failed: UID in precondition: ${incoming.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    }
    const rv = incoming.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw statusErrors.staleResourceVersion(type, name);

    let next: KubeObject;
    if (options.subresource === 'status') {
      next = structuredClone(current);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      const keep = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;
      for (const k of keep) {
        if (current.metadata[k] === undefined) delete next.metadata[k];
        else (next.metadata as Record<string, unknown>)[k] = current.metadata[k];
      }
      next.metadata.name = name;
      if (type.namespaced) next.metadata.namespace = namespace ?? '';
      else delete next.metadata.namespace;
      if (type.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      if (current.metadata.deletionTimestamp !== undefined) {
        const added = (next.metadata.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw invalid(type, name, [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
        }
      }
      this.validateMeta(type, next);
    }
    next.apiVersion = apiVersionOf(this.types.get(groupResourceKey(type)) ?? type);
    next.kind = type.kind;
    type.prepare?.(next, structuredClone(current), prepareContext(options, options.subresource));
    for (const h of this.hooks) h.admit?.('update', type, next, structuredClone(current));
    next.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
    if (isDeepStrictEqual(withoutVolatile(next), withoutVolatile(current))) return this.present(type, current);
    if (!isDeepStrictEqual(specOf(next), specOf(current))) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (options.dryRun) return this.present(type, next);
    next.metadata.resourceVersion = String(++this.rv);
    bucket.set(key, next);
    this.emit(type, 'MODIFIED', next, current);
    for (const h of [...this.hooks]) h.afterUpdate?.(type, this.present(type, next), this.present(type, current));
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0 && type.resource !== 'namespaces') {
      this.remove(type, key, next);
    }
    return this.present(type, next);
  }

  private remove(type: ResourceType, key: string, current: KubeObject): KubeObject {
    const bucket = this.bucket(type);
    bucket.delete(key);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit(type, 'DELETED', gone, current);
    for (const h of [...this.hooks]) h.afterDelete?.(type, this.present(type, gone));
    if (type.namespaced && gone.metadata.namespace) this.finishNamespaceIfEmpty(gone.metadata.namespace);
    return gone;
  }

  /**
   * DELETE: objects with finalizers get a deletionTimestamp and stay until their finalizers
   * are removed; a namespace turns Terminating, its contents are deleted, and it goes away
   * once empty.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteResult {
    const bucket = this.bucket(type);
    const key = objectKey(this.scope(type, namespace), name);
    const current = bucket.get(key);
    if (!current) throw statusErrors.notFound(type, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw statusErrors.conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw statusErrors.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
      );
    }
    if (options.dryRun) return { object: this.present(type, current), removed: true };
    const isNamespace = type === this.namespaceType();
    const candidate = structuredClone(current);
    if (current.metadata.deletionTimestamp === undefined) type.beforeDelete?.(candidate);
    const finalizers = gcFinalizers(candidate.metadata.finalizers ?? [], options.propagationPolicy);
    if (finalizers.length > 0 || candidate.metadata.finalizers !== undefined) candidate.metadata.finalizers = finalizers;
    if (!isNamespace && finalizers.length === 0) {
      return { object: this.present(type, this.remove(type, key, current)), removed: true };
    }
    let marked = current;
    if (current.metadata.deletionTimestamp === undefined || !isDeepStrictEqual(finalizers, current.metadata.finalizers ?? [])) {
      marked = candidate;
      if (marked.metadata.deletionTimestamp === undefined) {
        marked.metadata.deletionTimestamp = kubeTime(this.now());
        marked.metadata.deletionGracePeriodSeconds = 0;
      }
      if (isNamespace) marked.status = { ...((marked.status as Record<string, unknown> | undefined) ?? {}), phase: 'Terminating' };
      marked.metadata.resourceVersion = String(++this.rv);
      bucket.set(key, marked);
      this.emit(type, 'MODIFIED', marked, current);
      // Controllers see the deletionTimestamp as an update (what a watch shows them).
      for (const h of [...this.hooks]) h.afterUpdate?.(type, this.present(type, marked), this.present(type, current));
    }
    if (isNamespace) {
      for (const t of this.types.values()) {
        if (!t.namespaced) continue;
        for (const [k, obj] of [...this.bucket(t).entries()]) {
          if (obj.metadata.namespace !== name || obj.metadata.deletionTimestamp !== undefined) continue;
          // A controller reacting to an earlier deletion may have removed it already.
          if (!this.bucket(t).has(k)) continue;
          this.delete(t, name, k.slice(name.length + 1));
        }
      }
      const result = this.present(type, marked);
      this.finishNamespaceIfEmpty(name);
      return { object: result, removed: !bucket.has(key) };
    }
    return { object: this.present(type, marked), removed: !bucket.has(key) };
  }

  private finishNamespaceIfEmpty(namespace: string): boolean {
    const nsType = this.namespaceType();
    if (!nsType) return false;
    const key = objectKey('', namespace);
    const ns = this.bucket(nsType).get(key);
    if (!ns || ns.metadata.deletionTimestamp === undefined) return false;
    for (const t of this.types.values()) {
      if (!t.namespaced) continue;
      for (const obj of this.bucket(t).values()) if (obj.metadata.namespace === namespace) return false;
    }
    const final = structuredClone(ns);
    if (final.spec && typeof final.spec === 'object') (final.spec as Record<string, unknown>)['finalizers'] = [];
    this.remove(nsType, key, final);
    return true;
  }

  /** DELETE on a collection: deletes every matching object; answers with the deleted ones. */
  deleteCollection(type: ResourceType, namespace: string | undefined, options: ListOptions & WriteOptions & Pick<DeleteOptions, 'propagationPolicy'> = {}): KubeObject[] {
    const { items } = this.list(type, namespace, { ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}), ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}) });
    const out: KubeObject[] = [];
    for (const item of items) {
      const name = item.metadata.name ?? '';
      try {
        out.push(
          this.delete(type, item.metadata.namespace, name, {
            ...(options.dryRun ? { dryRun: true } : {}),
            ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
          }).object,
        );
      } catch (err) {
        if (!(err instanceof KubeStatusError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  /** The body of a DELETE answer: the object for some types, else a Success Status. */
  deleteResponse(type: ResourceType, result: DeleteResult): KubeObject | StatusObject {
    if (type.returnDeletedObject || !result.removed || type === this.namespaceType()) return result.object;
    return successStatus({
      name: result.object.metadata.name ?? '',
      ...(type.group !== '' ? { group: type.group } : {}),
      kind: type.resource,
      uid: result.object.metadata.uid ?? '',
    });
  }
}
