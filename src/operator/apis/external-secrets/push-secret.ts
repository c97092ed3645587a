/**
 * ESO's PushSecret (`external-secrets.io/v1alpha1`, apis/externalsecrets/v1alpha1/
 * pushsecret_types.go, pkg/controllers/pushsecret): types, wire constants and validation.
 * `dataTo` and `selector.generatorRef` are part of the type (the CRD accepts them) but Coffer's
 * controller reports them as unsupported instead of ignoring them silently.
 */
import { parseDurationSeconds } from '../../../shared/duration.js';
import type { KubeObject, ObjectMeta, ResourceRef } from '../../runtime/types.js';
import { ESO_GROUP } from './constants.js';
import { labelSelectorProblems } from './cluster-external-secret.js';
import type {
  ConditionStatus,
  ExternalSecretRewriteRegexp,
  ExternalSecretRewriteTransform,
  ExternalSecretTemplate,
  GeneratorRef,
  LabelSelector,
  SecretStoreKind,
} from './types.js';

export const PUSH_SECRET_VERSION = 'v1alpha1';
export const PUSH_SECRET_API_VERSION = `${ESO_GROUP}/${PUSH_SECRET_VERSION}`;
export const KIND_PUSH_SECRET = 'PushSecret';

/** Held while deletionPolicy is Delete, so remote keys are deleted before the PushSecret goes. */
export const FINALIZER_PUSH_SECRET = 'pushsecret.externalsecrets.io/finalizer';

/** Ready reasons (and event reasons). */
export const REASON_PUSH_SYNCED = 'Synced';
export const REASON_PUSH_ERRORED = 'Errored';

/** ESO's messages. */
export const MSG_PUSH_SYNCED = 'PushSecret synced successfully';
export const MSG_PUSH_SYNCED_IF_NOT_EXISTS = 'PushSecret synced successfully. Existing secrets in providers unchanged.';
export const MSG_PUSH_SOURCE_MISSING = 'could not get source secret';
export const MSG_PUSH_DELETE_FAILED = 'Failed to Delete Secrets from Provider';

/** CRD default of `spec.refreshInterval`. */
export const DEFAULT_PUSH_REFRESH_INTERVAL = '1h';

export type PushSecretUpdatePolicy = 'Replace' | 'IfNotExists';
export type PushSecretDeletionPolicy = 'Delete' | 'None';
export type PushSecretConversionStrategy = 'None' | 'ReverseUnicode';

export interface PushSecretStoreRef {
  name?: string;
  labelSelector?: LabelSelector;
  /** CRD default SecretStore. */
  kind?: SecretStoreKind;
}

export interface PushSecretRemoteRef {
  remoteKey: string;
  property?: string;
}

export interface PushSecretMatch {
  /** Empty or absent: the whole Secret (as a JSON object). */
  secretKey?: string;
  remoteRef: PushSecretRemoteRef;
}

export interface PushSecretData {
  match: PushSecretMatch;
  /** Provider-specific JSON. */
  metadata?: unknown;
  /** Empty behaves as None. */
  conversionStrategy?: PushSecretConversionStrategy;
}

export interface PushSecretRewrite {
  regexp?: ExternalSecretRewriteRegexp;
  transform?: ExternalSecretRewriteTransform;
}

export interface PushSecretDataTo {
  storeRef?: PushSecretStoreRef;
  match?: { regexp?: string };
  rewrite?: PushSecretRewrite[];
  metadata?: unknown;
  conversionStrategy?: PushSecretConversionStrategy;
}

export interface PushSecretSecret {
  name?: string;
  selector?: LabelSelector;
}

/** Exactly one of the two. */
export interface PushSecretSelector {
  secret?: PushSecretSecret;
  generatorRef?: GeneratorRef;
}

export interface PushSecretSpec {
  /** Go duration; CRD default `1h`; `0` pushes once (and again when the source changes). */
  refreshInterval?: string;
  secretStoreRefs: PushSecretStoreRef[];
  updatePolicy?: PushSecretUpdatePolicy;
  deletionPolicy?: PushSecretDeletionPolicy;
  selector: PushSecretSelector;
  data?: PushSecretData[];
  dataTo?: PushSecretDataTo[];
  template?: ExternalSecretTemplate;
}

export interface PushSecretStatusCondition {
  type: 'Ready';
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** store (`<Kind>/<name>`) → remote ref (`<remoteKey>` or `<remoteKey>/<property>`) → the data entry pushed. */
export type SyncedPushSecretsMap = Record<string, Record<string, PushSecretData>>;

export interface PushSecretStatus {
  refreshTime?: string | null;
  syncedResourceVersion?: string;
  syncedPushSecrets?: SyncedPushSecretsMap;
  conditions?: PushSecretStatusCondition[];
}

export interface PushSecret extends KubeObject {
  kind: 'PushSecret';
  metadata: ObjectMeta;
  spec: PushSecretSpec;
  status?: PushSecretStatus;
}

export const pushSecretsResource: ResourceRef = {
  group: ESO_GROUP, version: PUSH_SECRET_VERSION, plural: 'pushsecrets', kind: KIND_PUSH_SECRET, namespaced: true,
};

/** The key of one pushed ref in `status.syncedPushSecrets[store]` (ESO `statusRef`). */
export function pushStatusRef(data: PushSecretData): string {
  const property = data.match.remoteRef.property ?? '';
  return property !== '' ? `${data.match.remoteRef.remoteKey}/${property}` : data.match.remoteRef.remoteKey;
}

const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

/**
 * What the controller cannot act on, with messages naming the field. Schema-level checks
 * (enums, required fields) are the CRD's job; repeated here only where a raw object would
 * otherwise crash the controller. [] when valid.
 */
export function validatePushSecret(ps: PushSecret): string[] {
  const errs: string[] = [];
  const spec = ps.spec ?? ({} as PushSecretSpec);
  const refs = spec.secretStoreRefs ?? [];
  if (!Array.isArray(refs) || refs.length === 0) errs.push('spec.secretStoreRefs: Required value: at least one store must be referenced');
  else {
    refs.forEach((ref, i) => {
      const hasName = isSet(ref.name) && ref.name !== '';
      if (!hasName && !isSet(ref.labelSelector)) errs.push(`spec.secretStoreRefs[${i}]: either name or labelSelector must be set`);
      if (isSet(ref.labelSelector)) errs.push(...labelSelectorProblems(ref.labelSelector, `spec.secretStoreRefs[${i}].labelSelector`));
      if (isSet(ref.kind) && ref.kind !== 'SecretStore' && ref.kind !== 'ClusterSecretStore') {
        errs.push(`spec.secretStoreRefs[${i}].kind: Unsupported value: ${JSON.stringify(ref.kind)}: supported values: "SecretStore", "ClusterSecretStore"`);
      }
    });
  }
  const sel = spec.selector;
  const kinds = isSet(sel) ? [isSet(sel.secret), isSet(sel.generatorRef)].filter(Boolean).length : 0;
  if (kinds !== 1) errs.push('spec.selector: exactly one of secret or generatorRef must be set');
  else if (isSet(sel?.generatorRef)) errs.push('spec.selector.generatorRef: not supported by Coffer; push a Secret (selector.secret) instead');
  else if (isSet(sel?.secret)) {
    const hasName = isSet(sel.secret.name) && sel.secret.name !== '';
    if (!hasName && !isSet(sel.secret.selector)) errs.push('spec.selector.secret: either name or selector must be set');
    if (!hasName && isSet(sel.secret.selector)) errs.push(...labelSelectorProblems(sel.secret.selector, 'spec.selector.secret.selector'));
  }
  if ((spec.dataTo ?? []).length > 0) errs.push('spec.dataTo: not supported by Coffer; list the keys in spec.data');
  const seen = new Set<string>();
  (spec.data ?? []).forEach((d, i) => {
    if (!isSet(d?.match?.remoteRef) || typeof d.match.remoteRef.remoteKey !== 'string' || d.match.remoteRef.remoteKey === '') {
      errs.push(`spec.data[${i}].match.remoteRef.remoteKey: Required value`);
      return;
    }
    const ref = pushStatusRef(d);
    // Two entries writing the same remote ref would overwrite each other on every push.
    if (seen.has(ref)) errs.push(`spec.data[${i}].match.remoteRef: duplicate remote ref ${JSON.stringify(ref)}`);
    seen.add(ref);
    if (isSet(d.conversionStrategy) && d.conversionStrategy !== 'None' && d.conversionStrategy !== 'ReverseUnicode') {
      errs.push(`spec.data[${i}].conversionStrategy: Unsupported value: ${JSON.stringify(d.conversionStrategy)}: supported values: "None", "ReverseUnicode"`);
    }
  });
  if (isSet(spec.refreshInterval)) {
    try {
      if (parseDurationSeconds(spec.refreshInterval) < 0) errs.push('spec.refreshInterval: must not be negative');
    } catch {
      errs.push(`spec.refreshInterval: Invalid value: ${JSON.stringify(spec.refreshInterval)}: not a duration (e.g. "1h", "30s", "0")`);
    }
  }
  if (isSet(spec.updatePolicy) && spec.updatePolicy !== 'Replace' && spec.updatePolicy !== 'IfNotExists') {
    errs.push(`spec.updatePolicy: Unsupported value: ${JSON.stringify(spec.updatePolicy)}: supported values: "Replace", "IfNotExists"`);
  }
  if (isSet(spec.deletionPolicy) && spec.deletionPolicy !== 'Delete' && spec.deletionPolicy !== 'None') {
    errs.push(`spec.deletionPolicy: Unsupported value: ${JSON.stringify(spec.deletionPolicy)}: supported values: "Delete", "None"`);
  }
  return errs;
}
