import { createCipheriv, createHash } from 'node:crypto';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Branch, Comment, type TreeValue } from './tree.js';
import { IV_SIZE, ValueCipher, isEncryptedValue } from './cipher.js';
import {
  decryptDocument,
  emitEncrypted,
  emitPlain,
  encryptBranches,
  parseEncrypted,
  parsePlain,
  reencrypt,
  rotateDocument,
  updateDocumentKeys,
  type EncryptedDocument,
} from './document.js';
import type { KeyServices } from './data-key.js';
import type { TransitClientFactory } from './keys/hc-vault.js';
import { unwrapDataKey } from './data-key.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const NOW = new Date('2024-01-02T03:04:05.678Z');
const LASTMODIFIED = '2024-01-02T03:04:05Z';

function specEncrypt(plain: string, ivByte: number, aad: string, type: string, key: Buffer = KEY): string {
  const iv = Buffer.alloc(IV_SIZE, ivByte);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

function ivSequence(start: number): () => Buffer {
  let next = start;
  return () => Buffer.alloc(IV_SIZE, next++);
}

/** A transit stand-in: "wraps" the data key reversibly so golden files are deterministic. */
const fakeTransit: TransitClientFactory = () => ({
  write: async (path: string, data: Record<string, unknown>) => {
    const body = path.includes('/encrypt/')
      ? { ciphertext: `vault:v1:${String(data['plaintext'])}` }
      : { plaintext: String(data['ciphertext']).replace(/^vault:v1:/, '') };
    return { request_id: '', lease_id: '', lease_duration: 0, renewable: false, data: body, warnings: null, auth: null, wrap_info: null };
  },
});
const transitServices: KeyServices = { env: {}, transit: fakeTransit };
const TRANSIT_KEY = { type: 'hc_vault' as const, vaultAddress: 'http://127.0.0.1:8200', enginePath: 'transit', keyName: 'sops' };

const PLAIN = `app:
    password: s3cr3t
    port: 5432
    ratio: 0.5
    enabled: true
`;

function goldenFile(): string {
  const mac = createHash('sha512').update('s3cr3t' + '5432' + '0.5' + 'True').digest('hex').toUpperCase();
  return `app:
    password: ${specEncrypt('s3cr3t', 0x42, 'app:password:', 'str')}
    port: ${specEncrypt('5432', 0x43, 'app:port:', 'int')}
    ratio: ${specEncrypt('0.5', 0x44, 'app:ratio:', 'float')}
    enabled: ${specEncrypt('True', 0x45, 'app:enabled:', 'bool')}
sops:
    hc_vault:
        - vault_address: http://127.0.0.1:8200
          engine_path: transit
          key_name: sops
          created_at: "2024-01-02T03:04:05Z"
          enc: vault:v1:${KEY.toString('base64')}
    lastmodified: "${LASTMODIFIED}"
    mac: ${specEncrypt(mac, 0x46, LASTMODIFIED, 'str')}
    unencrypted_suffix: _unencrypted
    version: 3.10.2
`;
}

describe('golden SOPS file (fixed data key, IVs and clock, built from the spec)', () => {
  it('decrypts a hand-built sops file and verifies its MAC', async () => {
    const doc = parseEncrypted(goldenFile(), 'yaml');
    expect(doc.metadata.lastModified).toBe(LASTMODIFIED);
    const plain = await decryptDocument(doc, { services: transitServices });
    expect(plain.dataKey.equals(KEY)).toBe(true);
    expect(emitPlain(plain.branches, 'yaml')).toBe(PLAIN);
  });

  it('encrypts to exactly the same bytes', async () => {
    const doc = await encryptBranches(parsePlain(PLAIN, 'yaml'), {
      keyGroups: [[TRANSIT_KEY]],
      services: transitServices,
      dataKey: KEY,
      cipher: new ValueCipher(ivSequence(0x42)),
      now: NOW,
    });
    const text = emitEncrypted(doc, 'yaml').replace(/created_at: "[^"]+"/, `created_at: "${LASTMODIFIED}"`);
    expect(text).toBe(goldenFile());
  });

  it('writes the JSON store with tabs, Go escaping and the sops key last', async () => {
    const doc = await encryptBranches(parsePlain('{"b": "x<y", "a_unencrypted": 1.5, "n": null, "l": []}', 'json'), {
      keyGroups: [[TRANSIT_KEY]],
      services: transitServices,
      dataKey: KEY,
      cipher: new ValueCipher(ivSequence(0x10)),
      now: NOW,
    });
    const text = emitEncrypted(doc, 'json');
    expect(text).toContain(`\t"b": "${specEncrypt('x<y', 0x10, 'b:', 'str')}",\n\t"a_unencrypted": 1.5,\n\t"n": null,\n\t"l": [],\n\t"sops": {\n\t\t"hc_vault": [`);
    const plain = await decryptDocument(parseEncrypted(text, 'json'), { services: transitServices });
    expect(emitPlain(plain.branches, 'json')).toBe('{\n\t"b": "x\\u003cy",\n\t"a_unencrypted": 1.5,\n\t"n": null,\n\t"l": []\n}\n');
  });
});

describe('MAC', () => {
  it('refuses a file whose value was swapped for another valid ciphertext', async () => {
    const other = specEncrypt('hunter2', 0x50, 'app:password:', 'str');
    const tampered = goldenFile().replace(/password: ENC\[[^\]]+\]/, `password: ${other}`);
    await expect(decryptDocument(parseEncrypted(tampered, 'yaml'), { services: transitServices })).rejects.toThrow(/^MAC mismatch$/);
    // --ignore-mac still reads it.
    const forced = await decryptDocument(parseEncrypted(tampered, 'yaml'), { services: transitServices, ignoreMac: true });
    expect(emitPlain(forced.branches, 'yaml')).toContain('password: hunter2');
  });

  it('refuses an edited plaintext (unencrypted) value and a changed lastmodified', async () => {
    const file = goldenFile().replace('enabled: ENC', 'extra_unencrypted: plain\n    enabled: ENC');
    await expect(decryptDocument(parseEncrypted(file, 'yaml'), { services: transitServices })).rejects.toThrow(/MAC mismatch/);
    const moved = goldenFile().replace(`lastmodified: "${LASTMODIFIED}"`, 'lastmodified: "2024-01-02T03:04:06Z"');
    await expect(decryptDocument(parseEncrypted(moved, 'yaml'), { services: transitServices })).rejects.toThrow(/MAC mismatch/);
  });

  it('seeds the hash when only encrypted values are covered', async () => {
    const opts = { keyGroups: [[TRANSIT_KEY]], services: transitServices, dataKey: KEY, now: NOW };
    const all = await encryptBranches(parsePlain('a: 1\nb_unencrypted: 2\n', 'yaml'), opts);
    const only = await encryptBranches(parsePlain('a: 1\nb_unencrypted: 2\n', 'yaml'), { ...opts, rules: { unencryptedSuffix: '_unencrypted', macOnlyEncrypted: true } });
    const macOf = async (d: EncryptedDocument) => new ValueCipher().decrypt(d.metadata.mac, KEY, d.metadata.lastModified);
    const seeded = createHash('sha512')
      .update(Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex'))
      .update('1')
      .digest('hex')
      .toUpperCase();
    expect(await macOf(only)).toBe(seeded);
    expect(await macOf(all)).toBe(createHash('sha512').update('12').digest('hex').toUpperCase());
    expect(emitEncrypted(only, 'yaml')).toContain('mac_only_encrypted: true');
  });
});

describe('encryption rules', () => {
  const opts = { keyGroups: [[TRANSIT_KEY]], services: transitServices };
  const secret = `apiVersion: v1
kind: Secret
metadata:
    name: db
data:
    password: cGFzcw==
stringData:
    user: admin
`;

  it('encrypts only data/stringData with the Kubernetes encrypted_regex', async () => {
    const doc = await encryptBranches(parsePlain(secret, 'yaml'), { ...opts, rules: { encryptedRegex: '^(data|stringData)$' } });
    const text = emitEncrypted(doc, 'yaml');
    expect(text).toMatch(/^apiVersion: v1\nkind: Secret\nmetadata:\n {4}name: db\ndata:\n {4}password: ENC\[AES256_GCM,/);
    expect(text).toMatch(/user: ENC\[/);
    expect(text).toContain('encrypted_regex: ^(data|stringData)$');
    expect(text).not.toContain('unencrypted_suffix');
    const plain = await decryptDocument(parseEncrypted(text, 'yaml'), { services: transitServices });
    expect(emitPlain(plain.branches, 'yaml')).toBe(secret);
  });

  it('applies the default _unencrypted suffix to the whole subtree', async () => {
    const doc = await encryptBranches(parsePlain('a: 1\nkeep_unencrypted:\n    b: 2\n    c: [x]\n', 'yaml'), opts);
    const text = emitEncrypted(doc, 'yaml');
    expect(text).toContain('keep_unencrypted:\n    b: 2\n    c:\n        - x\n');
    expect(text).toMatch(/^a: ENC\[/);
  });

  it('supports encrypted_suffix, unencrypted_regex and comment rules', async () => {
    const src = 'pw_secret: a\nname: b\n# sops:enc\ntoken: c\n';
    const t1 = emitEncrypted(await encryptBranches(parsePlain(src, 'yaml'), { ...opts, rules: { encryptedSuffix: '_secret' } }), 'yaml');
    expect(t1).toMatch(/pw_secret: ENC\[/);
    expect(t1).toContain('name: b\n');
    const t2 = emitEncrypted(await encryptBranches(parsePlain(src, 'yaml'), { ...opts, rules: { unencryptedRegex: '^name$' } }), 'yaml');
    expect(t2).toContain('name: b\n');
    expect(t2).toMatch(/token: ENC\[/);
    const t3 = emitEncrypted(await encryptBranches(parsePlain(src, 'yaml'), { ...opts, rules: { encryptedCommentRegex: 'sops:enc' } }), 'yaml');
    expect(t3).toContain('# sops:enc\ntoken: ENC[');
    expect(t3).toContain('pw_secret: a\n');
  });

  it('refuses two key rules at once', async () => {
    await expect(encryptBranches(parsePlain('a: 1\n', 'yaml'), { ...opts, rules: { encryptedRegex: 'a', unencryptedSuffix: '_x' } })).rejects.toThrow(/more than one/);
  });

  it('encrypts comments (type:comment) and restores them', async () => {
    const src = 'top:\n    # the password\n    pw: x\n';
    const text = emitEncrypted(await encryptBranches(parsePlain(src, 'yaml'), opts), 'yaml');
    expect(text).toMatch(/ {4}#ENC\[AES256_GCM,[^\]]+type:comment\]\n {4}pw: ENC\[/);
    expect(text).not.toContain('the password');
    const plain = await decryptDocument(parseEncrypted(text, 'yaml'), { services: transitServices });
    expect(emitPlain(plain.branches, 'yaml')).toBe(src);
  });

  it('refuses to encrypt a file that already has sops metadata', async () => {
    await expect(encryptBranches(parsePlain(goldenFile(), 'yaml'), opts)).rejects.toThrow(/top-level entry called 'sops'/);
  });
});

describe('multi-document YAML', () => {
  it('writes the metadata into every document and covers all of them with one MAC', async () => {
    const src = 'a: 1\n---\nb: 2\n';
    const doc = await encryptBranches(parsePlain(src, 'yaml'), { keyGroups: [[TRANSIT_KEY]], services: transitServices });
    const text = emitEncrypted(doc, 'yaml');
    expect(text.match(/^sops:$/gm)).toHaveLength(2);
    const plain = await decryptDocument(parseEncrypted(text, 'yaml'), { services: transitServices });
    expect(emitPlain(plain.branches, 'yaml')).toBe(src);
  });
});

describe('age key source', () => {
  let identity: string;
  let recipient: string;
  beforeAll(async () => {
    identity = await generateX25519Identity();
    recipient = await identityToRecipient(identity);
  });

  it('wraps the data key as an armored age file and unwraps it with SOPS_AGE_KEY', async () => {
    const doc = await encryptBranches(parsePlain('a: b\n', 'yaml'), { keyGroups: [[{ type: 'age', recipient }]], services: { env: {} } });
    const text = emitEncrypted(doc, 'yaml');
    expect(text).toContain(`    age:\n        - recipient: ${recipient}\n          enc: |\n`);
    expect(text).toContain('-----BEGIN AGE ENCRYPTED FILE-----');
    const plain = await decryptDocument(parseEncrypted(text, 'yaml'), { services: { env: { SOPS_AGE_KEY: `# created\n${identity}\n`, HOME: '/nonexistent' } } });
    expect(emitPlain(plain.branches, 'yaml')).toBe('a: b\n');
  });

  it('names the identity locations when none is configured, and never prints key material', async () => {
    const doc = await encryptBranches(parsePlain('a: b\n', 'yaml'), { keyGroups: [[{ type: 'age', recipient }]], services: { env: {} } });
    const err = (await decryptDocument(doc, { services: { env: { HOME: '/nonexistent-home' } } }).then(
      () => new Error('decrypted'),
      (e: unknown) => e as Error,
    ));
    expect(err.message).toContain('Failed to get the data key');
    expect(err.message).toContain(recipient);
    expect(err.message).toContain("'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE'");
    const other = await generateX25519Identity();
    const wrong = await decryptDocument(doc, { services: { env: { SOPS_AGE_KEY: other, HOME: '/nonexistent' } } }).then(
      () => new Error('decrypted'),
      (e: unknown) => e as Error,
    );
    expect(wrong.message).toMatch(/Group 0: FAILED/);
    expect(wrong.message).toContain(recipient);
    expect(wrong.message).not.toContain(other);
    expect(wrong.message).not.toContain('AGE-SECRET-KEY');
  });

  it('recovers a Shamir-split data key from enough key groups', async () => {
    const id2 = await generateX25519Identity();
    const r2 = await identityToRecipient(id2);
    const id3 = await generateX25519Identity();
    const r3 = await identityToRecipient(id3);
    const doc = await encryptBranches(parsePlain('a: b\n', 'yaml'), {
      keyGroups: [[{ type: 'age', recipient }], [{ type: 'age', recipient: r2 }], [{ type: 'age', recipient: r3 }]],
      shamirThreshold: 2,
      services: { env: {} },
    });
    const text = emitEncrypted(doc, 'yaml');
    expect(text).toContain('shamir_threshold: 2\n    key_groups:\n');
    const parsed = parseEncrypted(text, 'yaml');
    const plain = await decryptDocument(parsed, { services: { env: { SOPS_AGE_KEY: `${identity}\n${id3}`, HOME: '/nonexistent' } } });
    expect(emitPlain(plain.branches, 'yaml')).toBe('a: b\n');
    await expect(unwrapDataKey(parsed.metadata.keyGroups, { env: { SOPS_AGE_KEY: id2, HOME: '/nonexistent' } }, 2)).rejects.toThrow(/Shamir threshold of 2/);
  });
});

describe('edit, rotate and updatekeys', () => {
  it('re-encrypts an unchanged tree with identical ciphertexts and a changed value with a new one', async () => {
    const doc = await encryptBranches(parsePlain('a: 1\nb: two\nc: [x, y]\n', 'yaml'), { keyGroups: [[TRANSIT_KEY]], services: transitServices });
    const text = emitEncrypted(doc, 'yaml');
    const plain = await decryptDocument(parseEncrypted(text, 'yaml'), { services: transitServices });
    const again = emitEncrypted(reencrypt(parsePlain(emitPlain(plain.branches, 'yaml'), 'yaml'), plain, new Date(Date.now() + 60_000)), 'yaml');
    const values = (t: string) => t.split('sops:')[0];
    expect(values(again)).toBe(values(text));
    const edited = emitEncrypted(reencrypt(parsePlain('a: 1\nb: three\nc: [x, y]\n', 'yaml'), plain), 'yaml');
    const lines = (t: string) => (values(t) ?? '').split('\n');
    const diff = lines(edited).filter((l, i) => l !== lines(text)[i]);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(/^b: ENC\[/);
    const reread = await decryptDocument(parseEncrypted(edited, 'yaml'), { services: transitServices });
    expect(emitPlain(reread.branches, 'yaml')).toBe('a: 1\nb: three\nc:\n    - x\n    - "y"\n');
  });

  it('rotates to a new data key and re-encrypts every value', async () => {
    const doc = await encryptBranches(parsePlain('a: secret\n', 'yaml'), { keyGroups: [[TRANSIT_KEY]], services: transitServices });
    const plain = await decryptDocument(doc, { services: transitServices });
    const rotated = await rotateDocument(plain, transitServices);
    const after = await decryptDocument(rotated, { services: transitServices });
    expect(after.dataKey.equals(plain.dataKey)).toBe(false);
    expect(rotated.branches[0]?.get('a')).not.toBe(doc.branches[0]?.get('a'));
    expect(emitPlain(after.branches, 'yaml')).toBe('a: secret\n');
  });

  it('re-wraps the same data key for a new key set and keeps values, MAC and lastmodified', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const doc = await encryptBranches(parsePlain('a: secret\n', 'yaml'), { keyGroups: [[TRANSIT_KEY]], services: transitServices });
    const dataKey = await unwrapDataKey(doc.metadata.keyGroups, transitServices);
    const update = await updateDocumentKeys(doc, dataKey, [[{ type: 'age', recipient }]], transitServices);
    expect(update.added).toEqual([`age/${recipient}`]);
    expect(update.removed).toHaveLength(1);
    expect(update.document.metadata.mac).toBe(doc.metadata.mac);
    expect(update.document.metadata.lastModified).toBe(doc.metadata.lastModified);
    const plain = await decryptDocument(update.document, { services: { env: { SOPS_AGE_KEY: identity, HOME: '/nonexistent' } } });
    expect(emitPlain(plain.branches, 'yaml')).toBe('a: secret\n');
  });
});

// ---- property tests --------------------------------------------------------------------

const keyArb = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'sops' && !k.includes('\u0000'));
const scalarArb: fc.Arbitrary<TreeValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
);
const yamlScalarArb: fc.Arbitrary<TreeValue> = fc.oneof(scalarArb, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));

function treeArb(scalar: fc.Arbitrary<TreeValue>): fc.Arbitrary<Branch> {
  const { branch } = fc.letrec<{ value: TreeValue; branch: Branch; list: TreeValue[] }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('branch'), tie('list')),
    branch: fc.uniqueArray(fc.tuple(keyArb, tie('value')), { maxLength: 4, selector: ([k]) => k }).map((pairs) => new Branch(pairs.map(([key, value]) => ({ key, value })))),
    list: fc.array(tie('value'), { maxLength: 3 }),
  }));
  return branch;
}

function stripComments(v: TreeValue): TreeValue {
  if (v instanceof Branch) return new Branch(v.items.filter((i) => !(i.key instanceof Comment)).map((i) => ({ key: i.key, value: stripComments(i.value) })));
  if (Array.isArray(v)) return (v as TreeValue[]).filter((x) => !(x instanceof Comment)).map(stripComments);
  return v;
}

describe('properties', () => {
  const opts = { keyGroups: [[TRANSIT_KEY]], services: transitServices };

  for (const format of ['yaml', 'json'] as const) {
    it(`${format}: encrypt → emit → parse → decrypt returns the same tree`, async () => {
      await fc.assert(
        fc.asyncProperty(treeArb(format === 'yaml' ? yamlScalarArb : scalarArb), async (tree) => {
          const text = emitEncrypted(await encryptBranches([tree], opts), format);
          const plain = await decryptDocument(parseEncrypted(text, format), { services: transitServices });
          expect(stripComments(plain.branches[0] ?? null)).toEqual(tree);
          // Nothing but keys, structure, null/empty and metadata is left in the clear.
          const encrypted = parseEncrypted(text, format).branches[0];
          const leaves: TreeValue[] = [];
          const walk = (v: TreeValue): void => {
            if (v instanceof Branch) v.items.forEach((i) => walk(i.value));
            else if (Array.isArray(v)) (v as TreeValue[]).forEach(walk);
            else leaves.push(v);
          };
          walk(encrypted ?? null);
          for (const leaf of leaves) expect(leaf === null || leaf === '' || (typeof leaf === 'string' && isEncryptedValue(leaf))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });

    it(`${format}: re-encrypting an unchanged tree keeps every ciphertext`, async () => {
      await fc.assert(
        fc.asyncProperty(treeArb(format === 'yaml' ? yamlScalarArb : scalarArb), async (tree) => {
          const first = await encryptBranches([tree], opts);
          const plain = await decryptDocument(parseEncrypted(emitEncrypted(first, format), format), { services: transitServices });
          const second = reencrypt(parsePlain(emitPlain(plain.branches, format), format), plain);
          expect(stripComments(second.branches[0] ?? null)).toEqual(stripComments(parseEncrypted(emitEncrypted(first, format), format).branches[0] ?? null));
        }),
        { numRuns: 60 },
      );
    });
  }
});
