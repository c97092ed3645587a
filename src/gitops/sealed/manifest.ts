/**
 * Reading and writing manifests the way kubeseal does: one JSON or YAML document in, pretty
 * JSON (Go struct field order) or YAML (sorted keys, as sigs.k8s.io/yaml writes it) out.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { UserError } from '../../shared/errors.js';
import { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND, type ObjectMeta, type SealedSecret, type Secret } from './types.js';

export type ManifestFormat = 'json' | 'yaml';

/** A format name as `--format` takes it. */
export function parseManifestFormat(text: string): ManifestFormat {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'json') return 'json';
  if (t === 'yaml' || t === 'yml') return 'yaml';
  throw new UserError(`unsupported output format: ${text}`);
}

/** The format a file is written in (JSON when it starts with `{`). */
export function detectManifestFormat(text: string): ManifestFormat {
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every non-empty YAML/JSON document in `text`. */
export function parseDocuments(text: string, what: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error !== undefined) throw new UserError(`cannot parse ${what}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Exactly one document (kubeseal refuses multi-document input). */
export function parseSingleDocument(text: string, what: string): Record<string, unknown> {
  const docs = parseDocuments(text, what);
  if (docs.length === 0) throw new UserError(`cannot parse ${what}: the input is empty`);
  if (docs.length > 1) throw new UserError(`cannot parse ${what}: multiple documents in input are not supported`);
  const doc = docs[0];
  if (!isRecord(doc)) throw new UserError(`cannot parse ${what}: expected an object`);
  return doc;
}

function checkStringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new UserError(`${field} must be a map of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new UserError(`${field}[${JSON.stringify(k)}] must be a string`);
  }
  return value as Record<string, string>;
}

function checkMeta(value: unknown, field: string): ObjectMeta {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new UserError(`${field} must be an object`);
  for (const key of ['name', 'namespace', 'uid'] as const) {
    if (value[key] !== undefined && value[key] !== null && typeof value[key] !== 'string') throw new UserError(`${field}.${key} must be a string`);
  }
  checkStringMap(value['labels'], `${field}.labels`);
  checkStringMap(value['annotations'], `${field}.annotations`);
  const out: Record<string, unknown> = { ...value };
  dropNulls(out, ['name', 'namespace', 'uid', 'labels', 'annotations', 'ownerReferences']);
  return out as ObjectMeta;
}

/** Validates a parsed object as a `v1` Secret. */
export function asSecret(doc: Record<string, unknown>): Secret {
  if (doc['kind'] !== undefined && doc['kind'] !== 'Secret') throw new UserError(`expected a Secret, got kind ${JSON.stringify(doc['kind'])}`);
  if (doc['apiVersion'] !== undefined && doc['apiVersion'] !== 'v1') throw new UserError(`expected apiVersion v1 for a Secret, got ${JSON.stringify(doc['apiVersion'])}`);
  const metadata = checkMeta(doc['metadata'], 'metadata');
  checkStringMap(doc['data'], 'data');
  checkStringMap(doc['stringData'], 'stringData');
  if (doc['type'] !== undefined && typeof doc['type'] !== 'string') throw new UserError('type must be a string');
  if (doc['immutable'] !== undefined && typeof doc['immutable'] !== 'boolean') throw new UserError('immutable must be a boolean');
  const out: Record<string, unknown> = { ...doc, metadata };
  dropNulls(out, ['data', 'stringData', 'type', 'immutable']);
  return out as unknown as Secret;
}

/** Optional fields given as `null` (valid YAML/JSON for "unset") become absent. */
function dropNulls(obj: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of keys) if (obj[k] === null) delete obj[k];
}

/** Validates a parsed object as a SealedSecret. */
export function asSealedSecret(doc: Record<string, unknown>): SealedSecret {
  if (doc['kind'] !== SEALED_SECRET_KIND) throw new UserError(`expected a SealedSecret, got kind ${JSON.stringify(doc['kind'] ?? '')}`);
  if (doc['apiVersion'] !== SEALED_SECRET_API_VERSION) {
    throw new UserError(`expected apiVersion ${SEALED_SECRET_API_VERSION}, got ${JSON.stringify(doc['apiVersion'] ?? '')}`);
  }
  const metadata = checkMeta(doc['metadata'], 'metadata');
  const spec = doc['spec'] ?? {};
  if (!isRecord(spec)) throw new UserError('spec must be an object');
  checkStringMap(spec['encryptedData'], 'spec.encryptedData');
  if (spec['data'] !== undefined && spec['data'] !== null && typeof spec['data'] !== 'string') throw new UserError('spec.data must be a base64 string');
  const template = spec['template'];
  if (template !== undefined && template !== null) {
    if (!isRecord(template)) throw new UserError('spec.template must be an object');
    checkMeta(template['metadata'], 'spec.template.metadata');
    const data = template['data'];
    if (data !== undefined && data !== null) {
      if (!isRecord(data)) throw new UserError('spec.template.data must be a map of strings');
      for (const [k, v] of Object.entries(data)) {
        if (v !== null && typeof v !== 'string') throw new UserError(`spec.template.data[${JSON.stringify(k)}] must be a string or null`);
      }
    }
  }
  const outSpec: Record<string, unknown> = { ...spec };
  dropNulls(outSpec, ['encryptedData', 'data', 'template']);
  if (isRecord(outSpec['template'])) {
    const t: Record<string, unknown> = { ...outSpec['template'] };
    dropNulls(t, ['metadata', 'data', 'type', 'immutable']);
    if (t['metadata'] !== undefined) t['metadata'] = checkMeta(t['metadata'], 'spec.template.metadata');
    outSpec['template'] = t;
  }
  return { ...doc, metadata, spec: outSpec } as unknown as SealedSecret;
}

export function parseSecret(text: string): Secret {
  return asSecret(parseSingleDocument(text, 'the input Secret'));
}

export function parseSealedSecret(text: string): SealedSecret {
  return asSealedSecret(parseSingleDocument(text, 'the SealedSecret'));
}

const META_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

function ordered(obj: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (obj[key] !== undefined) out[key] = obj[key];
  for (const [key, value] of Object.entries(obj)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

function sortedKeys(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]]));
}

/** ObjectMeta in Go's field order, with `creationTimestamp: null` as Go writes a zero time. */
export function orderMeta(meta: ObjectMeta | undefined): Record<string, unknown> {
  const m: Record<string, unknown> = { ...(meta ?? {}) };
  if (m['creationTimestamp'] === undefined) m['creationTimestamp'] = null;
  if (isRecord(m['labels'])) m['labels'] = sortedKeys(m['labels']);
  if (isRecord(m['annotations'])) m['annotations'] = sortedKeys(m['annotations']);
  return ordered(m, META_ORDER);
}

/** A SealedSecret in the field order of kubeseal's JSON output. */
export function orderSealedSecret(ss: SealedSecret): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...ss.spec };
  if (ss.spec.template !== undefined) {
    const t: Record<string, unknown> = { ...ss.spec.template, metadata: orderMeta(ss.spec.template.metadata) };
    if (isRecord(t['data'])) t['data'] = sortedKeys(t['data']);
    spec['template'] = ordered(t, ['metadata', 'type', 'immutable', 'data']);
  }
  if (ss.spec.encryptedData !== undefined) spec['encryptedData'] = sortedKeys(ss.spec.encryptedData);
  const out: Record<string, unknown> = {
    ...ss,
    metadata: orderMeta(ss.metadata),
    spec: ordered(spec, ['template', 'data', 'encryptedData']),
  };
  return ordered(out, ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
}

/** A Secret in the field order of `v1.Secret`. */
export function orderSecret(secret: Secret): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: 'Secret', apiVersion: 'v1', ...secret, metadata: orderMeta(secret.metadata) };
  if (secret.data !== undefined) out['data'] = sortedKeys(secret.data);
  if (secret.stringData !== undefined) out['stringData'] = sortedKeys(secret.stringData);
  return ordered(out, ['kind', 'apiVersion', 'metadata', 'immutable', 'data', 'stringData', 'type']);
}

function deepSort(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepSort);
  if (isRecord(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, deepSort(value[k])]));
  return value;
}

/** Pretty JSON (2-space indent) or YAML with sorted keys, ending in a newline. */
export function formatManifest(obj: unknown, format: ManifestFormat): string {
  if (format === 'json') return `${JSON.stringify(obj, null, 2)}\n`;
  // lineWidth 0: base64 values stay on one line (the yaml package would fold them).
  return stringify(deepSort(obj), { lineWidth: 0, minContentWidth: 0, indentSeq: false });
}
