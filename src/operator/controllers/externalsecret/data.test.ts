import { describe, expect, it } from 'vitest';
import { convertKeys, decodeValue, gatherData, rewriteKeys, rewriteMerge } from './data.js';
import type { ExternalSecret } from '../../apis/external-secrets/index.js';
import { NoSecretError, type SecretsClient } from '../../providers/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

describe('decoding strategies', () => {
  it('decodes Base64 and Base64URL strictly and falls back to raw with Auto', () => {
    expect(dec(decodeValue(enc('aGk+Pz8='), 'Base64', 'k'))).toBe('hi>??');
    expect(dec(decodeValue(enc('aGk-Pz8='), 'Base64URL', 'k'))).toBe('hi>??');
    expect(() => decodeValue(enc('aGk-Pz8='), 'Base64', 'k')).toThrow('error decoding key k');
    expect(() => decodeValue(enc('aGk'), 'Base64', 'k')).toThrow('illegal base64 data');
    expect(dec(decodeValue(enc('aGk-Pz8='), 'Auto', 'k'))).toBe('hi>??');
    expect(dec(decodeValue(enc('not base64!'), 'Auto', 'k'))).toBe('not base64!');
    expect(dec(decodeValue(enc('aGk='), 'None', 'k'))).toBe('aGk=');
    expect(dec(decodeValue(enc('aGk='), undefined, 'k'))).toBe('aGk=');
  });
});

describe('key conversion and rewrite', () => {
  it('replaces invalid runes with _ or _Uxxxx_', () => {
    expect(Object.keys(convertKeys({ 'a/b c': enc('') }, 'Default'))).toEqual(['a_b_c']);
    expect(Object.keys(convertKeys({ 'a/b': enc('') }, 'Unicode'))).toEqual(['a_U002f_b']);
  });

  it('applies regexp rewrites in order with $1 references, and transform templates', () => {
    const out = rewriteKeys(
      [{ regexp: { source: '^db/(.*)$', target: 'DB_$1' } }, { regexp: { source: '-', target: '_' } }, { transform: { template: '{{ .value | lower }}' } }],
      { 'db/user-name': enc('u'), other: enc('o') },
    );
    expect(Object.keys(out).sort()).toEqual(['db_user_name', 'other']);
    expect(() => rewriteKeys([{ regexp: { source: '.*', target: 'same' } }], { a: enc(''), b: enc('') })).toThrow('key collision');
  });
});

describe('gatherData', () => {
  const client = (values: Record<string, string>): SecretsClient => ({
    getSecret: (ref) => (values[ref.key] === undefined ? Promise.reject(new NoSecretError()) : Promise.resolve(enc(values[ref.key] ?? ''))),
    getSecretMap: (ref) => {
      const v = values[ref.key];
      if (v === undefined) return Promise.reject(new NoSecretError());
      return Promise.resolve(Object.fromEntries(Object.entries(JSON.parse(v) as Record<string, string>).map(([k, x]) => [k, enc(x)])));
    },
    getAllSecrets: () => Promise.resolve({ 'x/y': enc('found') }),
    validate: () => Promise.resolve('Ready'),
    close: () => Promise.resolve(),
  });
  const es = (spec: ExternalSecret['spec']): ExternalSecret => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e', namespace: 'n' }, spec });

  it('merges dataFrom in order, then data[] wins', async () => {
    const c = client({ m: JSON.stringify({ a: '1', b: 'Mg==' }), s: 'override' });
    const out = await gatherData(es({ dataFrom: [{ extract: { key: 'm', decodingStrategy: 'Auto' } }, { find: { name: { regexp: '.*' } } }], data: [{ secretKey: 'a', remoteRef: { key: 's' } }] }), () => Promise.resolve(c));
    expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, dec(v)]))).toEqual({ a: 'override', b: '2', x_y: 'found' });
  });

  it('fails on a missing key with deletionPolicy Retain and skips it with Delete', async () => {
    const c = client({});
    const spec = { data: [{ secretKey: 'a', remoteRef: { key: 'missing' } }] };
    await expect(gatherData(es(spec), () => Promise.resolve(c))).rejects.toBeInstanceOf(NoSecretError);
    expect(await gatherData(es({ ...spec, target: { deletionPolicy: 'Delete' } }), () => Promise.resolve(c))).toEqual({});
  });
});

describe('rewrite merge (ESO RewriteMerge)', () => {
  const es = (spec: ExternalSecret['spec']): ExternalSecret => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e', namespace: 'n' }, spec });
  const input = (o: Record<string, unknown>): Record<string, Uint8Array> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, enc(typeof v === 'string' ? v : JSON.stringify(v))]));
  const texts = (d: Record<string, Uint8Array>): Record<string, string> => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, dec(v)]));

  it('Extract: merges objects in key order with priority keys last; values as ESO GetByteValue', () => {
    const data = input({ b: { host: 'b', n: 1.5, big: 1e21 }, a: { host: 'a', on: true, nested: { z: 1, a: '<x>' }, none: null }, p: { host: 'p' } });
    const out = rewriteMerge({ priority: ['p'], conflictPolicy: 'Ignore' }, data);
    expect(texts(out)).toEqual({ host: 'p', n: '1.5', big: '1000000000000000000000', on: 'true', nested: '{"a":"\\u003cx\\u003e","z":1}', none: '' });
  });

  it('fails on conflicts unless Ignore, on missing priority keys unless IgnoreNotFound, and on non-objects', () => {
    const data = input({ a: { k: 1 }, b: { k: 2 } });
    expect(() => rewriteMerge({}, data)).toThrow('merge failed with conflicts: k');
    expect(() => rewriteMerge({ priority: ['c'], conflictPolicy: 'Ignore' }, data)).toThrow('merge failed with key "c" not found in input map');
    expect(texts(rewriteMerge({ priority: ['c'], priorityPolicy: 'IgnoreNotFound', conflictPolicy: 'Ignore' }, data))).toEqual({ k: '2' });
    expect(() => rewriteMerge({}, input({ a: 'not json' }))).toThrow(/failed to unmarshal JSON/);
    expect(() => rewriteMerge({}, input({ a: [1] }))).toThrow(/not a JSON object/);
  });

  it('JSON: keeps the input and adds the merged object under `into`', () => {
    const data = input({ a: { x: '<1>' }, b: { y: 2 } });
    expect(texts(rewriteMerge({ strategy: 'JSON', into: 'all' }, data))).toEqual({ a: '{"x":"<1>"}', b: '{"y":2}', all: '{"x":"<1>","y":2}' });
    expect(() => rewriteMerge({ strategy: 'JSON' }, data)).toThrow("merge failed with missing 'into' field");
  });

  it('chains with regexp rewrites and reports the failing operation', () => {
    const out = rewriteKeys([{ merge: { conflictPolicy: 'Ignore' } }, { regexp: { source: '^', target: 'APP_' } }], input({ a: { user: 'u' }, b: { pass: 'p' } }));
    expect(texts(out)).toEqual({ APP_user: 'u', APP_pass: 'p' });
    expect(() => rewriteKeys([{ regexp: { source: 'x', target: 'y' } }, { merge: {} }], input({ a: 'x' }))).toThrow(/failed rewrite operation\[1\]: merge failed/);
  });

  it('gatherData reports a missing source (deletionPolicy Delete) through the callback', async () => {
    const missing: string[] = [];
    const c: SecretsClient = {
      getSecret: () => Promise.reject(new NoSecretError()),
      getSecretMap: () => Promise.reject(new NoSecretError()),
      getAllSecrets: () => Promise.resolve({}),
      validate: () => Promise.resolve('Ready'),
      close: () => Promise.resolve(),
    };
    const spec = { target: { deletionPolicy: 'Delete' as const }, dataFrom: [{ extract: { key: 'm' } }], data: [{ secretKey: 'a', remoteRef: { key: 'gone' } }] };
    expect(await gatherData(es(spec), () => Promise.resolve(c), (m) => missing.push(m))).toEqual({});
    expect(missing).toEqual(['secret does not exist at provider using spec.dataFrom[0]', 'secret does not exist at provider using spec.dataFrom[0] (key=gone)']);
  });
});
