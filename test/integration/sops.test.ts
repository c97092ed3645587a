/**
 * SOPS files end to end: the data key interoperates with the real `age` CLI in both
 * directions, and files round-trip through `coffer sops` with age and with transit keys on an
 * in-process Coffer dev server.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageUnwrap, ageWrap, decryptDocument, emitPlain, parseEncrypted } from '../../src/gitops/sops/index.js';
import { startCliHarness, type CliHarness } from '../../src/cli/testing.js';
import { api } from '../support/http.js';
import { startInProcessDev, type InProcessServer } from '../support/servers.js';
import { makeTempDir, removeTempDirs } from '../support/temp.js';

let dir: string;
let keyFile: string;
let recipient: string;
let server: InProcessServer;
let h: CliHarness;

beforeAll(async () => {
  dir = makeTempDir('coffer-sops-it-');
  keyFile = join(dir, 'age.key');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'pipe' });
  recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  server = await startInProcessDev();
  const v = api(server.address, server.rootToken);
  expect((await v.post('/v1/sys/mounts/transit', { type: 'transit' })).status).toBe(204);
  expect((await v.post('/v1/transit/keys/sops', {})).status).toBeLessThan(300);
  h = await startCliHarness();
});

afterAll(async () => {
  await h?.close();
  await server?.close();
  removeTempDirs();
});

describe('age CLI interop', () => {
  it('a data key wrapped by Coffer unwraps with `age -d`', async () => {
    const dataKey = randomBytes(32);
    const armored = await ageWrap(recipient, dataKey);
    expect(armored).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    const out = execFileSync('age', ['-d', '-i', keyFile], { input: armored });
    expect(Buffer.from(out).equals(dataKey)).toBe(true);
  });

  it('a data key wrapped by `age -a -r` unwraps with Coffer', async () => {
    const dataKey = randomBytes(32);
    const armored = execFileSync('age', ['-a', '-r', recipient], { input: dataKey, encoding: 'utf8' });
    const identity = readFileSync(keyFile, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? '';
    expect(Buffer.from(await ageUnwrap(armored, [identity])).equals(dataKey)).toBe(true);
  });

  it('decrypts a SOPS file whose data key the age CLI wrapped (values built from the spec)', async () => {
    const dataKey = randomBytes(32);
    const enc = (plain: string, aad: string): string => {
      const iv = randomBytes(32);
      const c = createCipheriv('aes-256-gcm', dataKey, iv);
      c.setAAD(Buffer.from(aad));
      const data = Buffer.concat([c.update(plain), c.final()]);
      return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:str]`;
    };
    const lastmodified = '2025-08-06T18:55:05Z';
    const mac = createHash('sha512').update('v1').update('db').digest('hex').toUpperCase();
    const armored = execFileSync('age', ['-a', '-r', recipient], { input: dataKey, encoding: 'utf8' });
    const file = [
      'data:',
      `    password: ${enc('v1', 'data:password:')}`,
      'metadata:',
      '    name: db',
      'sops:',
      '    age:',
      `        - recipient: ${recipient}`,
      '          enc: |',
      ...armored.trimEnd().split('\n').map((l) => `            ${l}`),
      `    lastmodified: "${lastmodified}"`,
      `    mac: ${enc(mac, lastmodified)}`,
      '    encrypted_regex: ^(data|stringData)$',
      '    version: 3.10.2',
      '',
    ].join('\n');
    const plain = await decryptDocument(parseEncrypted(file, 'yaml'), { services: { env: { SOPS_AGE_KEY_FILE: keyFile } } });
    expect(emitPlain(plain.branches, 'yaml')).toBe('data:\n    password: v1\nmetadata:\n    name: db\n');
  });

  it('a file encrypted by `coffer sops encrypt` carries a data key `age -d` recovers', async () => {
    const src = join(dir, 'app.yaml');
    writeFileSync(src, 'token: abc\n');
    const r = await h.run(['sops', 'encrypt', '--age', recipient, src]);
    expect(r.code).toBe(0);
    const armored = /enc: \|\n((?:\s+.+\n)+?)\s+lastmodified/.exec(r.out)?.[1]?.replace(/^\s+/gm, '') ?? '';
    const dataKey = execFileSync('age', ['-d', '-i', keyFile], { input: armored });
    expect(dataKey).toHaveLength(32);
    const doc = parseEncrypted(r.out, 'yaml');
    const plain = await decryptDocument(doc, { services: { env: {} }, dataKey: Buffer.from(dataKey) });
    expect(emitPlain(plain.branches, 'yaml')).toBe('token: abc\n');
  });
});

describe('SOPS round trips through the CLI', () => {
  const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n    name: app\nstringData:\n    password: s3cr3t\n';

  it('age: encrypt → decrypt → rotate → decrypt', async () => {
    const src = join(dir, 'secret.yaml');
    const enc = join(dir, 'secret.enc.yaml');
    writeFileSync(src, secret);
    const env = { SOPS_AGE_KEY_FILE: keyFile };
    const e = await h.run(['sops', 'encrypt', '--age', recipient, '--encrypted-regex', '^(data|stringData)$', '--output', enc, src], { env });
    expect(e.code).toBe(0);
    expect((await h.run(['sops', 'decrypt', enc], { env })).out).toBe(secret);
    expect((await h.run(['sops', 'rotate', '-i', enc], { env })).code).toBe(0);
    expect((await h.run(['sops', 'decrypt', enc], { env })).out).toBe(secret);
  });

  it('transit: the data key is wrapped by the Coffer transit engine', async () => {
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken };
    const uri = `${server.address}/v1/transit/keys/sops`;
    const src = join(dir, 'app.json');
    writeFileSync(src, '{"db": {"password": "p@ss"}, "replicas": 3}\n');
    const e = await h.run(['sops', 'encrypt', '--hc-vault-transit', uri, src], { env });
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    const meta = JSON.parse(e.out).sops.hc_vault[0];
    expect(meta).toMatchObject({ vault_address: server.address, engine_path: 'transit', key_name: 'sops' });
    expect(meta.enc).toMatch(/^vault:v1:/);
    expect(meta.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const enc = join(dir, 'app.enc.json');
    writeFileSync(enc, e.out);
    const d = await h.run(['sops', 'decrypt', enc], { env });
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out)).toEqual({ db: { password: 'p@ss' }, replicas: 3 });

    // A token the server rejects: a remote error naming the key tried, no plaintext.
    const denied = await h.run(['sops', 'decrypt', enc], { env: { VAULT_ADDR: server.address, VAULT_TOKEN: 'hvs.not-a-real-token' } });
    expect(denied.code).not.toBe(0);
    expect(denied.out).toBe('');
    expect(denied.err).toContain(uri);
  });
});
