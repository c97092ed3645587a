/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinitions on the test server, as the
 * apiextensions-apiserver serves them:
 *
 * - creating or updating a CRD validates it (name `<plural>.<group>`, one storage version,
 *   structural schemas, immutable scope; 422 with causes), defaults it (`names.singular`,
 *   `names.listKind`, `conversion`), records `status.storedVersions`, then registers the
 *   resource for every served version (discovery, CRUD, watch, status subresource) and sets
 *   `NamesAccepted` and `Established` with `status.acceptedNames`;
 * - custom resources are defaulted, pruned and validated against their version's
 *   `openAPIV3Schema` (see schema.ts), honouring `?fieldValidation=Strict|Warn|Ignore`;
 * - deleting a CRD adds the `customresourcecleanup.apiextensions.k8s.io` finalizer and a
 *   `Terminating` condition, deletes every custom resource (refusing new ones with 405), and
 *   once they are gone (their own finalizers may hold them) unregisters the resource and
 *   lets the CRD go.
 *
 * `applyCrds(kube)` POSTs `deploy/crds/*.yaml` through the HTTP client like `kubectl apply`
 * and waits for `Established`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubeApiError } from './client.js';
import {
  OMIT_VALUE,
  fieldErrors,
  processCustomResource,
  structuralErrors,
  toStatusCauses,
  unknownFieldMessage,
  type FieldError,
  type JSONSchemaProps,
} from './schema.js';
import type { KubeTestServer } from './server.js';
import { KubeStatusError, statusErrors } from './status.js';
import { kubeTime, type ObjectStore } from './store.js';
import { groupResourceKey, type KubeObject, type ResourceType } from './types.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const CRD_GROUP = 'apiextensions.k8s.io';

/** The directory `applyCrds` reads by default. */
export const DEFAULT_CRD_DIR = fileURLToPath(new URL('../../../deploy/crds/', import.meta.url));

interface CrdNames {
  plural?: string;
  singular?: string;
  kind?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: unknown; scale?: unknown };
  selectableFields?: { jsonPath?: string }[];
  [key: string]: unknown;
}

interface CrdSpec {
  group?: string;
  names?: CrdNames;
  scope?: string;
  versions?: CrdVersion[];
  conversion?: { strategy?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface CrdCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

interface CrdStatus {
  conditions?: CrdCondition[];
  acceptedNames?: CrdNames;
  storedVersions?: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function specOf(crd: KubeObject): CrdSpec {
  return (isObject(crd['spec']) ? crd['spec'] : {}) as CrdSpec;
}

function statusOf(crd: KubeObject): CrdStatus {
  return (isObject(crd['status']) ? crd['status'] : {}) as CrdStatus;
}

function conditionOf(crd: KubeObject, type: string): CrdCondition | undefined {
  return (statusOf(crd).conditions ?? []).find((c) => c.type === type);
}

// ---- CRD validation -------------------------------------------------------------------------

const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Go's `%#v` of spec.versions, shortened: what kubectl prints before "must have exactly one…". */
function versionsValue(versions: readonly CrdVersion[]): { goSyntax: string } {
  const items = versions.map((v) => `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(v.name ?? '')}, Served:${String(v.served === true)}, Storage:${String(v.storage === true)}, ...}`);
  return { goSyntax: `[]apiextensions.CustomResourceDefinitionVersion{${items.join(', ')}}` };
}

function validateCrd(crd: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(crd);
  const names = spec.names ?? {};
  const group = spec.group ?? '';
  const name = crd.metadata.name ?? '';
  if (name !== `${names.plural ?? ''}.${group}`) errs.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (group === '') errs.push(fieldErrors.required('spec.group'));
  else if (!DNS1123_SUBDOMAIN_RE.test(group)) {
    errs.push(fieldErrors.invalid('spec.group', group, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
  } else if (!group.includes('.')) errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  if (spec.scope === undefined || spec.scope === '') errs.push(fieldErrors.required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldErrors.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(fieldErrors.invalid('spec.versions', OMIT_VALUE, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    const vname = v.name ?? '';
    if (!DNS1035_RE.test(vname) || vname.length > 63) errs.push(fieldErrors.invalid(`${path}.name`, vname, DNS1035_MSG));
    if (seen.has(vname)) unique = false;
    seen.add(vname);
    const schema = v.schema?.openAPIV3Schema;
    if (!isObject(schema)) errs.push(fieldErrors.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
    else errs.push(...structuralErrors(schema, `${path}.schema.openAPIV3Schema`));
  });
  if (!unique) errs.push(fieldErrors.invalid('spec.versions', versionsValue(versions), 'must contain unique version names'));
  if (versions.length > 0 && versions.filter((v) => v.storage === true).length !== 1) {
    errs.push(fieldErrors.invalid('spec.versions', versionsValue(versions), 'must have exactly one version marked as storage version'));
  }

  if ((names.plural ?? '') === '') errs.push(fieldErrors.required('spec.names.plural'));
  else if (!DNS1035_RE.test(names.plural ?? '')) errs.push(fieldErrors.invalid('spec.names.plural', names.plural, DNS1035_MSG));
  if ((names.singular ?? '') !== '' && !DNS1035_RE.test(names.singular ?? '')) errs.push(fieldErrors.invalid('spec.names.singular', names.singular, DNS1035_MSG));
  if ((names.kind ?? '') === '') errs.push(fieldErrors.required('spec.names.kind'));
  (names.shortNames ?? []).forEach((s, i) => {
    if (!DNS1035_RE.test(s)) errs.push(fieldErrors.invalid(`spec.names.shortNames[${i}]`, s, DNS1035_MSG));
  });

  if (old) {
    const oldSpec = specOf(old);
    if (oldSpec.scope !== spec.scope) errs.push(fieldErrors.invalid('spec.scope', spec.scope ?? '', 'field is immutable'));
    (statusOf(old).storedVersions ?? []).forEach((sv, i) => {
      if (!versions.some((v) => v.name === sv)) errs.push(fieldErrors.invalid(`status.storedVersions[${i}]`, sv, 'must appear in spec.versions'));
    });
  }
  return errs;
}

function storageVersionOf(spec: CrdSpec): string | undefined {
  return (spec.versions ?? []).find((v) => v.storage === true)?.name;
}

/** The CRD registry strategy: defaults, validation, storedVersions. */
function prepareCrd(crd: KubeObject, old: KubeObject | undefined, subresource: 'status' | undefined): void {
  // Status writes (the controllers') keep the spec, which was validated when written.
  if (subresource === 'status') return;
  const spec = specOf(crd);
  if (isObject(crd['spec'])) {
    const names = (spec.names ??= {});
    if (names.kind && !names.singular) names.singular = names.kind.toLowerCase();
    if (names.kind && !names.listKind) names.listKind = `${names.kind}List`;
    spec.conversion ??= { strategy: 'None' };
  }
  const errs = validateCrd(crd, old);
  if (errs.length > 0) throw statusErrors.invalid('CustomResourceDefinition', CRD_GROUP, crd.metadata.name ?? '', toStatusCauses(errs));
  const storage = storageVersionOf(spec) ?? '';
  const status = { ...statusOf(crd) };
  if (!old) {
    // What the apiserver answers a create with, before the controllers have looked at it.
    crd['status'] = { acceptedNames: { plural: '', kind: '' }, storedVersions: [storage] };
    return;
  }
  if (!(status.storedVersions ?? []).includes(storage)) status.storedVersions = [...(status.storedVersions ?? []), storage];
  crd['status'] = status;
}

export const customResourceDefinitionsType: ResourceType = {
  group: CRD_GROUP,
  version: 'v1',
  resource: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  statusSubresource: true,
  prepare: (obj, old, context) => prepareCrd(obj, old, context.subresource),
  beforeDelete(obj) {
    if (!(obj.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
    obj['status'] = withCondition(statusOf(obj), {
      type: 'Terminating',
      status: 'True',
      reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
  },
};

// ---- custom resource types ------------------------------------------------------------------

/** Kubernetes version priority: GA > beta > alpha, higher numbers first, others last alphabetically. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb[0] - pa[0] || pb[1] - pa[1] || pb[2] - pa[2];
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function valueAtJsonPath(obj: unknown, jsonPath: string): string {
  let cur: unknown = obj;
  for (const seg of jsonPath.replace(/^\./, '').split('.')) cur = isObject(cur) ? cur[seg] : undefined;
  return cur === undefined || cur === null ? '' : typeof cur === 'string' ? cur : JSON.stringify(cur);
}

function customResourceType(spec: CrdSpec, version: CrdVersion, isTerminating: () => boolean): ResourceType {
  const names = spec.names ?? {};
  const group = spec.group ?? '';
  const kind = names.kind ?? '';
  const schema = version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const selectable = (version.selectableFields ?? []).map((f) => f.jsonPath ?? '').filter((p) => p !== '');
  const type: ResourceType = {
    group,
    version: version.name ?? '',
    resource: names.plural ?? '',
    kind,
    listKind: names.listKind ?? `${kind}List`,
    singularName: names.singular ?? kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    ...(names.shortNames ? { shortNames: [...names.shortNames] } : {}),
    ...(names.categories ? { categories: [...names.categories] } : {}),
    statusSubresource: version.subresources?.status !== undefined && version.subresources.status !== null,
    returnDeletedObject: true,
    ...(selectable.length > 0
      ? { selectableFields: (obj: KubeObject) => Object.fromEntries(selectable.map((p) => [p.replace(/^\./, ''), valueAtJsonPath(obj, p)])) }
      : {}),
    prepare(obj, old, context) {
      if (!old && isTerminating()) {
        throw new KubeStatusError({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'create not allowed while custom resource definition is terminating',
          reason: 'MethodNotAllowed',
          details: { group, kind: names.plural ?? '' },
          code: 405,
        });
      }
      const result = processCustomResource(schema, obj as unknown as Record<string, unknown>);
      if (result.unknownFields.length > 0) {
        const messages = result.unknownFields.map(unknownFieldMessage);
        if (context.fieldValidation === 'Strict') throw statusErrors.badRequest(`strict decoding error: ${messages.join(', ')}`);
        if (context.fieldValidation === 'Warn') for (const m of messages) context.warn(m);
      }
      if (result.errors.length > 0) throw statusErrors.invalid(kind, group, obj.metadata.name ?? '', toStatusCauses(result.errors));
    },
  };
  return type;
}

function withCondition(status: CrdStatus, condition: Omit<CrdCondition, 'lastTransitionTime'>, now = Date.now()): CrdStatus {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === condition.type);
  const prev = conditions[i];
  const next: CrdCondition = { ...condition, lastTransitionTime: prev && prev.status === condition.status ? (prev.lastTransitionTime ?? kubeTime(now)) : kubeTime(now) };
  if (i === -1) conditions.push(next);
  else conditions[i] = next;
  return { ...status, conditions };
}

/**
 * Serves CustomResourceDefinitions on `store` and runs the CRD controllers (establishing,
 * naming, finalizing) synchronously after each CRD write. Returns an uninstaller.
 */
export function installCrdController(store: ObjectStore): () => void {
  if (store.resolve(CRD_GROUP, 'v1', 'customresourcedefinitions') === undefined) store.register(customResourceDefinitionsType);
  const crdType = store.type(groupResourceKey(customResourceDefinitionsType));
  /** group/resource keys of CRDs being deleted. */
  const terminating = new Set<string>();
  let finalizing = false;

  const updateStatus = (crd: KubeObject, status: CrdStatus): void => {
    store.update(crdType, undefined, crd.metadata.name ?? '', { ...crd, status }, { subresource: 'status' });
  };

  const establish = (crd: KubeObject): void => {
    const spec = specOf(crd);
    const key = crd.metadata.name ?? '';
    const names = spec.names ?? {};
    // Another CRD of the same group may not claim the same kind.
    const conflict = store
      .list(crdType, undefined)
      .items.some((other) => other.metadata.name !== key && specOf(other).group === spec.group && conditionOf(other, 'NamesAccepted')?.status === 'True' && specOf(other).names?.kind === names.kind);
    let status = statusOf(crd);
    if (conflict) {
      status = withCondition(status, { type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: `${JSON.stringify(names.kind ?? '')} is already in use` });
      status = withCondition(status, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
      updateStatus(crd, status);
      return;
    }
    const served = (spec.versions ?? []).filter((v) => v.served === true).sort((a, b) => compareKubeVersions(a.name ?? '', b.name ?? ''));
    const storage = (spec.versions ?? []).find((v) => v.storage === true);
    if (!storage) return;
    const isTerminating = (): boolean => terminating.has(key);
    const servedTypes = served.map((v) => customResourceType(spec, v, isTerminating));
    store.register(customResourceType(spec, storage, isTerminating), servedTypes);
    const acceptedNames: CrdNames = {
      plural: names.plural ?? '',
      singular: names.singular ?? '',
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      kind: names.kind ?? '',
      listKind: names.listKind ?? '',
      ...(names.categories ? { categories: names.categories } : {}),
    };
    status = { ...status, acceptedNames };
    status = withCondition(status, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    status = withCondition(status, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    updateStatus(crd, status);
  };

  /** Deletes the CRD's objects; when none is left, unregisters the resource and drops the finalizer. */
  const finalize = (crdName: string): void => {
    if (finalizing) return;
    finalizing = true;
    try {
      const crd = store.tryGet(crdType, undefined, crdName);
      if (!crd || crd.metadata.deletionTimestamp === undefined || !(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
      terminating.add(crdName);
      let type: ResourceType | undefined;
      try {
        type = store.type(crdName);
      } catch {
        type = undefined;
      }
      let remaining = 0;
      if (type) {
        for (const item of store.list(type, undefined).items) {
          try {
            if (item.metadata.deletionTimestamp === undefined) store.delete(type, item.metadata.namespace, item.metadata.name ?? '');
          } catch (err) {
            if (!(err instanceof KubeStatusError && err.code === 404)) throw err;
          }
        }
        remaining = store.list(type, undefined).items.length;
      }
      if (remaining > 0) {
        updateStatus(crd, withCondition(statusOf(crd), { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }));
        return;
      }
      if (type) store.unregister(crdName);
      terminating.delete(crdName);
      const current = store.get(crdType, undefined, crdName);
      updateStatus(current, withCondition(statusOf(current), { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }));
      const latest = store.get(crdType, undefined, crdName);
      store.update(crdType, undefined, crdName, { ...latest, metadata: { ...latest.metadata, finalizers: (latest.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER) } });
    } finally {
      finalizing = false;
    }
  };

  return store.addHooks({
    afterCreate(type, obj) {
      if (type.group === CRD_GROUP && type.resource === 'customresourcedefinitions') establish(obj);
    },
    afterUpdate(type, obj, old) {
      if (type.group !== CRD_GROUP || type.resource !== 'customresourcedefinitions') return;
      if (obj.metadata.deletionTimestamp !== undefined) finalize(obj.metadata.name ?? '');
      else if (JSON.stringify(obj['spec']) !== JSON.stringify(old['spec']) || conditionOf(obj, 'Established') === undefined) establish(obj);
    },
    afterDelete(type) {
      const key = groupResourceKey(type);
      if (terminating.has(key)) finalize(key);
    },
  });
}

// ---- applying manifests ---------------------------------------------------------------------

const CRD_REF = { group: CRD_GROUP, version: 'v1', resource: 'customresourcedefinitions' };

/** The CRD manifests in `files` (every `*.yaml` in deploy/crds/ by default), in file order. */
export function loadCrdManifests(files?: readonly string[]): KubeObject[] {
  const paths =
    files ??
    readdirSync(DEFAULT_CRD_DIR)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => join(DEFAULT_CRD_DIR, f));
  const out: KubeObject[] = [];
  for (const path of paths) {
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      const obj = doc.toJS() as unknown;
      if (isObject(obj) && obj['kind'] === 'CustomResourceDefinition') out.push(obj as KubeObject);
    }
  }
  return out;
}

/**
 * Creates (or replaces) the CRDs in `files` (default: every `*.yaml` in deploy/crds/) through
 * `kube.client`, the HTTP path `kubectl apply` takes, and waits until each is Established.
 */
export async function applyCrds(kube: KubeTestServer, files?: string[]): Promise<void> {
  for (const manifest of loadCrdManifests(files)) {
    const name = manifest.metadata.name ?? '';
    try {
      await kube.client.create(CRD_REF, manifest);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      const current = await kube.client.get(CRD_REF, name);
      await kube.client.update(CRD_REF, { ...manifest, metadata: { ...manifest.metadata, resourceVersion: current.metadata.resourceVersion ?? '' } });
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const crd = await kube.client.get(CRD_REF, name);
      const established = conditionOf(crd, 'Established');
      if (established?.status === 'True') break;
      if (Date.now() > deadline) throw new Error(`CustomResourceDefinition ${name} not Established: ${established?.message ?? 'no condition'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
