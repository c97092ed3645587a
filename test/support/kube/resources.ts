/**
 * The built-in core/v1 resources the test server serves, with the defaulting and
 * validation of their registry strategies that clients can observe.
 */
import { statusErrors, type StatusCause } from './status.js';
import type { KubeObject, ResourceType } from './types.js';

const DATA_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const SERVICE_ACCOUNT_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function refuse(type: ResourceType, obj: KubeObject, causes: StatusCause[]): void {
  if (causes.length > 0) throw statusErrors.invalid(type.kind, type.group, obj.metadata.name ?? '', causes);
}

function checkDataKeys(field: string, data: Record<string, unknown>, causes: StatusCause[]): void {
  for (const key of Object.keys(data)) {
    if (!DATA_KEY_RE.test(key) || key === '.' || key === '..') {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${field}[${key}]`,
        message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    }
  }
}

function checkImmutable(obj: KubeObject, old: KubeObject | undefined, fields: readonly string[], causes: StatusCause[]): void {
  if (old?.['immutable'] !== true) return;
  for (const f of fields) {
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {})) {
      causes.push({ reason: 'FieldValueForbidden', field: f, message: 'Forbidden: field is immutable when `immutable` is set' });
    }
  }
  if (obj['immutable'] !== true) {
    causes.push({ reason: 'FieldValueForbidden', field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
  }
}

export const namespacesType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  statusSubresource: true,
  nameValidation: 'dns-label',
  selectableFields: (obj) => ({ 'status.phase': String(asRecord(obj.status)['phase'] ?? '') }),
  prepare(obj, old) {
    const name = obj.metadata.name ?? '';
    // Every namespace carries its name as a label (Kubernetes ≥ 1.21).
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    const spec = asRecord(obj.spec);
    obj.spec = { ...spec, finalizers: old ? (asRecord(old.spec)['finalizers'] ?? ['kubernetes']) : ['kubernetes'] };
    if (!old) obj.status = { phase: 'Active' };
  },
};

export const serviceAccountsType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  kind: 'ServiceAccount',
  namespaced: true,
  shortNames: ['sa'],
};

export const configMapsType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  prepare(obj, old) {
    const causes: StatusCause[] = [];
    const data = asRecord(obj['data']);
    const binary = asRecord(obj['binaryData']);
    checkDataKeys('data', data, causes);
    checkDataKeys('binaryData', binary, causes);
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string') causes.push({ reason: 'FieldValueInvalid', field: `data[${k}]`, message: 'Invalid value: must be a string' });
      if (k in binary) causes.push({ reason: 'FieldValueInvalid', field: `data[${k}]`, message: `Invalid value: "${k}": duplicate of key present in binaryData` });
    }
    for (const [k, v] of Object.entries(binary)) {
      if (typeof v !== 'string' || !BASE64_RE.test(v)) throw statusErrors.badRequest(`illegal base64 data in binaryData[${k}]`);
    }
    checkImmutable(obj, old, ['data', 'binaryData'], causes);
    refuse(configMapsType, obj, causes);
  },
};

/** Keys a typed Secret must carry (core/v1 validation). */
const REQUIRED_SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export const secretsType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  kind: 'Secret',
  namespaced: true,
  selectableFields: (obj) => ({ type: typeof obj['type'] === 'string' ? obj['type'] : '' }),
  prepare(obj, old) {
    const causes: StatusCause[] = [];
    // stringData is write-only: merged into data (base64) and dropped.
    const data = { ...asRecord(obj['data']) };
    for (const [k, v] of Object.entries(asRecord(obj['stringData']))) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete obj['stringData'];
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string' || !BASE64_RE.test(v)) throw statusErrors.badRequest(`illegal base64 data in data[${k}]`);
    }
    if (Object.keys(data).length > 0 || obj['data'] !== undefined) obj['data'] = data;
    checkDataKeys('data', data, causes);
    const type = typeof obj['type'] === 'string' && obj['type'] !== '' ? obj['type'] : 'Opaque';
    obj['type'] = type;
    if (old && old['type'] !== type) {
      causes.push({ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: "${type}": field is immutable` });
    }
    for (const key of REQUIRED_SECRET_KEYS[type] ?? []) {
      if (!(key in data)) causes.push({ reason: 'FieldValueRequired', field: `data[${key}]`, message: 'Required value' });
    }
    if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
      causes.push({ reason: 'FieldValueRequired', field: 'data[username]', message: 'Required value' });
    }
    if (type === SERVICE_ACCOUNT_TOKEN_SECRET_TYPE && !obj.metadata.annotations?.[SA_NAME_ANNOTATION]) {
      causes.push({ reason: 'FieldValueRequired', field: `metadata.annotations[${SA_NAME_ANNOTATION}]`, message: 'Required value' });
    }
    checkImmutable(obj, old, ['data'], causes);
    refuse(secretsType, obj, causes);
  },
};

/** Pods, only as far as bound ServiceAccount tokens need them (no kubelet, no scheduling). */
export const podsType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  statusSubresource: true,
  returnDeletedObject: true,
  selectableFields: (obj) => ({
    'spec.nodeName': String(asRecord(obj.spec)['nodeName'] ?? ''),
    'spec.serviceAccountName': String(asRecord(obj.spec)['serviceAccountName'] ?? ''),
    'status.phase': String(asRecord(obj.status)['phase'] ?? ''),
  }),
  prepare(obj, old) {
    const spec = asRecord(obj.spec);
    obj.spec = { ...spec, serviceAccountName: typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '' ? spec['serviceAccountName'] : 'default' };
    if (!old) obj.status = { phase: 'Pending' };
  },
};

export const CORE_RESOURCE_TYPES: readonly ResourceType[] = [namespacesType, serviceAccountsType, secretsType, configMapsType, podsType];

/** Namespaces a fresh cluster has. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
