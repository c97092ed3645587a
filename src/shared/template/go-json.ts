/**
 * Go's encoding/json output for template values: map keys sorted, `<`, `>` and `&` escaped as
 * `\u003c`... (unless `escapeHTML` is off, as in Sprig's toRawJson), `[]byte` as base64, a
 * `time.Time` as RFC 3339, and Go's float formatting. Unsupported values (functions, NaN,
 * infinities) throw, as json.Marshal returns an error.
 */
import { formatRfc3339Nano } from '../time.js';
import { formatFloat } from './fmt.js';
import { GO_STRING, type GoMap, goTypeName, isMap, kindOf, sortedKeys } from './values.js';

export class JsonEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonEncodeError';
  }
}

const HEX = '0123456789abcdef';

export function goJsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const ch = s[i] as string;
      if (c >= 0x20 && ch !== '"' && ch !== '\\' && !(escapeHTML && (ch === '<' || ch === '>' || ch === '&'))) {
        out += ch;
        continue;
      }
      switch (ch) {
        case '"':
        case '\\':
          out += `\\${ch}`;
          break;
        case '\b':
          out += '\\b';
          break;
        case '\f':
          out += '\\f';
          break;
        case '\n':
          out += '\\n';
          break;
        case '\r':
          out += '\\r';
          break;
        case '\t':
          out += '\\t';
          break;
        default:
          out += `\\u00${HEX[c >> 4] as string}${HEX[c & 0xf] as string}`;
      }
      continue;
    }
    if (c === 0x2028 || c === 0x2029) {
      out += `\\u202${HEX[c & 0xf] as string}`;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
        continue;
      }
      out += '\\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    out += s[i] as string;
  }
  return `${out}"`;
}

/** How encoding/json writes a float64. */
export function goJsonFloat(v: number): string {
  if (!Number.isFinite(v)) throw new JsonEncodeError(`json: unsupported value: ${formatFloat(v, 'g', -1)}`);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go writes 1e-07 as 1e-7
    return formatFloat(v, 'e', -1).replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return formatFloat(v, 'f', -1);
}

function encode(v: unknown, escapeHTML: boolean, indent: string | undefined, depth: number): string {
  if (depth > 1000) throw new JsonEncodeError('json: unsupported value: encountered a cycle');
  if (isMap(v)) {
    const method = (v as { [GO_STRING]?: unknown })[GO_STRING];
    if (typeof method === 'function') return goJsonString(String(method.call(v)), escapeHTML);
  }
  const nl = indent === undefined ? '' : `\n${indent.repeat(depth + 1)}`;
  const close = indent === undefined ? '' : `\n${indent.repeat(depth)}`;
  const colon = indent === undefined ? ':' : ': ';
  switch (kindOf(v)) {
    case 'invalid':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return String(v);
    case 'float':
      return goJsonFloat(v as number);
    case 'string':
      return goJsonString(v as string, escapeHTML);
    case 'bytes':
      return `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
    case 'time':
      return `"${formatRfc3339Nano(v as Date)}"`;
    case 'slice': {
      const list = v as unknown[];
      if (list.length === 0) return '[]';
      return `[${list.map((e) => nl + encode(e, escapeHTML, indent, depth + 1)).join(',')}${close}]`;
    }
    case 'map': {
      const m = v as GoMap;
      const keys = sortedKeys(m);
      if (keys.length === 0) return '{}';
      const parts = keys.map((k) => `${nl}${goJsonString(k, escapeHTML)}${colon}${encode(m[k], escapeHTML, indent, depth + 1)}`);
      return `{${parts.join(',')}${close}}`;
    }
    case 'func':
      throw new JsonEncodeError(`json: unsupported type: ${goTypeName(v)}`);
  }
}

/** json.Marshal (escapeHTML) or MarshalIndent(v, "", indent). */
export function goJsonMarshal(v: unknown, options: { escapeHTML?: boolean; indent?: string } = {}): string {
  return encode(v, options.escapeHTML ?? true, options.indent, 0);
}

/**
 * The JSON data model of a value (what json.Marshal then Unmarshal gives): maps, arrays,
 * strings, numbers, booleans and null. Used before YAML encoding, as sigs.k8s.io/yaml does.
 */
export function toJsonModel(v: unknown): unknown {
  return JSON.parse(goJsonMarshal(v, { escapeHTML: false })) as unknown;
}
