import { describe, expect, it } from 'vitest';
import { convertKeys, decodeValue, gatherData, rewriteKeys } from './data.js';
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
