/**
 * Gathering an ExternalSecret's data (ESO `getProviderSecretData`): every `dataFrom` entry in
 * order, then `data[]` (which wins on the same key). Per source: fetch → rewrite (or key
 * conversion when there is no rewrite) → key validation → decoding → null-byte check.
 * The pure steps (`decodeValue`, `convertKeys`, `rewriteKeys`) are exported for tests.
 */
import { NotFoundError, UserError } from '../../../shared/errors.js';
import { assignOwn, putOwn } from '../../../shared/own-record.js';
import { formatFloat } from '../../../shared/template/fmt.js';
import { goJsonMarshal } from '../../../shared/template/go-json.js';
import { compileGoRegexp, esoTemplateFuncs, parseTemplate, regexpReplaceAll as replaceAll, sprigFuncs } from '../../../shared/template/index.js';
import type {
  ConversionStrategy,
  DecodingStrategy,
  ExternalSecret,
  ExternalSecretRewrite,
  ExternalSecretRewriteMerge,
  GeneratorRef,
  NullBytePolicy,
  SecretStoreRef,
} from '../../apis/external-secrets/index.js';
import { NoSecretError, type SecretsClient } from '../../providers/index.js';

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;
/** A Secret data key (the CRD's `secretKey` pattern). */
const VALID_KEY = /^[-._a-zA-Z0-9]+$/;

/** Go's base64 decoders are strict (padding required, alphabet checked); Node's are not. */
function strictBase64(text: string, alphabet: RegExp, encoding: 'base64' | 'base64url'): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !alphabet.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, encoding));
}

/** ESO `runtime/decoding`: Base64, Base64URL, Auto (std, then URL, else raw), None. */
export function decodeValue(value: Uint8Array, strategy: DecodingStrategy | undefined, key: string): Uint8Array {
  if (strategy === undefined || strategy === 'None') return value;
  const text = Buffer.from(value).toString('latin1');
  if (strategy === 'Base64') {
    const out = strictBase64(text, STD_B64, 'base64');
    if (out === undefined) throw new UserError(`error decoding key ${key}: illegal base64 data`);
    return out;
  }
  if (strategy === 'Base64URL') {
    const out = strictBase64(text, URL_B64, 'base64url');
    if (out === undefined) throw new UserError(`error decoding key ${key}: illegal base64url data`);
    return out;
  }
  return strictBase64(text, STD_B64, 'base64') ?? strictBase64(text, URL_B64, 'base64url') ?? value;
}

export function decodeMap(data: Record<string, Uint8Array>, strategy: DecodingStrategy | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data)) out[k] = decodeValue(v, strategy, k);
  return out;
}

/** Any rune that is not a letter, a number, `-`, `.` or `_` becomes `_` (Default) or `_Uxxxx_` (Unicode). */
export function convertKeys(data: Record<string, Uint8Array>, strategy: ConversionStrategy | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data)) {
    let key = '';
    for (const ch of k) {
      if (/^[\p{L}\p{N}._-]$/u.test(ch)) key += ch;
      else key += strategy === 'Unicode' ? `_U${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}_` : '_';
    }
    if (Object.hasOwn(out, key)) throw new UserError(`secret name collision during conversion: ${key}`);
    putOwn(out, key, v);
  }
  return out;
}

const goCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** ESO `GetByteValue` of a decoded JSON value (strings raw, numbers as strconv 'f' -1, objects and arrays as JSON). */
function jsonValueBytes(v: unknown): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v === null || v === undefined) return new Uint8Array();
  if (typeof v === 'number') return new TextEncoder().encode(formatFloat(v, 'f', -1));
  if (typeof v === 'boolean') return new TextEncoder().encode(String(v));
  return new TextEncoder().encode(goJsonMarshal(v));
}

/**
 * `rewrite[].merge` (ESO `RewriteMerge`): parse every value as a JSON object and merge them,
 * keys sorted with the `priority` keys last (in their order, so they win). `Extract` (default)
 * turns the merged object into the keys; `JSON` keeps the input and adds the merged object
 * under `into`. Conflicting keys fail unless `conflictPolicy: Ignore`; a missing priority key
 * fails unless `priorityPolicy: IgnoreNotFound`.
 */
export function rewriteMerge(op: ExternalSecretRewriteMerge, data: Record<string, Uint8Array>): Record<string, Uint8Array> {
  const priority = op.priority ?? [];
  const keys = [...Object.keys(data).filter((k) => !priority.includes(k)).sort(goCompare), ...priority];
  // A null prototype: JSON keys such as "__proto__" are ordinary keys here.
  const merged = Object.create(null) as Record<string, unknown>;
  const conflicts: string[] = [];
  for (const key of keys) {
    const value = data[key];
    if (!Object.hasOwn(data, key) || value === undefined) {
      if (op.priorityPolicy === 'IgnoreNotFound') continue;
      throw new UserError(`merge failed with key ${JSON.stringify(key)} not found in input map`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(value).toString('utf8'));
    } catch {
      throw new UserError(`merge failed with failed to unmarshal JSON: the value of key ${JSON.stringify(key)} is not valid JSON`);
    }
    if (parsed === null) continue;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UserError(`merge failed with failed to unmarshal JSON: the value of key ${JSON.stringify(key)} is not a JSON object`);
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (Object.hasOwn(merged, k)) conflicts.push(k);
      merged[k] = v;
    }
  }
  if (op.conflictPolicy !== 'Ignore' && conflicts.length > 0) throw new UserError(`merge failed with conflicts: ${conflicts.join(', ')}`);
  if ((op.strategy ?? 'Extract') === 'Extract') {
    const out: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(merged)) out[k] = jsonValueBytes(v);
    return out;
  }
  if (op.into === undefined || op.into === '') throw new UserError("merge failed with missing 'into' field");
  return { ...data, [op.into]: new TextEncoder().encode(goJsonMarshal(merged, { escapeHTML: false })) };
}

/** `dataFrom[].rewrite[]`, applied in order: `merge`, `regexp` (Go ReplaceAllString) and `transform` (template over `.value`). */
export function rewriteKeys(rewrites: readonly ExternalSecretRewrite[], data: Record<string, Uint8Array>): Record<string, Uint8Array> {
  let current = data;
  rewrites.forEach((rw, i) => {
    if (rw.merge !== undefined) {
      try {
        current = rewriteMerge(rw.merge, current);
      } catch (err) {
        throw new UserError(`failed rewrite operation[${i}]: ${(err as Error).message}`, { cause: err });
      }
      return;
    }
    const next: Record<string, Uint8Array> = {};
    let rename: (key: string) => string;
    if (rw.regexp !== undefined) {
      let re: RegExp;
      try {
        re = compileGoRegexp(rw.regexp.source);
      } catch {
        throw new UserError(`error applying rewrite ${i}: invalid regexp ${JSON.stringify(rw.regexp.source)}`);
      }
      const target = rw.regexp.target;
      rename = (key) => replaceAll(re, key, target, false);
    } else if (rw.transform !== undefined) {
      const tpl = parseTemplate(rw.transform.template, { funcs: { ...sprigFuncs, ...esoTemplateFuncs }, missingKey: 'error' });
      rename = (key) => tpl.execute({ value: key });
    } else {
      throw new UserError(`error applying rewrite ${i}: one of merge, regexp or transform is required`);
    }
    for (const [k, v] of Object.entries(current)) {
      const key = rename(k);
      if (Object.hasOwn(next, key)) throw new UserError(`error applying rewrite ${i}: key collision on ${JSON.stringify(key)}`);
      next[key] = v;
    }
    current = next;
  });
  return current;
}

function validateKeys(data: Record<string, Uint8Array>): void {
  // ESO drops empty keys (a rewrite that maps a key to "") instead of failing.
  delete data[''];
  for (const key of Object.keys(data)) {
    if (!VALID_KEY.test(key)) throw new UserError(`invalid secret key ${JSON.stringify(key)}: keys must consist of alphanumeric characters, '-', '_' or '.'`);
  }
}

function checkNullBytes(data: Record<string, Uint8Array>, policy: NullBytePolicy | undefined): void {
  if (policy !== 'Fail') return;
  for (const [k, v] of Object.entries(data)) if (v.includes(0)) throw new UserError(`secret key ${JSON.stringify(k)} contains a null byte (nullBytePolicy=Fail)`);
}

/** Gives the client for a store reference (an entry's `sourceRef.storeRef`, or the ES's own store). */
export type ClientFor = (ref: SecretStoreRef | undefined) => Promise<SecretsClient>;

/** Gives the data of the generator `dataFrom[index].sourceRef.generatorRef` names. */
export type GenerateFor = (index: number, ref: GeneratorRef) => Promise<Record<string, Uint8Array>>;

/** ESO `handleGenerateSecrets`: generate, then rewrite and validate the keys (no conversion or decoding). */
async function generatedData(i: number, ref: GeneratorRef, rewrite: readonly ExternalSecretRewrite[] | undefined, generate: GenerateFor): Promise<Record<string, Uint8Array>> {
  const where = `error processing spec.dataFrom[${i}].sourceRef.generatorRef, err`;
  let generated: Record<string, Uint8Array>;
  try {
    generated = await generate(i, ref);
  } catch (err) {
    const message = `${where}: error using generator: ${(err as Error).message}`;
    // Keep user mistakes (a bad spec, a missing generator) apart from outages.
    throw err instanceof UserError || err instanceof NotFoundError ? new UserError(message, { cause: err }) : new Error(message, { cause: err });
  }
  let renamed: Record<string, Uint8Array>;
  try {
    renamed = rewrite !== undefined && rewrite.length > 0 ? rewriteKeys(rewrite, generated) : { ...generated };
  } catch (err) {
    throw new UserError(`${where}: could not rewrite spec.dataFrom[${i}]: ${(err as Error).message}`, { cause: err });
  }
  validateKeys(renamed);
  return renamed;
}


/**
 * All the ExternalSecret's data. A missing remote secret (`NoSecretError`) is skipped unless
 * deletionPolicy is Retain (then it is an error), as ESO does; the caller applies the
 * deletionPolicy when nothing is left.
 */
export async function gatherData(es: ExternalSecret, clientFor: ClientFor, onMissing?: (message: string) => void, generate?: GenerateFor): Promise<Record<string, Uint8Array>> {
  const retain = (es.spec.target?.deletionPolicy ?? 'Retain') === 'Retain';
  const out: Record<string, Uint8Array> = {};
  const skipMissing = async <T>(fetch: () => Promise<T>, message: string): Promise<T | undefined> => {
    try {
      return await fetch();
    } catch (err) {
      if (err instanceof NoSecretError && !retain) {
        onMissing?.(message);
        return undefined;
      }
      throw err;
    }
  };

  for (const [i, from] of (es.spec.dataFrom ?? []).entries()) {
    const generatorRef = from.sourceRef?.generatorRef;
    if (generatorRef !== undefined) {
      if (generate === undefined) throw new UserError(`dataFrom[${i}]: generators are not supported`);
      assignOwn(out, await generatedData(i, generatorRef, from.rewrite, generate));
      continue;
    }
    const client = await clientFor(from.sourceRef?.storeRef);
    let fetched: Record<string, Uint8Array> | undefined;
    let conversion: ConversionStrategy | undefined;
    let decoding: DecodingStrategy | undefined;
    let nullPolicy: NullBytePolicy | undefined;
    if (from.extract !== undefined) {
      const ref = from.extract;
      fetched = await skipMissing(() =>
        client.getSecretMap({
          key: ref.key,
          ...(ref.property !== undefined ? { property: ref.property } : {}),
          ...(ref.version !== undefined ? { version: ref.version } : {}),
          ...(ref.metadataPolicy !== undefined ? { metadataPolicy: ref.metadataPolicy } : {}),
        }),
        `secret does not exist at provider using spec.dataFrom[${i}]`,
      );
      ({ conversionStrategy: conversion, decodingStrategy: decoding, nullBytePolicy: nullPolicy } = ref);
    } else if (from.find !== undefined) {
      const find = from.find;
      fetched = await skipMissing(() =>
        client.getAllSecrets({
          ...(find.path !== undefined ? { path: find.path } : {}),
          ...(find.name?.regexp !== undefined ? { name: { regexp: find.name.regexp } } : {}),
          ...(find.tags !== undefined ? { tags: find.tags } : {}),
        }),
        `secret does not exist at provider using spec.dataFrom[${i}]`,
      );
      ({ conversionStrategy: conversion, decodingStrategy: decoding, nullBytePolicy: nullPolicy } = find);
    } else {
      throw new UserError(`dataFrom[${i}]: one of extract or find is required`);
    }
    if (fetched === undefined) continue;
    let renamed: Record<string, Uint8Array>;
    try {
      renamed = from.rewrite !== undefined && from.rewrite.length > 0 ? rewriteKeys(from.rewrite, fetched) : convertKeys(fetched, conversion);
    } catch (err) {
      throw new UserError(`could not rewrite spec.dataFrom[${i}]: ${(err as Error).message}`, { cause: err });
    }
    validateKeys(renamed);
    const decoded = decodeMap(renamed, decoding);
    checkNullBytes(decoded, nullPolicy);
    assignOwn(out, decoded);
  }

  for (const [i, item] of (es.spec.data ?? []).entries()) {
    const client = await clientFor(item.sourceRef?.storeRef);
    const ref = item.remoteRef;
    const value = await skipMissing(() =>
      client.getSecret({
        key: ref.key,
        ...(ref.property !== undefined ? { property: ref.property } : {}),
        ...(ref.version !== undefined ? { version: ref.version } : {}),
        ...(ref.metadataPolicy !== undefined ? { metadataPolicy: ref.metadataPolicy } : {}),
      }),
      // ESO's wording (its message template says dataFrom for data[] entries too).
      `secret does not exist at provider using spec.dataFrom[${i}] (key=${ref.key})`,
    );
    if (value === undefined) continue;
    const decoded = decodeValue(value, ref.decodingStrategy, item.secretKey);
    checkNullBytes({ [item.secretKey]: decoded }, ref.nullBytePolicy);
    putOwn(out, item.secretKey, decoded);
  }
  return out;
}
