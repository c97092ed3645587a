/**
 * JSON the way Vault's audit formatter writes it (`jsonutil.EncodeJSON`, i.e. Go's
 * `json.Encoder`): struct fields in declaration order, map keys sorted, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, byte arrays as base64, times as RFC3339Nano, and a trailing
 * newline. Objects built with `struct()` keep their key order; every other object is a map.
 */
import { formatRfc3339Nano } from '../../shared/time.js';

const STRUCTS = new WeakSet<object>();

/** Marks an object as a Go struct: its keys are written in insertion order, not sorted. */
export function struct<T extends object>(value: T): T {
  STRUCTS.add(value);
  return value;
}

export function isStruct(value: object): boolean {
  return STRUCTS.has(value);
}

/** One line: the encoded value followed by `\n`, as `json.Encoder.Encode` writes it. */
export function encodeGoJsonLine(value: unknown): string {
  return `${encodeGoJson(value)}\n`;
}

export function encodeGoJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

const ESCAPES = /[<>&\u2028\u2029]/g;
const ESCAPED: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function encodeString(s: string): string {
  return JSON.stringify(s).replace(ESCAPES, (c) => ESCAPED[c] ?? c);
}

function write(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(encodeString(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null');
      return;
    default:
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (value instanceof Date) {
    out.push(encodeString(formatRfc3339Nano(value)));
    return;
  }
  if (ArrayBuffer.isView(value)) {
    out.push(encodeString(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
    return;
  }
  if (value instanceof Map) {
    write(Object.fromEntries([...value].map(([k, v]) => [String(k), v])), out);
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    write(toJSON.call(value), out);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (!STRUCTS.has(value as object)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  entries.forEach(([k, v], i) => {
    if (i > 0) out.push(',');
    out.push(encodeString(k), ':');
    write(v, out);
  });
  out.push('}');
}
