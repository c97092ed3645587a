import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from '../testing.js';

let h: CliHarness;
let dir: string;
let identity: string;
let recipient: string;
let keyFile: string;
let env: NodeJS.ProcessEnv;

const SECRET = `apiVersion: v1
kind: Secret
metadata:
    name: db
type: Opaque
stringData:
    password: hunter2
    user: admin
`;

beforeAll(async () => {
  h = await startCliHarness();
  dir = mkdtempSync(join(tmpdir(), 'coffer-sops-cli-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, `# test key\n${identity}\n`, { mode: 0o600 });
  env = { SOPS_AGE_KEY_FILE: keyFile };
  writeFileSync(join(dir, 'secret.yaml'), SECRET);
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function encrypt(file: string, ...flags: string[]): Promise<string> {
  const r = await h.run(['sops', 'encrypt', ...flags, file], { env });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

describe('coffer sops encrypt/decrypt', () => {
  it('encrypts to stdout with sops-style flags and decrypts back', async () => {
    const out = await encrypt(join(dir, 'secret.yaml'), '--age', recipient, '--encrypted-regex', '^(data|stringData)$');
    expect(out).toMatch(/^apiVersion: v1\n/);
    expect(out).toMatch(/password: ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]/);
    expect(out).not.toContain('hunter2');
    const enc = join(dir, 'secret.enc.yaml');
    writeFileSync(enc, out);
    const dec = await h.run(['sops', 'decrypt', enc], { env });
    expect(dec.code).toBe(0);
    expect(dec.out).toBe(SECRET);
    const one = await h.run(['sops', 'decrypt', '--extract', '["stringData"]["password"]', enc], { env });
    expect(one.out).toBe('hunter2');
  });

  it('accepts --flag=value and JSON', async () => {
    writeFileSync(join(dir, 'app.json'), '{"db": {"password": "p"}, "port": 5432}\n');
    const out = await encrypt(join(dir, 'app.json'), `--age=${recipient}`);
    expect(JSON.parse(out).sops.age[0].recipient).toBe(recipient);
    writeFileSync(join(dir, 'app.enc.json'), out);
    const dec = await h.run(['sops', 'decrypt', join(dir, 'app.enc.json')], { env });
    expect(dec.out).toBe('{\n\t"db": {\n\t\t"password": "p"\n\t},\n\t"port": 5432\n}\n');
  });

  it('refuses a file with a wrong MAC and prints nothing on stdout', async () => {
    const out = await encrypt(join(dir, 'secret.yaml'), '--age', recipient);
    const tampered = out.replace(/(lastmodified: ")(\d{4})/, (_m, a: string, y: string) => `${a}${Number(y) - 1}`);
    writeFileSync(join(dir, 'tampered.yaml'), tampered);
    const dec = await h.run(['sops', 'decrypt', join(dir, 'tampered.yaml')], { env });
    expect(dec.code).toBe(1);
    expect(dec.out).toBe('');
    expect(dec.err).toMatch(/MAC mismatch/);
  });

  it('names SOPS_AGE_KEY_FILE/SOPS_AGE_KEY when no identity is available', async () => {
    const enc = join(dir, 'secret.enc.yaml');
    const dec = await h.run(['sops', 'decrypt', enc]);
    expect(dec.code).toBe(1);
    expect(dec.out).toBe('');
    expect(dec.err).toContain('SOPS_AGE_KEY_FILE');
    expect(dec.err).toContain('SOPS_AGE_KEY');
    expect(dec.err).toContain(recipient);
  });

  it('writes decrypted --output files with mode 0600', async () => {
    const target = join(dir, 'plain-out.yaml');
    const dec = await h.run(['sops', 'decrypt', '--output', target, join(dir, 'secret.enc.yaml')], { env });
    expect(dec.code).toBe(0);
    expect(dec.out).toBe('');
    expect(readFileSync(target, 'utf8')).toBe(SECRET);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('uses the .sops.yaml creation rule and --in-place', async () => {
    const proj = mkdtempSync(join(dir, 'proj-'));
    writeFileSync(join(proj, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient}\n`);
    const file = join(proj, 'secret.yaml');
    writeFileSync(file, SECRET);
    const r = await h.run(['sops', 'encrypt', '-i', file], { env });
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('name: db');
    expect(text).toContain('encrypted_regex: ^(data|stringData)$');
    expect(text).not.toContain('hunter2');
    const again = await h.run(['sops', 'encrypt', file], { env });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/top-level entry called 'sops'/);
  });

  it('says what is missing without keys', async () => {
    const lone = mkdtempSync(join(tmpdir(), 'coffer-sops-nokeys-'));
    writeFileSync(join(lone, 'x.yaml'), 'a: 1\n');
    const r = await h.run(['sops', 'encrypt', join(lone, 'x.yaml')], { env });
    rmSync(lone, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no master keys were provided/);
  });
});

describe('coffer sops edit/rotate/updatekeys', () => {
  /** An $EDITOR: a node script that rewrites the file with a regex. */
  function editor(from: string, to: string): string {
    const script = join(dir, `edit-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(
      script,
      `import { readFileSync, writeFileSync, statSync } from 'node:fs';\nconst f = process.argv[2];\nif ((statSync(f).mode & 0o777) !== 0o600) process.exit(3);\nwriteFileSync(f, readFileSync(f, 'utf8').replace(${JSON.stringify(from)}, ${JSON.stringify(to)}));\n`,
    );
    return `"${process.execPath}" "${script}"`;
  }

  it('edits diff-stably: only the changed value gets a new ciphertext', async () => {
    const file = join(dir, 'edit.enc.yaml');
    writeFileSync(file, await encrypt(join(dir, 'secret.yaml'), '--age', recipient, '--encrypted-regex', '^(data|stringData)$'));
    const before = readFileSync(file, 'utf8');
    const r = await h.run(['sops', 'edit', file], { env: { ...env, EDITOR: editor('hunter2', 'correct-horse') } });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    const lines = (t: string) => (t.split('sops:')[0] ?? '').split('\n');
    const changed = lines(after).filter((l, i) => l !== lines(before)[i]);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/^ {4}password: ENC\[/);
    const dec = await h.run(['sops', 'decrypt', file], { env });
    expect(dec.out).toContain('password: correct-horse');
  });

  it('refuses to save invalid YAML and leaves an unchanged file alone', async () => {
    const file = join(dir, 'edit.enc.yaml');
    const before = readFileSync(file, 'utf8');
    const bad = await h.run(['sops', 'edit', file], { env: { ...env, EDITOR: editor('user: admin', 'user: [admin') } });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/invalid syntax/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const same = await h.run(['sops', 'edit', file], { env: { ...env, EDITOR: editor('nothing-to-find', 'x') } });
    expect(same.code).toBe(0);
    expect(same.err).toMatch(/File has not changed/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('rotates the data key in place', async () => {
    const file = join(dir, 'rotate.enc.yaml');
    writeFileSync(file, await encrypt(join(dir, 'secret.yaml'), '--age', recipient));
    const before = readFileSync(file, 'utf8');
    const r = await h.run(['sops', 'rotate', '-i', file], { env });
    expect(r.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    const password = (t: string) => /password: (ENC\[[^\]]+\])/.exec(t)?.[1];
    expect(password(after)).not.toBe(password(before));
    expect((await h.run(['sops', 'decrypt', file], { env })).out).toBe(SECRET);
  });

  it('updatekeys re-wraps the data key for the recipients in .sops.yaml', async () => {
    const proj = mkdtempSync(join(dir, 'upd-'));
    const id2 = await generateX25519Identity();
    const r2 = await identityToRecipient(id2);
    const file = join(proj, 'secret.enc.yaml');
    writeFileSync(file, await encrypt(join(dir, 'secret.yaml'), '--age', recipient));
    writeFileSync(join(proj, '.sops.yaml'), `creation_rules:\n  - age: ${recipient},${r2}\n`);
    const declined = await h.run(['sops', 'updatekeys', file], { env, stdin: 'n\n' });
    expect(declined.out).toContain(`+++ ${r2}`);
    expect(declined.out).toContain('Changes have not been applied');
    const r = await h.run(['sops', 'updatekeys', '-y', file], { env });
    expect(r.code).toBe(0);
    expect(r.out).toContain('synced with new keys');
    const dec = await h.run(['sops', 'decrypt', file], { env: { SOPS_AGE_KEY: id2 } });
    expect(dec.out).toBe(SECRET);
    const again = await h.run(['sops', 'updatekeys', '-y', file], { env });
    expect(again.out).toContain('already up to date');
  });
});
