/**
 * The provider conformance suite (as ESO's common e2e cases): every provider's test calls
 * `runProviderConformance(name, setup)` so all providers answer the same refs the same way.
 *
 * `seed(key, value)` stores a secret in the provider's backend: a record is the secret's
 * key/value data; a string is a JSON document (object) for the nested-property cases, or,
 * when the provider stores raw strings (`rawStrings: true`, e.g. `fake`), any text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoSecretError, type SecretsClient } from './types.js';

export interface ConformanceHarness {
  client: SecretsClient;
  seed(key: string, value: Record<string, string> | string): Promise<void>;
  cleanup(): Promise<void>;
  /** The provider returns a seeded non-JSON string as-is. */
  rawStrings?: boolean;
}

const decoder = new TextDecoder();
const text = (bytes: Uint8Array): string => decoder.decode(bytes);

function textMap(map: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));
}

export function runProviderConformance(name: string, setup: () => Promise<ConformanceHarness>): void {
  describe(`provider conformance: ${name}`, () => {
    let h: ConformanceHarness;
    const creds = { user: 'admin', pass: 'conformance-s3cr3t' };
    const nested = { db: { host: 'db.internal', port: 5432 }, 'dotted.key': 'literal' };

    beforeAll(async () => {
      h = await setup();
      await h.seed('conf/creds', creds);
      await h.seed('conf/nested', JSON.stringify(nested));
      await h.seed('conf/find-a', { v: 'a' });
      await h.seed('conf/find-b', { v: 'b' });
      await h.seed('conf/other', { v: 'o' });
      if (h.rawStrings === true) await h.seed('conf/raw', 'plain text value');
    });

    afterAll(async () => {
      await h.cleanup();
    });

    it('getSecret without a property returns the whole secret', async () => {
      expect(JSON.parse(text(await h.client.getSecret({ key: 'conf/creds' })))).toEqual(creds);
      if (h.rawStrings === true) expect(text(await h.client.getSecret({ key: 'conf/raw' }))).toBe('plain text value');
    });

    it('getSecret of a property returns its string value', async () => {
      expect(text(await h.client.getSecret({ key: 'conf/creds', property: 'user' }))).toBe('admin');
    });

    it('getSecret follows nested properties (a.b) and renders objects and numbers as JSON', async () => {
      expect(text(await h.client.getSecret({ key: 'conf/nested', property: 'db.host' }))).toBe('db.internal');
      expect(text(await h.client.getSecret({ key: 'conf/nested', property: 'db.port' }))).toBe('5432');
      expect(JSON.parse(text(await h.client.getSecret({ key: 'conf/nested', property: 'db' })))).toEqual(nested.db);
      expect(text(await h.client.getSecret({ key: 'conf/nested', property: 'dotted\\.key' }))).toBe('literal');
    });

    it('a missing key is a NoSecretError', async () => {
      await expect(h.client.getSecret({ key: 'conf/does-not-exist' })).rejects.toBeInstanceOf(NoSecretError);
    });

    it('a missing property is an error naming the property, never the value', async () => {
      const err = await h.client.getSecret({ key: 'conf/creds', property: 'no-such-prop' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toContain('no-such-prop');
      expect(message).not.toContain(creds.pass);
      expect(message).not.toContain(creds.user);
    });

    it('getSecretMap returns every key of the secret', async () => {
      expect(textMap(await h.client.getSecretMap({ key: 'conf/creds' }))).toEqual(creds);
      expect(textMap(await h.client.getSecretMap({ key: 'conf/nested', property: 'db' }))).toEqual({ host: 'db.internal', port: '5432' });
    });

    it('getSecretMap of a missing key is a NoSecretError', async () => {
      await expect(h.client.getSecretMap({ key: 'conf/does-not-exist' })).rejects.toBeInstanceOf(NoSecretError);
    });

    it('getAllSecrets finds secrets by name regexp', async () => {
      const found = await h.client.getAllSecrets({ name: { regexp: 'find-' } });
      const keys = Object.keys(found).sort();
      expect(keys).toHaveLength(2);
      expect(keys[0]).toContain('find-a');
      expect(keys[1]).toContain('find-b');
      expect(JSON.parse(text(found[keys[0] ?? ''] ?? new Uint8Array()))).toEqual({ v: 'a' });
    });

    it('validate answers Ready', async () => {
      await expect(h.client.validate()).resolves.toBe('Ready');
    });

    it('close is idempotent', async () => {
      await h.client.close();
      await expect(h.client.close()).resolves.toBeUndefined();
    });
  });
}
