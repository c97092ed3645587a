/**
 * JSON Merge Patch (RFC 7396), as Vault applies it to KV v2 data and metadata: `null`
 * removes a key, objects merge recursively, anything else (arrays included) replaces.
 * Inputs are never mutated; the result shares no objects with them.
 */
import { isPlainObject, setOwn } from './version-store.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = {};
  if (isPlainObject(target)) {
    for (const [k, v] of Object.entries(target)) setOwn(result, k, cloneJson(v));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete result[k];
    } else {
      const current = Object.prototype.hasOwnProperty.call(result, k) ? result[k] : undefined;
      setOwn(result, k, mergePatch(current, v));
    }
  }
  return result;
}

/** A deep copy of a JSON value. */
export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, cloneJson(v));
    return out;
  }
  return value;
}
