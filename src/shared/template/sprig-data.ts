/**
 * Sprig's encoding, hashing and serialisation functions, plus ESO's `toYaml`, `fromYaml` and
 * `filterPEM`. Where Sprig swallows an error it does so here too (`b64dec` returns Go's error
 * text, `toJson` returns ""), and error texts name no part of the input.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { formatRfc3339Nano } from '../time.js';
import { base32Decode, base32Encode, base64Decode, base64Encode, bytesToString, hexDecode } from './encoding.js';
import { argString, withArity } from './func-args.js';
import { goJsonMarshal, toJsonModel } from './go-json.js';
import { filterPem } from './pem.js';
import type { TemplateFunc } from './types.js';
import { type GoMap, isMap, mapSet, newMap } from './values.js';

function hash(algorithm: string): TemplateFunc {
  return withArity(1, 1, (s: unknown) => createHash(algorithm).update(argString(s), 'utf8').digest('hex'));
}

/** hash/adler32. */
function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Go's string(bytes), or the decoder's error text (Sprig returns err.Error() as the value). */
function decodeOrMessage(decode: (s: string) => Buffer, s: string): string {
  try {
    return bytesToString(decode(s));
  } catch (err) {
    return err instanceof Error ? err.message : 'decode failed';
  }
}

/** Parsed JSON as template values: objects become prototype-free maps. */
function fromJsonModel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJsonModel);
  if (v !== null && typeof v === 'object') {
    const m = newMap();
    for (const [k, val] of Object.entries(v)) mapSet(m, k, fromJsonModel(val));
    return m;
  }
  return v;
}

function parseJson(s: string): unknown {
  try {
    return fromJsonModel(JSON.parse(s));
  } catch {
    throw new Error('invalid JSON');
  }
}

/** YAML values as JSON would carry them (sigs.k8s.io/yaml converts through JSON). */
function yamlToJsonModel(v: unknown): unknown {
  if (v instanceof Date) return formatRfc3339Nano(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Map) {
    const m = newMap();
    for (const [k, val] of v) mapSet(m, String(k), yamlToJsonModel(val));
    return m;
  }
  if (v instanceof Set) return Array.from(v, yamlToJsonModel);
  if (Array.isArray(v)) return v.map(yamlToJsonModel);
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object') {
    const m = newMap();
    for (const [k, val] of Object.entries(v)) mapSet(m, k, yamlToJsonModel(val));
    return m;
  }
  return v === undefined ? null : v;
}

/** ESO's fromYaml: a map, with the problem under "Error" when the text is not a YAML map. */
function fromYaml(s: string): GoMap {
  const out = newMap();
  let parsed: unknown;
  try {
    parsed = parseYaml(s, { version: '1.1', uniqueKeys: false, maxAliasCount: 100, prettyErrors: false });
  } catch {
    mapSet(out, 'Error', 'error converting YAML to JSON: yaml: invalid document');
    return out;
  }
  const model = yamlToJsonModel(parsed);
  if (model === null) return out;
  if (!isMap(model)) {
    mapSet(out, 'Error', 'error unmarshaling JSON: the document is not a map');
    return out;
  }
  return model;
}

/** ESO's toYaml (sigs.k8s.io/yaml): through JSON, keys sorted, no trailing newline; "" on error. */
function toYaml(v: unknown): string {
  try {
    const text = stringifyYaml(toJsonModel(v), { version: '1.1', indentSeq: false, sortMapEntries: true });
    return text.replace(/\n$/, '');
  } catch {
    return '';
  }
}

function marshal(escapeHTML: boolean, indent: string | undefined, swallow: boolean): TemplateFunc {
  return withArity(1, 1, (v: unknown) => {
    try {
      return goJsonMarshal(v, indent === undefined ? { escapeHTML } : { escapeHTML, indent });
    } catch (err) {
      if (swallow) return '';
      throw err;
    }
  });
}

export const sprigDataFuncs: Readonly<Record<string, TemplateFunc>> = {
  b64enc: withArity(1, 1, (s: unknown) => base64Encode(argString(s))),
  b64dec: withArity(1, 1, (s: unknown) => decodeOrMessage(base64Decode, argString(s))),
  b32enc: withArity(1, 1, (s: unknown) => base32Encode(argString(s))),
  b32dec: withArity(1, 1, (s: unknown) => decodeOrMessage(base32Decode, argString(s))),
  hexdec: withArity(1, 1, (s: unknown) => decodeOrMessage(hexDecode, argString(s))),
  sha1sum: hash('sha1'),
  sha256sum: hash('sha256'),
  sha512sum: hash('sha512'),
  adler32sum: withArity(1, 1, (s: unknown) => String(adler32(argString(s)))),
  toJson: marshal(true, undefined, true),
  mustToJson: marshal(true, undefined, false),
  toPrettyJson: marshal(true, '  ', true),
  mustToPrettyJson: marshal(true, '  ', false),
  toRawJson: marshal(false, undefined, false),
  mustToRawJson: marshal(false, undefined, false),
  fromJson: withArity(1, 1, (s: unknown) => {
    const text = argString(s);
    try {
      return parseJson(text);
    } catch {
      return null;
    }
  }),
  mustFromJson: withArity(1, 1, (s: unknown) => parseJson(argString(s))),
  toYaml: withArity(1, 1, toYaml),
  fromYaml: withArity(1, 1, (s: unknown) => fromYaml(argString(s))),
  filterPEM: withArity(2, 2, (pemType: unknown, input: unknown) => filterPem(argString(pemType), argString(input))),
};
