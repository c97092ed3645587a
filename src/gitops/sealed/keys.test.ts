import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backupList, backupListFromKeys, formatBackup, parsePrivateKeysFile } from './backup.js';
import {
  KeyRegistry,
  SEALED_SECRETS_KEY_LABEL,
  generateSealingKey,
  keyFromSecret,
  keyRenewal,
  keyToSecret,
  loadKeyRegistry,
  parseKeyCutoffTime,
  selfSignedCertificate,
} from './keys.js';
import { GOLDEN_FINGERPRINT, GOLDEN_KEY_PEM, goldenPrivateKey, goldenSealingKey } from './testing.js';

const DAY = 86_400_000;

describe('generateSealingKey', () => {
  it('makes the controller’s certificate: self-signed CA, EncipherOnly, 128-bit serial, empty subject, 10 years', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const key = await generateSealingKey({ keySize: 2048, now });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: key.certificatePem }).toString();
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Encipher Only/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(key.certificate.subject ?? '').toBe('');
    expect(key.certificate.verify(key.publicKey)).toBe(true);
    expect(key.certificate.issuer ?? '').toBe(key.certificate.subject ?? '');
    expect(key.certificate.serialNumber.length).toBeLessThanOrEqual(32);
    expect(new Date(key.certificate.validTo).getTime() - new Date(key.certificate.validFrom).getTime()).toBe(10 * 365 * DAY);
    expect(key.orderingTime.getTime()).toBe(now.getTime());
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('defaults to RSA-4096 and puts --my-cn in the subject', async () => {
    const key = await generateSealingKey({ commonName: 'sealed-secrets' });
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(key.certificate.subject).toBe('CN=sealed-secrets');
  }, 60_000);

  it('refuses silly key sizes', async () => {
    await expect(generateSealingKey({ keySize: 1024 })).rejects.toThrow(/invalid key size/);
  });
});

describe('key Secrets', () => {
  it('round-trips through the kubernetes.io/tls Secret with the active label and PKCS#1 key', async () => {
    const key = await goldenSealingKey();
    const secret = keyToSecret({ ...key, name: '' }, { namespace: 'kube-system', labels: { team: 'x' }, annotations: { a: 'b' } });
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata).toEqual({ generateName: 'sealed-secrets-key', namespace: 'kube-system', labels: { team: 'x', [SEALED_SECRETS_KEY_LABEL]: 'active' }, annotations: { a: 'b' } });
    expect(Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString()).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const back = keyFromSecret(secret);
    expect(back.fingerprint).toBe(GOLDEN_FINGERPRINT);
    expect(back.certificatePem).toBe(key.certificatePem);
  });

  it('orders by certificate NotBefore or by creationTimestamp', async () => {
    const key = await goldenSealingKey();
    const secret = keyToSecret(key, { namespace: 'ns' });
    secret.metadata.creationTimestamp = '2030-05-05T00:00:00Z';
    expect(keyFromSecret(secret).orderingTime.getTime()).toBe(new Date(key.certificate.validFrom).getTime());
    expect(keyFromSecret(secret, { orderPriority: 'SecretCreationTimestamp' }).orderingTime.toISOString()).toBe('2030-05-05T00:00:00.000Z');
  });

  it('refuses mismatched or missing parts, naming the Secret', async () => {
    const key = await goldenSealingKey();
    const other = await generateSealingKey({ keySize: 2048 });
    const secret = keyToSecret(key, { namespace: 'ns' });
    expect(() => keyFromSecret({ ...secret, data: { 'tls.key': secret.data?.['tls.key'] ?? '', 'tls.crt': Buffer.from(other.certificatePem).toString('base64') } })).toThrow(
      'key sealed-secrets-keygold: tls.crt does not match tls.key',
    );
    expect(() => keyFromSecret({ ...secret, data: {} })).toThrow("must contain a 'tls.key' entry");
  });

  it('loads only active keys (and the legacy name), newest seals, all unseal', async () => {
    const older = await goldenSealingKey();
    const newer = await generateSealingKey({ keySize: 2048, name: 'k-new', now: new Date(Date.now() + 1000) });
    const compromised = keyToSecret({ ...newer, name: 'k-bad' }, { namespace: 'ns' });
    compromised.metadata.labels = { [SEALED_SECRETS_KEY_LABEL]: 'compromised' };
    const legacy = keyToSecret({ ...older, name: 'sealed-secrets-key' }, { namespace: 'ns' });
    delete legacy.metadata.labels;
    const broken = { metadata: { name: 'k-broken', labels: { [SEALED_SECRETS_KEY_LABEL]: 'active' } }, data: { 'tls.key': 'eA==' } };
    const { registry, skipped } = loadKeyRegistry([keyToSecret(newer, { namespace: 'ns' }), compromised, legacy, broken, { metadata: { name: 'other' } }]);
    expect(registry.size).toBe(2);
    expect(registry.latest()?.name).toBe('k-new');
    expect(registry.certificatePem()).toBe(newer.certificatePem);
    expect(registry.privateKeys()[0]).toBe(registry.latest()?.privateKey);
    expect(skipped.map((s) => s.name)).toEqual(['k-bad', 'k-broken']);
    expect(skipped[0]?.reason).toContain('=compromised');
  });

  it('an empty registry has no latest key', () => {
    const r = new KeyRegistry();
    expect(r.latest()).toBeUndefined();
    expect(r.certificatePem()).toBeUndefined();
    expect(r.privateKeys()).toEqual([]);
  });
});

describe('key renewal', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('is due with no key, after the period, or before the cutoff time', () => {
    expect(keyRenewal({ latest: undefined, now })).toMatchObject({ dueNow: true, reason: 'no-key' });
    expect(keyRenewal({ latest: new Date(now.getTime() - 31 * DAY), now })).toMatchObject({ dueNow: true, reason: 'period' });
    const fresh = keyRenewal({ latest: new Date(now.getTime() - 10 * DAY), now });
    expect(fresh.dueNow).toBe(false);
    expect(fresh.nextAt?.toISOString()).toBe(new Date(now.getTime() + 20 * DAY).toISOString());
    expect(keyRenewal({ latest: new Date(now.getTime() - DAY), now, cutoffTime: new Date(now.getTime() - DAY / 2) })).toMatchObject({ dueNow: true, reason: 'cutoff' });
    const off = keyRenewal({ latest: new Date(now.getTime() - 400 * DAY), now, renewPeriodMs: 0 });
    expect(off).toEqual({ dueNow: false });
  });

  it('parses --key-cutoff-time as RFC1123', () => {
    expect(parseKeyCutoffTime('Mon, 02 Jan 2006 15:04:05 MST').toISOString()).toBe('2006-01-02T15:04:05.000Z');
    expect(parseKeyCutoffTime('Tue, 03 Mar 2026 10:00:00 +0200').toISOString()).toBe('2026-03-03T08:00:00.000Z');
    for (const bad of ['2026-01-01', 'Mon, 31 Feb 2026 00:00:00 UTC', 'Mon, 02 Jan 2006 25:04:05 UTC', '']) {
      expect(() => parseKeyCutoffTime(bad)).toThrow(/invalid key cutoff time/);
    }
  });
});

describe('backup', () => {
  it('lists the key Secrets without server fields, and reads them back as private keys', async () => {
    const key = await goldenSealingKey();
    const s = keyToSecret(key, { namespace: 'kube-system' });
    s.metadata.uid = 'u';
    s.metadata.resourceVersion = '5';
    s.metadata['managedFields'] = [{}];
    const list = backupList([s, { metadata: { name: 'not-a-key' } }]);
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.['metadata']).toEqual({ name: 'sealed-secrets-keygold', namespace: 'kube-system', creationTimestamp: null, labels: { [SEALED_SECRETS_KEY_LABEL]: 'active' } });
    for (const format of ['yaml', 'json'] as const) {
      const keys = parsePrivateKeysFile(formatBackup(list, format));
      expect(keys).toHaveLength(1);
      expect(keys[0]?.equals(goldenPrivateKey())).toBe(true);
    }
    expect(backupListFromKeys([key], 'kube-system').items).toHaveLength(1);
  });

  it('reads PEM keys, single Secrets and multi-document files; says what is wrong otherwise', async () => {
    expect(parsePrivateKeysFile(GOLDEN_KEY_PEM)[0]?.equals(goldenPrivateKey())).toBe(true);
    const pkcs8 = goldenPrivateKey().export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(parsePrivateKeysFile(pkcs8 + pkcs8)).toHaveLength(2);
    const key = await goldenSealingKey();
    const single = JSON.stringify(keyToSecret(key, { namespace: 'ns' }));
    expect(parsePrivateKeysFile(single)).toHaveLength(1);
    expect(() => parsePrivateKeysFile('kind: Secret\nmetadata: {name: x}\ndata: {}\n', 'f.yaml')).toThrow("f.yaml: secret x must contain a 'tls.key' entry");
    expect(() => parsePrivateKeysFile('{{{', 'f.yaml')).toThrow(/f\.yaml/);
    expect(() => parsePrivateKeysFile('kind: List\nitems: 3\n', 'f.yaml')).toThrow('f.yaml: the List has no items array');
  });

  it('selfSignedCertificate accepts an existing key (restoring a key without its cert)', async () => {
    const pem = await selfSignedCertificate(goldenPrivateKey(), { commonName: 'x' });
    expect(new X509Certificate(pem).subject).toBe('CN=x');
  });
});
