/**
 * The provider conformance suite (as ESO's common e2e cases): every provider's test calls
 * `runProviderConformance(name, setup)` so all providers answer the same refs the same way.
 *
 * `seed(key, value)` stores a secret in the provider's backend: a record is the secret's
 * key/value data; a string is a JSON document (object) for the nested-property cases, or,
 * when the provider stores raw strings (`rawStrings: true`, e.g. `fake`), any text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoSecretError, type SecretsClient, type SecretsWriter } from './types.js';

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

export interface WriteConformanceHarness {
  /** A client with the SecretsWriter methods. */
  client: SecretsClient & SecretsWriter;
  cleanup(): Promise<void>;
}

export interface WriteConformanceOptions {
  /** `remoteRef.property` merges one value into a remote secret (default true; ESO's fake ignores it). */
  properties?: boolean;
  /** deleteSecret removes the secret (default true; ESO's fake ignores deletes). */
  deletes?: boolean;
  /** Keys the provider adds to a pushed secret (vault KV v1 keeps ESO's `custom_metadata` in the data). */
  bookkeepingKeys?: string[];
}

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

function secretOf(data: Record<string, string>): { data: Record<string, Uint8Array> } {
  return { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, encode(v)])) };
}

/**
 * The PushSecret half of the suite: push then read back, overwrite, idempotent re-push,
 * properties, delete and exists. Keys are plain names (no `/`) so every provider can hold them.
 */
export function runWriteConformance(name: string, setup: () => Promise<WriteConformanceHarness>, options: WriteConformanceOptions = {}): void {
  const properties = options.properties !== false;
  const deletes = options.deletes !== false;
  const readBack = async (client: SecretsClient, key: string): Promise<Record<string, string>> => {
    const map = textMap(await client.getSecretMap({ key }));
    for (const k of options.bookkeepingKeys ?? []) delete map[k];
    return map;
  };
  describe(`provider write conformance: ${name}`, () => {
    let h: WriteConformanceHarness;

    beforeAll(async () => {
      h = await setup();
    });

    afterAll(async () => {
      await h.cleanup();
    });

    it('a pushed Secret reads back key for key, and exists', async () => {
      const data = { user: 'pusher', pass: 'push-s3cr3t' };
      await h.client.pushSecret(secretOf(data), { remoteRef: { remoteKey: 'wc-whole' } });
      expect(await readBack(h.client, 'wc-whole')).toEqual(data);
      await expect(h.client.secretExists({ remoteKey: 'wc-whole' })).resolves.toBe(true);
    });

    it('pushing again overwrites; pushing the same value again is a no-op', async () => {
      await h.client.pushSecret(secretOf({ v: 'one' }), { remoteRef: { remoteKey: 'wc-over' } });
      await h.client.pushSecret(secretOf({ v: 'two' }), { remoteRef: { remoteKey: 'wc-over' } });
      expect(await readBack(h.client, 'wc-over')).toEqual({ v: 'two' });
      await h.client.pushSecret(secretOf({ v: 'two' }), { remoteRef: { remoteKey: 'wc-over' } });
      expect(await readBack(h.client, 'wc-over')).toEqual({ v: 'two' });
    });

    it('a key that was never pushed does not exist', async () => {
      await expect(h.client.secretExists({ remoteKey: 'wc-never' })).resolves.toBe(false);
    });

    if (properties) {
      it('one Secret key pushed into properties of a remote secret keeps the other properties', async () => {
      const source = secretOf({ a: 'alpha-value', b: 'beta-value' });
      await h.client.pushSecret(source, { secretKey: 'a', remoteRef: { remoteKey: 'wc-props', property: 'first' } });
      await h.client.pushSecret(source, { secretKey: 'b', remoteRef: { remoteKey: 'wc-props', property: 'second' } });
      expect(text(await h.client.getSecret({ key: 'wc-props', property: 'first' }))).toBe('alpha-value');
      expect(text(await h.client.getSecret({ key: 'wc-props', property: 'second' }))).toBe('beta-value');
      await expect(h.client.secretExists({ remoteKey: 'wc-props', property: 'first' })).resolves.toBe(true);
      await expect(h.client.secretExists({ remoteKey: 'wc-props', property: 'third' })).resolves.toBe(false);
      });
    }

    if (properties && deletes) {
      it('deleting one property leaves the rest; deleting the last one deletes the secret', async () => {
        const source = secretOf({ a: 'alpha-value', b: 'beta-value' });
        await h.client.pushSecret(source, { secretKey: 'a', remoteRef: { remoteKey: 'wc-del-props', property: 'first' } });
        await h.client.pushSecret(source, { secretKey: 'b', remoteRef: { remoteKey: 'wc-del-props', property: 'second' } });
        await h.client.deleteSecret({ remoteKey: 'wc-del-props', property: 'first' });
        await expect(h.client.secretExists({ remoteKey: 'wc-del-props', property: 'first' })).resolves.toBe(false);
        expect(text(await h.client.getSecret({ key: 'wc-del-props', property: 'second' }))).toBe('beta-value');
        await h.client.deleteSecret({ remoteKey: 'wc-del-props', property: 'second' });
        await expect(h.client.secretExists({ remoteKey: 'wc-del-props' })).resolves.toBe(false);
      });
    }

    if (deletes) {
    it('deleteSecret removes a pushed secret, and deleting a missing one succeeds', async () => {
      await h.client.pushSecret(secretOf({ gone: 'soon' }), { remoteRef: { remoteKey: 'wc-delete' } });
      await h.client.deleteSecret({ remoteKey: 'wc-delete' });
      await expect(h.client.secretExists({ remoteKey: 'wc-delete' })).resolves.toBe(false);
      await expect(h.client.getSecret({ key: 'wc-delete' })).rejects.toBeInstanceOf(NoSecretError);
      await expect(h.client.deleteSecret({ remoteKey: 'wc-delete' })).resolves.toBeUndefined();
      await expect(h.client.deleteSecret({ remoteKey: 'wc-never' })).resolves.toBeUndefined();
    });
    }
  });
}
