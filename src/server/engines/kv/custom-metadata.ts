/**
 * `custom_metadata` parsing and validation, with Vault's limits and messages
 * (path_metadata.go: at most 64 keys, 0 < len(key) ≤ 128, 0 < len(value) ≤ 512 bytes,
 * printable characters only; errors joined the way go-multierror renders them).
 */
import { UserError } from '../../../shared/errors.js';
import { isPlainObject, setOwn } from './version-store.js';

export const MAX_CUSTOM_METADATA_KEYS = 64;
export const MAX_CUSTOM_METADATA_KEY_LENGTH = 128;
export const MAX_CUSTOM_METADATA_VALUE_LENGTH = 512;
const PREFIX = 'custom_metadata validation failed';

/**
 * Converts each value to a string the way mapstructure's weak decoding does (numbers and
 * booleans become strings, `null` becomes ""). With `keepNulls` (PATCH), `null` values are
 * kept as `null`: they remove the key when the patch is merged.
 */
export function parseCustomMetadata(raw: Record<string, unknown>, keepNulls: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) {
      setOwn(out, k, keepNulls ? null : '');
      continue;
    }
    setOwn(out, k, weakString(v));
  }
  return out;
}

function weakString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  const goType = Array.isArray(v) ? '[]interface {}' : isPlainObject(v) ? 'map[string]interface {}' : typeof v;
  throw new UserError(`${PREFIX}: '' expected type 'string', got unconvertible type '${goType}'`);
}

/** Throws a UserError listing every violation; `null` values (PATCH removals) are skipped. */
export function validateCustomMetadata(metadata: Record<string, string | null>): void {
  const entries = Object.entries(metadata).filter((e): e is [string, string] => e[1] !== null);
  const errors: string[] = [];
  if (entries.length > MAX_CUSTOM_METADATA_KEYS) {
    errors.push(`${PREFIX}: payload must contain at most ${MAX_CUSTOM_METADATA_KEYS} keys, provided ${entries.length}`);
    throw new UserError(multiError(errors));
  }
  for (const [key, value] of entries) {
    const keyLen = Buffer.byteLength(key, 'utf8');
    if (keyLen === 0 || keyLen > MAX_CUSTOM_METADATA_KEY_LENGTH) {
      errors.push(
        `${PREFIX}: length of key ${goQuote(key)} is ${keyLen} but must be 0 < len(key) <= ${MAX_CUSTOM_METADATA_KEY_LENGTH}`,
      );
    }
    const valueLen = Buffer.byteLength(value, 'utf8');
    if (valueLen === 0 || valueLen > MAX_CUSTOM_METADATA_VALUE_LENGTH) {
      errors.push(
        `${PREFIX}: length of value for key ${goQuote(key)} is ${valueLen} but must be 0 < len(value) <= ${MAX_CUSTOM_METADATA_VALUE_LENGTH}`,
      );
    }
    if (!isPrintable(key)) {
      errors.push(`${PREFIX}: key ${goQuote(key)} (${key}) contains unprintable characters`);
    }
    if (!isPrintable(value)) {
      errors.push(`${PREFIX}: value for key ${goQuote(key)} contains unprintable characters`);
    }
  }
  if (errors.length > 0) throw new UserError(multiError(errors));
}

/** go-multierror's default format. */
export function multiError(errors: readonly string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0] ?? ''}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

/** Go's `unicode.IsPrint` over every character (letters, marks, numbers, punctuation, symbols, ASCII space). */
export function isPrintable(s: string): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(s);
}

const PRINTABLE_CHAR = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's `%q` (strconv.Quote) for well-formed strings. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    if (PRINTABLE_CHAR.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
