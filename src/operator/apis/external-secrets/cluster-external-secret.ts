/**
 * ESO's ClusterExternalSecret (`external-secrets.io/v1`, apis/externalsecrets/v1/
 * clusterexternalsecret_types.go): types, wire constants, validation, and the Kubernetes label
 * selector matching it (and PushSecret) share. Condition shape and messages are ESO's: `Ready`
 * with only a message ("one or more namespaces failed"), no reason.
 */
import type { KubeObject, ObjectMeta, ResourceRef } from '../../runtime/types.js';
import { ESO_GROUP, ESO_VERSION } from './constants.js';
import type { ConditionStatus, ExternalSecret, ExternalSecretSpec, LabelSelector } from './types.js';
import { validateExternalSecret } from './validate.js';

export const KIND_CLUSTER_EXTERNAL_SECRET = 'ClusterExternalSecret';

/** On the ClusterExternalSecret: its ExternalSecrets are deleted before it goes. */
export const FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP = 'externalsecrets.external-secrets.io/clusterexternalsecret-cleanup';
/**
 * ESO (since v0.20) also puts `<prefix><cesName>` on every provisioned Namespace, which leaves
 * namespaces stuck Terminating when it is not removed (ESO issues #5426, #6677). Coffer never
 * adds it; it only removes ESO's, so a cluster migrated from ESO does not keep stuck namespaces.
 */
export const NAMESPACE_FINALIZER_PREFIX = 'externalsecrets.external-secrets.io/ces-';

/** Condition message when any namespace failed (ESO `errNamespacesFailed`). */
export const MSG_CES_NAMESPACES_FAILED = 'one or more namespaces failed';
/** Failure reason for a namespace holding an ExternalSecret of that name we do not own. */
export const MSG_CES_ES_EXISTS = 'external secret already exists in namespace';
/** ESO's `--clusterexternalsecret-requeue-interval`-like default for `spec.refreshTime`. */
export const DEFAULT_CES_REFRESH_TIME = '1h';
/** The label every Namespace carries with its own name (how ESO matches `spec.namespaces`). */
export const LABEL_NAMESPACE_NAME = 'kubernetes.io/metadata.name';

export interface ExternalSecretMetadata {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface ClusterExternalSecretSpec {
  externalSecretSpec: ExternalSecretSpec;
  /** Default: the ClusterExternalSecret's name. */
  externalSecretName?: string;
  externalSecretMetadata?: ExternalSecretMetadata;
  /** Deprecated: use namespaceSelectors. */
  namespaceSelector?: LabelSelector;
  /** OR-ed. */
  namespaceSelectors?: LabelSelector[];
  /** Deprecated: namespaces by name, OR-ed with the selectors. */
  namespaces?: string[];
  /** Go duration: how often namespace membership is re-checked (default 1h). */
  refreshTime?: string;
}

export interface ClusterExternalSecretStatusCondition {
  type: 'Ready';
  status: ConditionStatus;
  message?: string;
}

export interface ClusterExternalSecretNamespaceFailure {
  namespace: string;
  reason?: string;
}

export interface ClusterExternalSecretStatus {
  externalSecretName?: string;
  failedNamespaces?: ClusterExternalSecretNamespaceFailure[];
  provisionedNamespaces?: string[];
  conditions?: ClusterExternalSecretStatusCondition[];
}

export interface ClusterExternalSecret extends KubeObject {
  kind: 'ClusterExternalSecret';
  metadata: ObjectMeta;
  spec: ClusterExternalSecretSpec;
  status?: ClusterExternalSecretStatus;
}

export const clusterExternalSecretsResource: ResourceRef = {
  group: ESO_GROUP, version: ESO_VERSION, plural: 'clusterexternalsecrets', kind: KIND_CLUSTER_EXTERNAL_SECRET, namespaced: false,
};

// ---- label selectors (metav1.LabelSelectorAsSelector semantics) ----

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Why a selector is invalid (apimachinery's wording), or [] when it is usable. */
export function labelSelectorProblems(sel: LabelSelector, path: string): string[] {
  const errs: string[] = [];
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    if (!(SELECTOR_OPERATORS as readonly string[]).includes(req.operator)) {
      errs.push(`${at}.operator: Unsupported value: ${JSON.stringify(req.operator)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`);
    } else if ((req.operator === 'In' || req.operator === 'NotIn') && (req.values ?? []).length === 0) {
      errs.push(`${at}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
    } else if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && (req.values ?? []).length > 0) {
      errs.push(`${at}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
    }
  });
  return errs;
}

/**
 * Whether `labels` satisfy `sel` (all requirements AND-ed). An empty selector matches
 * everything, as `LabelSelectorAsSelector` makes it `labels.Everything()`. Invalid selectors
 * match nothing (callers report them with `labelSelectorProblems`).
 */
export function matchesLabelSelector(sel: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  if (labelSelectorProblems(sel, '').length > 0) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const values = req.values ?? [];
    const value = have[req.key] ?? '';
    if (req.operator === 'In' && !(present && values.includes(value))) return false;
    if (req.operator === 'NotIn' && present && values.includes(value)) return false;
    if (req.operator === 'Exists' && !present) return false;
    if (req.operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

// ---- ClusterExternalSecret helpers ----

/** The deprecated `namespaceSelector` first, then `namespaceSelectors` (ESO's order). */
export function cesSelectors(ces: Pick<ClusterExternalSecret, 'spec'>): LabelSelector[] {
  const out: LabelSelector[] = [];
  if (ces.spec.namespaceSelector !== undefined && ces.spec.namespaceSelector !== null) out.push(ces.spec.namespaceSelector);
  for (const s of ces.spec.namespaceSelectors ?? []) if (s !== null && s !== undefined) out.push(s);
  return out;
}

/** Whether a Namespace (name + labels) is selected: any selector matches, or it is listed by name. */
export function cesSelectsNamespace(ces: Pick<ClusterExternalSecret, 'spec'>, name: string, labels: Readonly<Record<string, string>> | undefined): boolean {
  if ((ces.spec.namespaces ?? []).includes(name)) return true;
  return cesSelectors(ces).some((sel) => matchesLabelSelector(sel, labels));
}

/** `spec.externalSecretName`, or the ClusterExternalSecret's own name. */
export function cesExternalSecretName(ces: Pick<ClusterExternalSecret, 'spec' | 'metadata'>): string {
  const name = ces.spec.externalSecretName;
  return name !== undefined && name !== '' ? name : ces.metadata.name;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What would make the ExternalSecrets unusable: an invalid name, selector or embedded spec
 * (the ExternalSecret webhook rules, prefixed with `externalSecretSpec`). [] when valid.
 */
export function validateClusterExternalSecret(ces: ClusterExternalSecret): string[] {
  const errs: string[] = [];
  const spec = ces.spec ?? ({} as ClusterExternalSecretSpec);
  const name = spec.externalSecretName;
  if (name !== undefined && name !== '' && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
    errs.push(`spec.externalSecretName: Invalid value: ${JSON.stringify(name)}: must be a lowercase RFC 1123 subdomain`);
  }
  (spec.namespaces ?? []).forEach((ns, i) => {
    if (typeof ns !== 'string' || ns.length > 63 || !DNS1123_LABEL.test(ns)) {
      errs.push(`spec.namespaces[${i}]: Invalid value: ${JSON.stringify(ns)}: must be a lowercase RFC 1123 label`);
    }
  });
  if (spec.namespaceSelector !== undefined && spec.namespaceSelector !== null) errs.push(...labelSelectorProblems(spec.namespaceSelector, 'spec.namespaceSelector'));
  (spec.namespaceSelectors ?? []).forEach((sel, i) => {
    if (sel !== null && sel !== undefined) errs.push(...labelSelectorProblems(sel, `spec.namespaceSelectors[${i}]`));
  });
  if (spec.externalSecretSpec === undefined || spec.externalSecretSpec === null) {
    errs.push('spec.externalSecretSpec: Required value');
    return errs;
  }
  const es: ExternalSecret = { apiVersion: `${ESO_GROUP}/${ESO_VERSION}`, kind: 'ExternalSecret', metadata: { name: cesExternalSecretName(ces) }, spec: spec.externalSecretSpec };
  for (const e of validateExternalSecret(es)) errs.push(`externalSecretSpec: ${e}`);
  return errs;
}
