/**
 * Audit HMACs (Vault's `sdk/helper/salt` + `audit/hashstructure.go`).
 *
 * Each audit device has its own salt: a random UUID string. A value is logged as
 * `hmac-sha256:<hex>` where the HMAC key is the salt string's UTF-8 bytes and the message
 * is the value's UTF-8 bytes — the same function `sys/audit-hash` exposes, so an operator
 * who knows a secret can find the entries that carry it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { formatRfc3339Nano } from '../../shared/time.js';

export const HMAC_TYPE = 'hmac-sha256';

/** Turns one string into its logged form. */
export type HashFn = (value: string) => string;

/** Hex HMAC-SHA256 of `value` keyed by the salt string (`salt.GetHMAC`). */
export function hmacSha256Hex(salt: string, value: string): string {
  return createHmac('sha256', Buffer.from(salt, 'utf8')).update(value, 'utf8').digest('hex');
}

/** `hmac-sha256:<hex>` (`salt.GetIdentifiedHMAC`). */
export function identifiedHmac(salt: string, value: string): string {
  return `${HMAC_TYPE}:${hmacSha256Hex(salt, value)}`;
}

/** A hash function bound to one salt. */
export function createHasher(salt: string): HashFn {
  const key = Buffer.from(salt, 'utf8');
  return (value) => `${HMAC_TYPE}:${createHmac('sha256', key).update(value, 'utf8').digest('hex')}`;
}

/** A new salt, as Vault makes them (a random UUID string). */
export function generateSalt(): string {
  return randomUUID();
}

export interface HashStructureOptions {
  /**
   * Keys whose string values stay raw (a mount's `audit_non_hmac_request_keys` /
   * `audit_non_hmac_response_keys`). As in Vault, a key protects the strings directly under
   * it (and inside arrays directly under it), not the values of nested maps, which are
   * judged by their own keys.
   */
  nonHmacKeys?: readonly string[] | undefined;
}

/**
 * A copy of `value` with every string HMAC'd, walked like Vault's `hashWalker`:
 * - map keys are never hashed; numbers, booleans and nulls pass through;
 * - strings inside arrays are hashed, judged by the nearest enclosing map key;
 * - `Date`s become RFC3339Nano strings and are *not* hashed (Vault's `time.Time` case);
 * - byte arrays are left alone (Go's `[]byte` is not a string; JSON renders it as base64).
 * The input is never modified.
 */
export function hashStructure<T>(value: T, salt: string | HashFn, options: HashStructureOptions = {}): T {
  const hash = typeof salt === 'string' ? createHasher(salt) : salt;
  const ignored = new Set(options.nonHmacKeys ?? []);
  return walk(value, undefined, hash, ignored, new Set()) as T;
}

function walk(value: unknown, key: string | undefined, hash: HashFn, ignored: ReadonlySet<string>, seen: Set<object>): unknown {
  if (typeof value === 'string') {
    return key !== undefined && ignored.has(key) ? value : hash(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return formatRfc3339Nano(value);
  if (ArrayBuffer.isView(value)) return value;
  if (seen.has(value)) throw new TypeError('cannot audit a circular structure');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, key, hash, ignored, seen));
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) out[String(k)] = walk(v, String(k), hash, ignored, seen);
      return out;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), key, hash, ignored, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, k, hash, ignored, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}
