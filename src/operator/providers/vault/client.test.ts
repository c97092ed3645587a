import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lookupProperty, splitPropertyPath } from '../types.js';
import { VaultSecretsClient, type KvVersion } from './client.js';
import type { VaultHttp } from './http.js';

const noHttp: VaultHttp = { request: () => Promise.reject(new Error('no network in this test')), close() {} };

function client(version: KvVersion, path?: string): VaultSecretsClient {
  return new VaultSecretsClient({ http: noHttp, token: 't', version, ...(path !== undefined ? { path } : {}) });
}

describe('VaultSecretsClient paths (ESO buildPath)', () => {
  it('KV v2 inserts data/ after the mount', () => {
    expect(client('v2', 'secret').dataPath('app/db')).toBe('secret/data/app/db');
    expect(client('v2', 'secret').dataPath('secret/app/db')).toBe('secret/data/app/db');
    expect(client('v2', 'secret').dataPath('secret/data/app/db')).toBe('secret/data/app/db');
    expect(client('v2', 'team/kv').dataPath('app')).toBe('team/kv/data/app');
    expect(client('v2', 'secret').metadataPath('app/')).toBe('secret/metadata/app/');
  });

  it('KV v2 without a path takes the first segment as the mount', () => {
    expect(client('v2').dataPath('secret/app/db')).toBe('secret/data/app/db');
    expect(client('v2').dataPath('secret/data/app')).toBe('secret/data/app');
  });

  it('KV v1 uses the key as is under the mount and has no metadata', () => {
    expect(client('v1', 'kv').dataPath('app/db')).toBe('kv/app/db');
    expect(client('v1', 'kv').dataPath('kv/app')).toBe('kv/app');
    expect(client('v1').dataPath('kv/app')).toBe('kv/app');
    expect(() => client('v1', 'kv').metadataPath('app')).toThrow('cannot perform metadata operations with kv version v1');
  });

  it('a closed client refuses to read, and close is idempotent', async () => {
    const c = client('v2', 'secret');
    await c.close();
    await c.close();
    await expect(c.getSecret({ key: 'x' })).rejects.toThrow('closed');
  });
});

describe('gjson-like properties', () => {
  it('splits on unescaped dots', () => {
    expect(splitPropertyPath('a.b\\.c.d')).toEqual(['a', 'b.c', 'd']);
  });

  it('indexes arrays and objects; anything else is missing', () => {
    const doc = { a: { list: ['x', { y: 1 }] } };
    expect(lookupProperty(doc, 'a.list.1.y')).toBe(1);
    expect(lookupProperty(doc, 'a.list.z')).toBeUndefined();
    expect(lookupProperty(doc, 'a.nope')).toBeUndefined();
    expect(lookupProperty('text', 'a')).toBeUndefined();
    expect(lookupProperty(doc, 'toString')).toBeUndefined();
  });

  it('finds every leaf of a nested object by its escaped path', () => {
    const segment = fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__proto__');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.string(), (path, leaf) => {
        let doc: unknown = leaf;
        for (const seg of [...path].reverse()) doc = { [seg]: doc };
        const escaped = path.map((s) => s.replace(/\\/g, '\\\\').replace(/\./g, '\\.')).join('.');
        expect(lookupProperty(doc, escaped)).toBe(leaf);
      }),
    );
  });
});
