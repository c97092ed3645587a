/**
 * ESO's hashes, byte-compatible (`runtime/esutils/utils.go` `ObjectHash`: sha3-224 hex of Go's
 * `fmt.Sprintf("%+v", object)`). ESO and Coffer may take turns managing one Secret, so the
 * `data-hash` annotation, the `created-by` label and `syncedResourceVersion` must be the same
 * strings ESO computes, or each would see the other's Secrets as tampered with.
 */
import { createHash } from 'node:crypto';
import { putOwn } from '../../../shared/own-record.js';

/** Go's fmt sorts map keys byte-wise (UTF-8), not by UTF-16 code unit. */
function goSortedKeys(map: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** `%+v` of a `map[string][]byte`: `map[a:[98 97 114] b:[]]`. */
export function goFormatBytesMap(data: Readonly<Record<string, Uint8Array>> | undefined): string {
  const map = data ?? {};
  const parts = goSortedKeys(map).map((k) => `${k}:[${Array.from(map[k] ?? new Uint8Array()).join(' ')}]`);
  return `map[${parts.join(' ')}]`;
}

/** `%+v` of a `map[string]string`: `map[a:b c:d]` (no quoting). */
export function goFormatStringMap(map: Readonly<Record<string, string>> | undefined): string {
  const m = map ?? {};
  return `map[${goSortedKeys(m).map((k) => `${k}:${m[k] ?? ''}`).join(' ')}]`;
}

export function sha3Hex(text: string): string {
  return createHash('sha3-224').update(text, 'utf8').digest('hex');
}

/** The `reconcile.external-secrets.io/data-hash` annotation of a Secret's data. */
export function dataHash(data: Readonly<Record<string, Uint8Array>> | undefined): string {
  return sha3Hex(goFormatBytesMap(data));
}

/** The `reconcile.external-secrets.io/created-by` label: hash of `"<ns>/<esName>"`. */
export function createdByHash(namespace: string, name: string): string {
  return sha3Hex(`${namespace}/${name}`);
}

/** `hashMeta`: `%+v` of `struct{annotations, labels map[string]string}`. */
export function metaHash(meta: { labels?: Record<string, string>; annotations?: Record<string, string> }): string {
  return sha3Hex(`{annotations:${goFormatStringMap(meta.annotations)} labels:${goFormatStringMap(meta.labels)}}`);
}

/** `status.syncedResourceVersion`: `"<generation>-<metaHash>"`. */
export function syncedResourceVersion(meta: { generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> }): string {
  return `${meta.generation ?? 0}-${metaHash(meta)}`;
}

/** A Secret's `data` (base64 strings) as bytes. */
export function secretDataBytes(data: Readonly<Record<string, string>> | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data ?? {})) putOwn(out, k, new Uint8Array(Buffer.from(v, 'base64')));
  return out;
}

export function secretDataBase64(data: Readonly<Record<string, Uint8Array>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(data).sort()) putOwn(out, k, Buffer.from(data[k] ?? new Uint8Array()).toString('base64'));
  return out;
}
