import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hybridEncrypt } from './crypto.js';
import { KeyRegistry, generateSealingKey, selfSignedCertificate, type SealingKey } from './keys.js';
import { encryptionLabel } from './scope.js';
import {
  UnsealError,
  canUnseal,
  mergeSealedSecrets,
  reencryptSealedSecret,
  sealRawValue,
  sealSecret,
  sealingPublicKey,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from './sealed-secret.js';
import { GOLDEN_CLUSTER_WIDE_BLOB, GOLDEN_PLAINTEXT, GOLDEN_STRICT_BLOB, goldenSealingKey } from './testing.js';

let golden: SealingKey;
let cert: string;
let key: KeyObject;

beforeAll(async () => {
  golden = await goldenSealingKey();
  cert = golden.certificatePem;
  key = golden.privateKey;
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

function dbSecret(extra: Partial<Secret> = {}): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'team-a', ...(extra.metadata ?? {}) },
    data: { password: b64('hunter2') },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'metadata')),
  };
}

function unsealError(fn: () => unknown): UnsealError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UnsealError) return err;
    throw err;
  }
  throw new Error('expected an UnsealError');
}

describe('golden SealedSecrets (ciphertext made outside this code)', () => {
  it('unseals a strict-scope SealedSecret into the Secret the controller writes', () => {
    const ss: SealedSecret = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'db', namespace: 'team-a', uid: 'uid-1' },
      spec: { template: { metadata: { labels: { app: 'db' } }, type: 'Opaque' }, encryptedData: { password: GOLDEN_STRICT_BLOB } },
    };
    expect(unsealSealedSecret(ss, [key])).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'db',
        namespace: 'team-a',
        labels: { app: 'db' },
        ownerReferences: [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'uid-1', controller: true }],
      },
      data: { password: b64(GOLDEN_PLAINTEXT) },
    });
  });

  it('unseals a cluster-wide blob under any name and namespace', () => {
    const ss: SealedSecret = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'anything', namespace: 'elsewhere', annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } },
      spec: { encryptedData: { v: GOLDEN_CLUSTER_WIDE_BLOB } },
    };
    expect(unb64(unsealSealedSecret(ss, [key]).data?.['v'])).toBe(GOLDEN_PLAINTEXT);
  });
});

describe('sealSecret', () => {
  it('seals data and stringData for the strict label, readable without this code', () => {
    const ss = sealSecret(dbSecret({ stringData: { user: 'admin' } }), cert);
    const open = (v: string | undefined): string => {
      const blob = Buffer.from(v ?? '', 'base64');
      const n = blob.readUInt16BE(0);
      const sk = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('team-a/db') }, blob.subarray(2, 2 + n));
      const d = createDecipheriv('aes-256-gcm', sk, Buffer.alloc(12));
      d.setAuthTag(blob.subarray(blob.length - 16));
      return Buffer.concat([d.update(blob.subarray(2 + n, blob.length - 16)), d.final()]).toString();
    };
    expect(open(ss.spec.encryptedData?.['password'])).toBe('hunter2');
    expect(open(ss.spec.encryptedData?.['user'])).toBe('admin');
    expect(ss.metadata).toEqual({ name: 'db', namespace: 'team-a' });
  });

  it('keeps template metadata, type and immutable; strips last-applied, ownerReferences and server fields', () => {
    const ss = sealSecret(
      dbSecret({
        type: 'kubernetes.io/basic-auth',
        immutable: true,
        metadata: {
          name: 'db',
          namespace: 'team-a',
          uid: 'x',
          resourceVersion: '9',
          creationTimestamp: '2024-01-01T00:00:00Z',
          labels: { app: 'db' },
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}', note: 'keep' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }],
        },
      }),
      cert,
    );
    expect(ss.spec.template).toEqual({
      metadata: { name: 'db', namespace: 'team-a', labels: { app: 'db' }, annotations: { note: 'keep' } },
      type: 'kubernetes.io/basic-auth',
      immutable: true,
    });
    expect(JSON.stringify(ss)).not.toContain('aHVudGVyMg==');
  });

  it('round-trips any data through unsealSealedSecret', () => {
    const keyName = fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/);
    fc.assert(
      fc.property(fc.dictionary(keyName, fc.uint8Array({ maxLength: 64 }), { minKeys: 1, maxKeys: 4 }), (values) => {
        const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
        const ss = sealSecret({ metadata: { name: 'n', namespace: 'ns' }, data }, golden.publicKey);
        expect(unsealSealedSecret(ss, [key]).data).toEqual(Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]])));
      }),
      { numRuns: 15 },
    );
  });

  it('takes the scope from annotations, or from the option over them', () => {
    const annotated = sealSecret(dbSecret({ metadata: { annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } } }), cert);
    expect(annotated.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    // namespace-wide: any name in the namespace opens it.
    const renamed = { ...annotated, metadata: { ...annotated.metadata, name: 'other' } };
    expect(unb64(unsealSealedSecret(renamed, [key]).data?.['password'])).toBe('hunter2');

    const cw = sealSecret(dbSecret({ metadata: { annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } } }), cert, 'cluster-wide');
    expect(cw.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/cluster-wide': 'true' });
    expect(cw.spec.template?.metadata?.annotations).toEqual({ 'sealedsecrets.bitnami.com/cluster-wide': 'true' });
    const moved = { ...cw, metadata: { ...cw.metadata, name: 'x', namespace: 'y' } };
    expect(unb64(unsealSealedSecret(moved, [key]).data?.['password'])).toBe('hunter2');

    const strict = sealSecret(dbSecret({ metadata: { annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } } }), cert, 'strict');
    expect(strict.metadata.annotations).toBeUndefined();
  });

  it('allows a cluster-wide Secret without namespace', () => {
    const ss = sealSecret({ metadata: { name: 'g' }, stringData: { a: 'b' } }, cert, 'cluster-wide');
    expect(ss.metadata.namespace).toBeUndefined();
  });

  it('refuses input kubeseal refuses, naming what is wrong', () => {
    expect(() => sealSecret({ metadata: { namespace: 'a' }, data: { k: b64('v') } }, cert)).toThrow('missing metadata.name in input Secret');
    expect(() => sealSecret({ metadata: { name: 'a' }, data: { k: b64('v') } }, cert)).toThrow('secret must declare a namespace');
    expect(() => sealSecret({ metadata: { name: 'a', namespace: 'b' } }, cert)).toThrow(/--allow-empty-data/);
    expect(sealSecret({ metadata: { name: 'a', namespace: 'b' } }, cert, { allowEmptyData: true }).spec.encryptedData).toEqual({});
    expect(() => sealSecret({ metadata: { name: 'a', namespace: 'b' }, data: { pw: 'not base64!' } }, cert)).toThrow('data["pw"] is not valid base64');
  });

  it('overrides name and namespace when asked (merge-into, --name)', () => {
    const ss = sealSecret(dbSecret(), cert, { name: 'renamed', namespace: 'team-b' });
    expect(ss.metadata).toEqual({ name: 'renamed', namespace: 'team-b' });
    expect(canUnseal(ss, [key])).toBe(true);
  });
});

describe('sealingPublicKey', () => {
  it('refuses an expired certificate with kubeseal’s message', async () => {
    const pem = await selfSignedCertificate(key, { now: new Date('2020-01-01T00:00:00Z'), validForMs: 86_400_000 });
    expect(() => sealingPublicKey(pem)).toThrow('failed to encrypt using an expired certificate on January 2, 2020');
  });

  it('refuses garbage and non-RSA keys', () => {
    expect(() => sealingPublicKey('hello')).toThrow(/failed to read any certificates/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(() => sealingPublicKey(ec)).toThrow(/expected RSA public key/);
  });

  it('accepts a PEM public key', () => {
    const pem = golden.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(sealingPublicKey(pem).equals(golden.publicKey)).toBe(true);
  });
});

describe('unsealSealedSecret', () => {
  it('skips the ownerReference when the template asks', () => {
    const ss = sealSecret(dbSecret({ metadata: { annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' } } }), cert);
    expect(unsealSealedSecret(ss, [key]).metadata.ownerReferences).toBeUndefined();
  });

  it('forces name and namespace to the SealedSecret’s (namespace-wide)', () => {
    const ss = sealSecret(dbSecret(), cert, 'namespace-wide');
    const renamed = { ...ss, metadata: { ...ss.metadata, name: 'db2' } };
    const out = unsealSealedSecret(renamed, [key]);
    expect(out.metadata.name).toBe('db2');
    expect(out.metadata.namespace).toBe('team-a');
  });

  it('says when a value was sealed for another name', () => {
    const ss = sealSecret(dbSecret({ stringData: { user: 'u' } }), cert);
    const err = unsealError(() => unsealSealedSecret({ ...ss, metadata: { ...ss.metadata, name: 'db-copy' } }, [key]));
    expect(err.reasons).toEqual(['wrong-name']);
    expect(err.message).toContain('no key could decrypt secret (password, user)');
    expect(err.message).toContain('"team-a/db"');
    expect(err.message).toContain('"team-a/db-copy"');
  });

  it('says when a value was sealed for another namespace', () => {
    const ss = sealSecret(dbSecret(), cert);
    const err = unsealError(() => unsealSealedSecret({ ...ss, metadata: { ...ss.metadata, namespace: 'team-b' } }, [key]));
    expect(err.reasons).toEqual(['wrong-name']);
    expect(err.message).toMatch(/sealed for strict scope \("team-a\/db"\), not for this SealedSecret's strict scope \("team-b\/db"\)/);
  });

  it('says when the scope annotations do not match the sealing scope', () => {
    const cw = sealSecret(dbSecret(), cert, 'cluster-wide');
    const err = unsealError(() => unsealSealedSecret({ ...cw, metadata: { name: 'db', namespace: 'team-a' } }, [key]));
    expect(err.reasons).toEqual(['wrong-scope']);
    expect(err.message).toContain('sealed with cluster-wide scope');
    expect(err.message).toContain('ask for strict scope');

    const strict = sealSecret(dbSecret(), cert);
    const err2 = unsealError(() =>
      unsealSealedSecret({ ...strict, metadata: { ...strict.metadata, annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } } }, [key]),
    );
    expect(err2.reasons).toEqual(['wrong-scope']);
  });

  it('says when no held key opens a value (another controller’s key)', async () => {
    const other = await generateSealingKey({ keySize: 2048 });
    const ss = sealSecret(dbSecret(), other.certificatePem);
    const err = unsealError(() => unsealSealedSecret(ss, [key]));
    expect(err.reasons).toEqual(['unknown-key']);
    expect(err.message).toContain('no key could decrypt secret (password)');
    expect(err.message).toContain('coffer seal backup');
    expect(unsealError(() => unsealSealedSecret(ss, [])).message).toContain('no private keys are loaded');
    expect(canUnseal(ss, [key, other.privateKey])).toBe(true);
  });

  it('names corrupted keys and never shows a value', () => {
    const ss = sealSecret(dbSecret({ stringData: { a: 'zq-secret-a', b: 'zq-secret-b', c: 'zq-secret-c' } }), cert);
    const enc = { ...(ss.spec.encryptedData ?? {}) };
    enc['a'] = 'not base64 ***';
    const blob = Buffer.from(enc['b'] ?? '', 'base64');
    blob[blob.length - 3] = (blob[blob.length - 3] ?? 0) ^ 0xff;
    enc['b'] = blob.toString('base64');
    enc['c'] = Buffer.from([0x02, 0x00, 1]).toString('base64');
    const err = unsealError(() => unsealSealedSecret({ ...ss, spec: { ...ss.spec, encryptedData: enc } }, [key]));
    expect(err.reasons).toEqual(['corrupted']);
    expect(err.message).toContain('corrupted sealed value for key a: not valid base64');
    expect(err.message).toContain('corrupted sealed value for key c: SealedSecret data is too short');
    expect(err.message).toContain('corrupted sealed value for key b: the AES-GCM payload failed authentication');
    expect(err.message).not.toMatch(/hunter2|zq-secret/);
    expect(err.failures.map((f) => f.keys)).toEqual([['a'], ['c'], ['b']]);
  });

  it('renders template.data over the decrypted values; null removes a key', () => {
    const ss = sealSecret(dbSecret({ stringData: { user: 'admin' } }), cert);
    ss.spec.template = { ...ss.spec.template, data: { dsn: 'postgres://{{ .user }}:{{ .password }}@db/app', user: null } };
    const out = unsealSealedSecret(ss, [key]);
    expect(Object.keys(out.data ?? {})).toEqual(['dsn', 'password']);
    expect(unb64(out.data?.['dsn'])).toBe('postgres://admin:hunter2@db/app');
  });

  it('names the template key that fails, with missing keys an error', () => {
    const ss = sealSecret(dbSecret(), cert);
    ss.spec.template = { ...ss.spec.template, data: { bad: '{{ .nope }}', broken: '{{ .password ' } };
    const err = unsealError(() => unsealSealedSecret(ss, [key]));
    expect(err.reasons).toEqual(['template']);
    expect(err.message).toContain('template data "bad"');
    expect(err.message).toContain('template data "broken"');
    expect(err.message).not.toContain('hunter2');
  });

  it('opens the deprecated whole-Secret spec.data blob', () => {
    const inner = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old', namespace: 'ns', labels: { a: 'b' } }, data: { k: b64('v') }, stringData: { s: 't' } };
    const blob = hybridEncrypt(golden.publicKey, Buffer.from(JSON.stringify(inner)), encryptionLabel('ns', 'old', 'strict')).toString('base64');
    const ss: SealedSecret = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'old', namespace: 'ns' }, spec: { data: blob } };
    const out = unsealSealedSecret(ss, [key]);
    expect(out.data).toEqual({ k: b64('v'), s: b64('t') });
    expect(out.metadata.labels).toEqual({ a: 'b' });
    expect(() => unsealSealedSecret(ss, [key], { acceptDeprecatedV1Data: false })).toThrow(/deprecated 'data' field/);
    expect(() => unsealSealedSecret({ ...ss, spec: { data: blob, encryptedData: { x: blob } } }, [key])).toThrow(/at the same time/);
  });
});

describe('reencryptSealedSecret', () => {
  it('re-seals every value for the newest key under the same label, keeping templates', async () => {
    const fresh = await generateSealingKey({ keySize: 2048 });
    const registry = new KeyRegistry([golden, fresh]);
    const ss = sealSecret(dbSecret({ metadata: { annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } } }), cert);
    ss.spec.template = { ...ss.spec.template, data: { copy: '{{ .password }}' } };
    ss.metadata.uid = 'server-set';
    ss.status = { conditions: [{ type: 'Synced', status: 'True' }] };
    const rotated = reencryptSealedSecret(ss, registry, fresh.certificatePem);
    expect(rotated.spec.template).toEqual(ss.spec.template);
    expect(rotated.metadata.uid).toBeUndefined();
    expect(rotated.status).toBeUndefined();
    expect(canUnseal(rotated, [golden.privateKey])).toBe(false);
    const out = unsealSealedSecret({ ...rotated, metadata: { ...rotated.metadata, name: 'other-name' } }, [fresh.privateKey]);
    expect(unb64(out.data?.['copy'])).toBe('hunter2');
  });

  it('refuses a SealedSecret it cannot open', async () => {
    const other = await generateSealingKey({ keySize: 2048 });
    const ss = sealSecret(dbSecret(), other.certificatePem);
    expect(() => reencryptSealedSecret(ss, [key], cert)).toThrow(UnsealError);
  });
});

describe('mergeSealedSecrets and sealRawValue', () => {
  it('adds and replaces items, keeping the others', () => {
    const orig = sealSecret(dbSecret({ stringData: { keep: 'k' }, metadata: { labels: { a: '1' } } }), cert);
    const update = sealSecret(dbSecret({ data: { password: b64('new') }, metadata: { labels: { b: '2' } } }), cert);
    const merged = mergeSealedSecrets(orig, update);
    expect(merged.spec.template?.metadata?.labels).toEqual({ a: '1', b: '2' });
    const out = unsealSealedSecret(merged, [key]);
    expect(unb64(out.data?.['password'])).toBe('new');
    expect(unb64(out.data?.['keep'])).toBe('k');
    expect(orig.spec.encryptedData?.['password']).not.toBe(merged.spec.encryptedData?.['password']);
  });

  it('seals one raw value for a name/namespace/scope', () => {
    const value = sealRawValue('raw!', cert, { namespace: 'team-a', name: 'db', scope: 'strict' });
    const ss: SealedSecret = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db', namespace: 'team-a' }, spec: { encryptedData: { k: value } } };
    expect(unb64(unsealSealedSecret(ss, [key]).data?.['k'])).toBe('raw!');
  });
});
