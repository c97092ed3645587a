/**
 * Gathering an ExternalSecret's data (ESO `getProviderSecretData`): every `dataFrom` entry in
 * order, then `data[]` (which wins on the same key). Per source: fetch → rewrite (or key
 * conversion when there is no rewrite) → key validation → decoding → null-byte check.
 * The pure steps (`decodeValue`, `convertKeys`, `rewriteKeys`) are exported for tests.
 */
import { UserError } from '../../../shared/errors.js';
import { parseTemplate, sprigFuncs } from '../../../shared/template/index.js';
import { compileGoRegexp, regexpReplaceAll as replaceAll } from '../../../shared/template/index.js';
import type {
  ConversionStrategy,
  DecodingStrategy,
  ExternalSecret,
  ExternalSecretRewrite,
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
    out[key] = v;
  }
  return out;
}

/** `dataFrom[].rewrite[]`, applied in order: `regexp` (Go ReplaceAllString) and `transform` (template over `.value`). */
export function rewriteKeys(rewrites: readonly ExternalSecretRewrite[], data: Record<string, Uint8Array>): Record<string, Uint8Array> {
  let current = data;
  rewrites.forEach((rw, i) => {
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
      const tpl = parseTemplate(rw.transform.template, { funcs: sprigFuncs, missingKey: 'error' });
      rename = (key) => tpl.execute({ value: key });
    } else {
      throw new UserError(`error applying rewrite ${i}: only regexp and transform rewrites are supported`);
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


/**
 * All the ExternalSecret's data. A missing remote secret (`NoSecretError`) is skipped unless
 * deletionPolicy is Retain (then it is an error), as ESO does; the caller applies the
 * deletionPolicy when nothing is left.
 */
export async function gatherData(es: ExternalSecret, clientFor: ClientFor): Promise<Record<string, Uint8Array>> {
  const retain = (es.spec.target?.deletionPolicy ?? 'Retain') === 'Retain';
  const out: Record<string, Uint8Array> = {};
  const skipMissing = async <T>(fetch: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fetch();
    } catch (err) {
      if (err instanceof NoSecretError && !retain) return undefined;
      throw err;
    }
  };

  for (const [i, from] of (es.spec.dataFrom ?? []).entries()) {
    if (from.sourceRef?.generatorRef !== undefined) throw new UserError(`dataFrom[${i}]: generators are not supported`);
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
      );
      ({ conversionStrategy: conversion, decodingStrategy: decoding, nullBytePolicy: nullPolicy } = find);
    } else {
      throw new UserError(`dataFrom[${i}]: one of extract or find is required`);
    }
    if (fetched === undefined) continue;
    const renamed = from.rewrite !== undefined && from.rewrite.length > 0 ? rewriteKeys(from.rewrite, fetched) : convertKeys(fetched, conversion);
    validateKeys(renamed);
    const decoded = decodeMap(renamed, decoding);
    checkNullBytes(decoded, nullPolicy);
    Object.assign(out, decoded);
  }

  for (const item of es.spec.data ?? []) {
    const client = await clientFor(item.sourceRef?.storeRef);
    const ref = item.remoteRef;
    const value = await skipMissing(() =>
      client.getSecret({
        key: ref.key,
        ...(ref.property !== undefined ? { property: ref.property } : {}),
        ...(ref.version !== undefined ? { version: ref.version } : {}),
        ...(ref.metadataPolicy !== undefined ? { metadataPolicy: ref.metadataPolicy } : {}),
      }),
    );
    if (value === undefined) continue;
    const decoded = decodeValue(value, ref.decodingStrategy, item.secretKey);
    checkNullBytes({ [item.secretKey]: decoded }, ref.nullBytePolicy);
    out[item.secretKey] = decoded;
  }
  return out;
}
