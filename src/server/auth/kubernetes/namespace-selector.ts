/**
 * `bound_service_account_namespace_selector`: a `metav1.LabelSelector` written as JSON or
 * YAML (`matchLabels` and `matchExpressions` with In, NotIn, Exists, DoesNotExist),
 * matched against the namespace's labels read from the Kubernetes API (Vault's
 * `namespaceValidatorWrapper`). An empty selector (`{}`) selects every namespace, as
 * `LabelSelectorAsSelector` does.
 */
import { parse as parseYaml } from 'yaml';
import type { KubeFetch } from './http.js';

export interface NamespaceSelector {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

type Requirement =
  | { key: string; op: 'In' | 'NotIn'; values: string[] }
  | { key: string; op: 'Exists' | 'DoesNotExist' };

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) return false;
  return name.length <= 63 && NAME_RE.test(name);
}

function validValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME_RE.test(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates a selector; throws an Error saying what is wrong. */
export function parseNamespaceSelector(text: string): NamespaceSelector {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`not JSON or YAML: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new Error('a label selector must be an object');
  const requirements: Requirement[] = [];
  const matchLabels = doc['matchLabels'];
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isObject(matchLabels)) throw new Error('matchLabels must be a map of strings');
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') throw new Error(`matchLabels.${key} must be a string`);
      if (!validKey(key)) throw new Error(`invalid label key "${key}"`);
      if (!validValue(value)) throw new Error(`invalid label value "${value}"`);
      requirements.push({ key, op: 'In', values: [value] });
    }
  }
  const expressions = doc['matchExpressions'];
  if (expressions !== undefined && expressions !== null) {
    if (!Array.isArray(expressions)) throw new Error('matchExpressions must be a list');
    for (const expr of expressions) {
      if (!isObject(expr) || typeof expr['key'] !== 'string' || typeof expr['operator'] !== 'string') {
        throw new Error('each matchExpressions entry needs a key and an operator');
      }
      const key = expr['key'];
      if (!validKey(key)) throw new Error(`invalid label key "${key}"`);
      const rawValues = expr['values'] ?? [];
      if (!Array.isArray(rawValues) || !rawValues.every((v): v is string => typeof v === 'string')) {
        throw new Error(`matchExpressions values of "${key}" must be a list of strings`);
      }
      const op = expr['operator'];
      if (op === 'In' || op === 'NotIn') {
        if (rawValues.length === 0) throw new Error(`for 'in', 'notin' operators, values set can't be empty`);
        if (!rawValues.every(validValue)) throw new Error(`invalid label value in matchExpressions of "${key}"`);
        requirements.push({ key, op, values: rawValues });
      } else if (op === 'Exists' || op === 'DoesNotExist') {
        if (rawValues.length > 0) throw new Error('values set must be empty for exists and does not exist');
        requirements.push({ key, op });
      } else {
        throw new Error(`"${op}" is not a valid label selector operator`);
      }
    }
  }
  return {
    matches(labels) {
      return requirements.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(labels, r.key);
        switch (r.op) {
          case 'In':
            return has && r.values.includes(labels[r.key] ?? '');
          case 'NotIn':
            return !has || !r.values.includes(labels[r.key] ?? '');
          case 'Exists':
            return has;
          case 'DoesNotExist':
            return !has;
        }
      });
    },
  };
}

/** `GET /api/v1/namespaces/<name>` with the reviewer JWT; the namespace's labels. */
export async function fetchNamespaceLabels(
  fetchImpl: KubeFetch,
  api: { host: string; caPem: string | undefined; bearer: string; signal?: AbortSignal },
  namespace: string,
): Promise<Record<string, string>> {
  const res = await fetchImpl({
    method: 'GET',
    url: `${api.host}/api/v1/namespaces/${encodeURIComponent(namespace)}`,
    headers: { Authorization: `Bearer ${api.bearer}`, Accept: 'application/json' },
    ...(api.caPem !== undefined ? { caPem: api.caPem } : {}),
    ...(api.signal !== undefined ? { signal: api.signal } : {}),
  });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  if (res.status !== 200) {
    const message = isObject(body) && typeof body['message'] === 'string' ? body['message'] : `HTTP ${res.status}`;
    throw new Error(`failed to get namespace (code ${res.status}): ${message}`);
  }
  const metadata = isObject(body) ? body['metadata'] : undefined;
  const labels = isObject(metadata) ? metadata['labels'] : undefined;
  const out: Record<string, string> = {};
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}
