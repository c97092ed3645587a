import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, constants, publicEncrypt, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToTemplateString, esoTemplateFuncs, templateStringToBytes } from './eso-funcs.js';
import { parseTemplate, sprigFuncs } from './index.js';

const funcs = { ...sprigFuncs, ...esoTemplateFuncs };
const render = (src: string, data: Record<string, string>): string => parseTemplate(src, { funcs, missingKey: 'error' }).execute(data);

let dir: string;
const openssl = (...args: string[]): string => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
/** stdout and stderr together (`-info` reports the MAC on stderr). */
const opensslAll = (...args: string[]): string => {
  const r = spawnSync('openssl', args, { cwd: dir });
  if (r.status !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${r.stderr.toString()}`);
  return r.stdout.toString() + r.stderr.toString();
};
const file = (name: string): string => readFileSync(join(dir, name), 'utf8');

/** A root CA, an intermediate and a leaf (with SANs), made by openssl. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eso-funcs-'));
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:true\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n');
  writeFileSync(
    join(dir, 'leaf.ext'),
    'basicConstraints=CA:false\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\nsubjectAltName=DNS:app.example.com,DNS:www.example.com,IP:10.0.0.1,IP:2001:db8::1,email:ops@example.com,URI:spiffe://example/app\n',
  );
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=root', '-days', '2', '-addext', 'basicConstraints=critical,CA:true');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=intermediate');
  openssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.crt', '-days', '2', '-extfile', 'ca.ext');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'leaf.ext');
  writeFileSync(join(dir, 'chain-shuffled.pem'), file('root.crt') + file('leaf.crt') + file('int.crt'));
  writeFileSync(join(dir, 'cas.pem'), file('root.crt') + file('int.crt'));
  openssl('pkcs12', '-export', '-inkey', 'leaf.key', '-in', 'leaf.crt', '-certfile', 'cas.pem', '-passout', 'pass:s3cret', '-out', 'leaf.p12');
  openssl('pkcs12', '-export', '-inkey', 'int.key', '-in', 'int.crt', '-passout', 'pass:', '-out', 'int-nopass.p12');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pemDer = (pem: string): string => new X509Certificate(pem).raw.toString('base64');

describe('binary-safe template strings', () => {
  it('round-trips any bytes and leaves valid UTF-8 alone', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => Buffer.from(templateStringToBytes(bytesToTemplateString(bytes))).equals(Buffer.from(bytes))));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => bytesToTemplateString(new TextEncoder().encode(s)) === s && Buffer.from(templateStringToBytes(s)).equals(Buffer.from(s, 'utf8'))));
    expect(render('{{ .v | b64dec | b64enc }}', { v: Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x41]).toString('base64') })).toBe(Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x41]).toString('base64'));
  });
});

describe('PKCS#12 functions', () => {
  it('reads an openssl-made .p12 with a password: PKCS#8 key and the chain ordered leaf → root', () => {
    const p12 = readFileSync(join(dir, 'leaf.p12')).toString('base64');
    const key = render('{{ .p | b64dec | pkcs12keyPass "s3cret" }}', { p: p12 });
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(createPublicKey(file('leaf.key')).export({ format: 'pem', type: 'spki' }));
    const certs = render('{{ .p | b64dec | pkcs12certPass "s3cret" }}', { p: p12 });
    const blocks = certs.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? [];
    expect(blocks.map(pemDer)).toEqual([pemDer(file('leaf.crt')), pemDer(file('int.crt')), pemDer(file('root.crt'))]);
    expect(() => render('{{ .p | b64dec | pkcs12key }}', { p: p12 })).toThrow(/unable to decode pkcs12 with password/);
  });

  it('reads an EC key from a .p12 with an empty password', () => {
    const p12 = readFileSync(join(dir, 'int-nopass.p12')).toString('base64');
    const key = render('{{ .p | b64dec | pkcs12key }}', { p: p12 });
    expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(createPublicKey(file('int.key')).export({ format: 'pem', type: 'spki' }));
    expect(pemDer(render('{{ .p | b64dec | pkcs12cert }}', { p: p12 }))).toBe(pemDer(file('int.crt')));
  });

  it('writes .p12 files openssl reads (RSA and EC keys, with the chain, and a truststore)', () => {
    const data = { crt: file('leaf.crt'), key: file('leaf.key'), chain: file('leaf.crt') + file('int.crt') + file('root.crt'), ikey: file('int.key'), icrt: file('int.crt') };
    const check = (b64: string, pass: string, name: string): string => {
      writeFileSync(join(dir, name), Buffer.from(b64, 'base64'));
      return opensslAll('pkcs12', '-in', name, '-info', '-nokeys', '-passin', `pass:${pass}`);
    };
    const one = check(render('{{ pemToPkcs12Pass .crt .key "pw" }}', data), 'pw', 'out1.p12');
    expect(one).toContain('subject=CN = leaf');
    expect(one).toContain('MAC: sha256');
    const full = check(render('{{ fullPemToPkcs12 .chain .key }}', data), '', 'out2.p12');
    expect(full.match(/subject=/g)).toHaveLength(3);
    check(render('{{ pemToPkcs12 .icrt .ikey }}', data), '', 'out3.p12');
    const keyOut = openssl('pkcs12', '-in', 'out3.p12', '-nocerts', '-nodes', '-passin', 'pass:');
    expect(keyOut).toContain('BEGIN PRIVATE KEY');
    const trust = check(render('{{ pemTruststoreToPKCS12Pass .chain "t" }}', data), 't', 'out4.p12');
    expect(trust.match(/subject=/g)).toHaveLength(3);
    // and back through our own reader
    expect(render('{{ pemToPkcs12Pass .crt .key "pw" | b64dec | pkcs12keyPass "pw" }}', data)).toContain('BEGIN PRIVATE KEY');
  });
});

describe('certificate helpers', () => {
  it('filterCertChain picks leaf, intermediates and root from an unordered bundle', () => {
    const bundle = { b: file('chain-shuffled.pem') };
    expect(pemDer(render('{{ filterCertChain "leaf" .b }}', bundle))).toBe(pemDer(file('leaf.crt')));
    expect(pemDer(render('{{ filterCertChain "intermediate" .b }}', bundle))).toBe(pemDer(file('int.crt')));
    expect(pemDer(render('{{ filterCertChain "root" .b }}', bundle))).toBe(pemDer(file('root.crt')));
    expect(render('{{ filterCertChain "other" .b }}', bundle)).toBe('');
  });

  it('certSANs lists DNS, IP, email and URI names in Go order', () => {
    expect(render('{{ certSANs .c | join "," }}', { c: file('leaf.crt') })).toBe('app.example.com,www.example.com,10.0.0.1,2001:db8::1,ops@example.com,spiffe://example/app');
    expect(() => render('{{ certSANs .c }}', { c: 'junk' })).toThrow(/failed to decode PEM block/);
  });
});

describe('JWK and RSA', () => {
  it('converts JWKs to PEM (public as PKIX, private as PKCS#8)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const priv = JSON.stringify(privateKey.export({ format: 'jwk' }));
    expect(render('{{ jwkPublicKeyPem .k }}', { k: pub })).toBe(publicKey.export({ format: 'pem', type: 'spki' }));
    expect(render('{{ jwkPrivateKeyPem .k }}', { k: priv })).toBe(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => render('{{ jwkPublicKeyPem .k }}', { k: priv })).toThrow(/unsupported public key type/);
    expect(() => render('{{ jwkPrivateKeyPem .k }}', { k: 'nope' })).toThrow(/failed to parse JWK/);
  });

  it('rsaDecrypt decrypts RSA-OAEP ciphertext (binary through b64dec)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ct = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('db-password')).toString('base64');
    const pem = String(privateKey.export({ format: 'pem', type: 'pkcs1' }));
    expect(render('{{ rsaDecrypt "RSA-OAEP" "SHA256" (.c | b64dec) .k }}', { c: ct, k: pem })).toBe('db-password');
    expect(render('{{ rsaDecrypt "None" "SHA256" "plain" .k }}', { k: pem })).toBe('plain');
    expect(() => render('{{ rsaDecrypt "RSA-OAEP" "SHA1" (.c | b64dec) .k }}', { c: ct, k: pem })).toThrow(/error decrypting data with RSA/);
    expect(() => render('{{ rsaDecrypt "PKCS1" "SHA1" "x" .k }}', { k: pem })).toThrow(/decryption scheme PKCS1 is not supported/);
  });
});
