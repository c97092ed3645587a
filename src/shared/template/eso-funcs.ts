/**
 * External Secrets Operator's own template functions (`runtime/template/v2/template.go`
 * tplFuncs, on top of Sprig): PKCS#12 in and out (`pkcs12key[Pass]`, `pkcs12cert[Pass]`,
 * `pemToPkcs12[Pass]`, `fullPemToPkcs12[Pass]`, `pemTruststoreToPKCS12[Pass]`), certificate
 * chains (`filterCertChain`, `certSANs`), JWK to PEM (`jwkPublicKeyPem`, `jwkPrivateKeyPem`)
 * and `rsaDecrypt`. `toYaml`, `fromYaml` and `filterPEM` are already in `sprigFuncs`.
 *
 * Binary data: Go strings are byte strings, so `{{ .keystore | b64dec | pkcs12key }}` carries
 * a binary PKCS#12 through the template. JavaScript strings cannot, so bytes that are not valid
 * UTF-8 travel as lone surrogates U+DC80..U+DCFF ("surrogateescape", PEP 383):
 * `bytesToTemplateString` / `templateStringToBytes` convert losslessly, valid UTF-8 text is
 * unchanged, and this map overrides `b64enc`, `b64dec` and `hexdec` with byte-preserving
 * versions. Callers that feed binary values into a template should use the same two functions.
 *
 * PKCS#12 uses node-forge (node:crypto has no PKCS#12 parser or writer); keys and certificates
 * are handled as DER so EC and Ed25519 keys work as well as RSA. Output is encrypted with
 * PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC, 2048 iterations) and a SHA-256 MAC, like
 * go-pkcs12's `Modern` encoder ESO uses.
 */
import { X509Certificate, constants, createHmac, createPrivateKey, createPublicKey, privateDecrypt, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { base64Decode, hexDecode } from './encoding.js';
import { argString, withArity } from './func-args.js';
import { decodePem, encodePem } from './pem.js';
import type { FuncMap } from './types.js';

// ---- binary-safe strings ----------------------------------------------------------------

/** Bytes as a template string: UTF-8 where valid, each other byte as U+DC80+byte. */
export function bytesToTemplateString(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // fall through to the escaping decoder
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    let len = 0;
    let cp = 0;
    let min = 0;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      cp = b0 & 0x07;
      min = 0x10000;
    }
    let ok = len > 0 && i + len <= bytes.length;
    for (let j = 1; ok && j < len; j++) {
      const b = bytes[i + j] as number;
      if ((b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      out += String.fromCharCode(0xdc00 + b0);
      i++;
    }
  }
  return out;
}

/** The inverse of `bytesToTemplateString` (plain UTF-8 for ordinary strings). */
export function templateStringToBytes(s: string): Uint8Array {
  if (!/[\uDC80-\uDCFF]/.test(s)) return new TextEncoder().encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const prevHigh = i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff;
    if (c >= 0xdc80 && c <= 0xdcff && !prevHigh) {
      out.push(c - 0xdc00);
      continue;
    }
    const cp = s.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
  }
  return Uint8Array.from(out);
}

const binaryString = (v: unknown): Buffer => Buffer.from(templateStringToBytes(argString(v)));

// ---- PEM and X.509 ------------------------------------------------------------------------

const PEM_CERT = 'CERTIFICATE';

function pemOf(type: string, der: Uint8Array): string {
  return encodePem({ type, headers: [], bytes: Buffer.from(der) });
}

/** All PEM blocks of `text`, in order. */
function pemBlocks(text: string): { type: string; bytes: Buffer }[] {
  const out: { type: string; bytes: Buffer }[] = [];
  let rest = text;
  for (;;) {
    const { block, rest: next } = decodePem(rest);
    if (block === undefined) return out;
    out.push({ type: block.type, bytes: block.bytes });
    rest = next;
  }
}

interface ParsedCert {
  der: Buffer;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
}

const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_SAN = '2.5.29.17';

/** The extensions of a DER certificate (OID → extnValue bytes), read with forge's ASN.1 parser. */
function certExtensions(der: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const tbs = (cert.value as forge.asn1.Asn1[])[0];
  for (const field of (tbs?.value as forge.asn1.Asn1[] | undefined) ?? []) {
    // extensions [3] EXPLICIT SEQUENCE OF Extension
    if (field.tagClass !== forge.asn1.Class.CONTEXT_SPECIFIC || field.type !== 3) continue;
    const list = (field.value as forge.asn1.Asn1[])[0];
    for (const ext of (list?.value as forge.asn1.Asn1[] | undefined) ?? []) {
      const parts = ext.value as forge.asn1.Asn1[];
      const oidNode = parts[0];
      const valueNode = parts[parts.length - 1];
      if (oidNode === undefined || valueNode === undefined) continue;
      out.set(forge.asn1.derToOid(oidNode.value as string), valueNode.value as string);
    }
  }
  return out;
}

function parseCert(der: Buffer): ParsedCert {
  // X509Certificate rejects what Go's x509.ParseCertificate rejects (mostly).
  new X509Certificate(der);
  const exts = certExtensions(der);
  let subjectKeyId: string | undefined;
  let authorityKeyId: string | undefined;
  const ski = exts.get(OID_SKI);
  if (ski !== undefined) subjectKeyId = forge.util.bytesToHex(forge.asn1.fromDer(ski).value as string);
  const aki = exts.get(OID_AKI);
  if (aki !== undefined) {
    const seq = forge.asn1.fromDer(aki).value as forge.asn1.Asn1[];
    const keyId = seq.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0);
    if (keyId !== undefined) authorityKeyId = forge.util.bytesToHex(keyId.value as string);
  }
  return { der, subjectKeyId, authorityKeyId };
}

const isRoot = (c: ParsedCert): boolean => c.authorityKeyId === undefined || c.authorityKeyId === c.subjectKeyId;

/** ESO `fetchX509CertChains`: leaf → intermediates → root by AuthorityKeyId/SubjectKeyId (no trust checks). */
function orderChain(certs: ParsedCert[]): ParsedCert[] {
  const parent = new Map<number, number>();
  const isParent = new Set<number>();
  certs.forEach((c, i) => {
    const j = certs.findIndex((p, k) => k !== i && (c.authorityKeyId ?? '') === (p.subjectKeyId ?? ''));
    if (j >= 0) {
      parent.set(i, j);
      isParent.add(j);
    }
  });
  const leaves = certs.map((_, i) => i).filter((i) => !isParent.has(i));
  if (leaves.length > 1) throw new Error('found multiple leaf or disjunct certificates');
  if (leaves.length === 0) throw new Error('no leaf certificate found');
  const out: ParsedCert[] = [];
  for (let at: number | undefined = leaves[0]; at !== undefined; at = parent.get(at)) {
    if (out.length >= certs.length) throw new Error('constructing chain resulted in cycle');
    out.push(certs[at] as ParsedCert);
  }
  return out;
}

function certsOfPem(text: string): ParsedCert[] {
  return pemBlocks(text).map((b) => parseCert(b.bytes));
}

function filterCertChain(certType: unknown, input: unknown): string {
  const kind = argString(certType);
  const ordered = orderChain(certsOfPem(argString(input)));
  if (kind === 'leaf') {
    const leaf = ordered[0] as ParsedCert;
    return leaf.authorityKeyId !== undefined && leaf.authorityKeyId !== leaf.subjectKeyId ? pemOf(PEM_CERT, leaf.der) : '';
  }
  if (kind === 'intermediate') {
    let out = '';
    for (const c of ordered.slice(1)) {
      if (isRoot(c)) break;
      out += pemOf(PEM_CERT, c.der);
    }
    return out;
  }
  if (kind === 'root') {
    const root = ordered[ordered.length - 1] as ParsedCert;
    return isRoot(root) ? pemOf(PEM_CERT, root.der) : '';
  }
  return '';
}

/** Go's net.IP.String for 4- and 16-byte addresses. */
function ipString(bytes: Buffer): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return `?${bytes.toString('hex')}`;
  if (bytes.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))) return Array.from(bytes.subarray(12)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // RFC 5952: compress the longest run (≥2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** ESO `certSANs`: DNS names, then IP addresses, emails and URIs of the first certificate. */
function certSANs(input: unknown): string[] {
  const first = pemBlocks(argString(input))[0];
  if (first === undefined) throw new Error('failed to decode PEM block');
  try {
    new X509Certificate(first.bytes);
  } catch (err) {
    throw new Error(`failed to parse certificate: ${(err as Error).message}`, { cause: err });
  }
  const san = certExtensions(first.bytes).get(OID_SAN);
  const dns: string[] = [];
  const ips: string[] = [];
  const emails: string[] = [];
  const uris: string[] = [];
  if (san !== undefined) {
    for (const name of forge.asn1.fromDer(san).value as forge.asn1.Asn1[]) {
      const raw = name.value as string;
      if (name.type === 2) dns.push(raw);
      else if (name.type === 7) ips.push(ipString(Buffer.from(raw, 'binary')));
      else if (name.type === 1) emails.push(raw);
      else if (name.type === 6) uris.push(raw);
    }
  }
  return [...dns, ...ips, ...emails, ...uris];
}

// ---- keys -------------------------------------------------------------------------------

/** ESO `parsePrivateKey`: PKCS#1, PKCS#8 or SEC 1 DER. */
function parsePrivateKeyDer(der: Buffer): KeyObject {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  throw new Error('unable to parse private key type');
}

function pkcs8Der(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

// ---- PKCS#12 ----------------------------------------------------------------------------

interface DecodedP12 {
  key: KeyObject;
  cert: Buffer;
  caCerts: Buffer[];
}

const bin = (b: Uint8Array): string => Buffer.from(b).toString('binary');
const fromBin = (s: string): Buffer => Buffer.from(s, 'binary');

/** go-pkcs12 `DecodeChain`: exactly one key, the first certificate is the leaf, the others are CAs. */
function decodeP12(data: Buffer, password: string): DecodedP12 {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bin(data))), false, password);
  } catch (err) {
    const msg = (err as Error).message;
    if (/MAC could not be verified|wrong password|Invalid password/i.test(msg)) throw new Error('pkcs12: decryption password incorrect', { cause: err });
    throw new Error(`pkcs12: ${msg}`, { cause: err });
  }
  let key: KeyObject | undefined;
  const certs: Buffer[] = [];
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      if (bag.type === forge.pki.oids['certBag']) {
        const asn = bag.cert !== undefined && bag.cert !== null ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
        if (asn !== undefined) certs.push(fromBin(forge.asn1.toDer(asn).getBytes()));
      } else if (bag.type === forge.pki.oids['pkcs8ShroudedKeyBag'] || bag.type === forge.pki.oids['keyBag']) {
        if (key !== undefined) throw new Error('pkcs12: expected exactly one key bag');
        const info =
          bag.key !== undefined && bag.key !== null
            ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
            : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
        if (info === undefined) throw new Error('pkcs12: private key missing');
        key = createPrivateKey({ key: fromBin(forge.asn1.toDer(info).getBytes()), format: 'der', type: 'pkcs8' });
      }
    }
  }
  if (certs.length === 0) throw new Error('pkcs12: certificate missing');
  if (key === undefined) throw new Error('pkcs12: private key missing');
  return { key, cert: certs[0] as Buffer, caCerts: certs.slice(1) };
}

function pkcs12keyPass(pass: unknown, input: unknown): string {
  let decoded: DecodedP12;
  try {
    decoded = decodeP12(binaryString(input), argString(pass));
  } catch (err) {
    throw new Error(`unable to decode pkcs12 with password: ${(err as Error).message}`, { cause: err });
  }
  return pemOf('PRIVATE KEY', pkcs8Der(decoded.key));
}

function pkcs12certPass(pass: unknown, input: unknown): string {
  let decoded: DecodedP12;
  try {
    decoded = decodeP12(binaryString(input), argString(pass));
  } catch (err) {
    throw new Error(`unable to decode pkcs12 certificate with password: ${(err as Error).message}`, { cause: err });
  }
  const all = [decoded.cert, ...decoded.caCerts];
  try {
    // Ordered leaf → root when one chain can be inferred; otherwise as stored.
    return orderChain(all.map(parseCert))
      .map((c) => pemOf(PEM_CERT, c.der))
      .join('');
  } catch {
    return all.map((der) => pemOf(PEM_CERT, der)).join('');
  }
}

const asn = forge.asn1;
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn.create(asn.Class.UNIVERSAL, asn.Type.SEQUENCE, true, items);
const oid = (o: string): forge.asn1.Asn1 => asn.create(asn.Class.UNIVERSAL, asn.Type.OID, false, asn.oidToDer(o).getBytes());
const octets = (bytes: string): forge.asn1.Asn1 => asn.create(asn.Class.UNIVERSAL, asn.Type.OCTETSTRING, false, bytes);
const explicit0 = (inner: forge.asn1.Asn1): forge.asn1.Asn1 => asn.create(asn.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const int = (n: number): forge.asn1.Asn1 => asn.create(asn.Class.UNIVERSAL, asn.Type.INTEGER, false, asn.integerToDer(n).getBytes());
const dataContentInfo = (content: forge.asn1.Asn1): forge.asn1.Asn1 => seq([oid(forge.pki.oids['data'] as string), explicit0(octets(asn.toDer(content).getBytes()))]);
const P12_ITERATIONS = 2048;

/** A PFX (PKCS#12) with an encrypted key bag, certificate bags and a SHA-256 MAC. */
function encodeP12(key: KeyObject | undefined, certs: Buffer[], password: string): Buffer {
  const oids = forge.pki.oids;
  const localKeyId = certs[0] !== undefined && key !== undefined ? forge.md.sha1.create().update(bin(certs[0])).digest().getBytes() : undefined;
  const attrs =
    localKeyId !== undefined
      ? asn.create(asn.Class.UNIVERSAL, asn.Type.SET, true, [seq([oid(oids['localKeyId'] as string), asn.create(asn.Class.UNIVERSAL, asn.Type.SET, true, [octets(localKeyId)])])])
      : undefined;
  const certBags = certs.map((der, i) => {
    const bag = [oid(oids['certBag'] as string), explicit0(seq([oid(oids['x509Certificate'] as string), explicit0(octets(bin(der)))]))];
    if (i === 0 && attrs !== undefined) bag.push(attrs);
    return seq(bag);
  });
  const contents: forge.asn1.Asn1[] = [];
  if (certBags.length > 0) contents.push(dataContentInfo(seq(certBags)));
  if (key !== undefined) {
    const info = asn.fromDer(forge.util.createBuffer(bin(pkcs8Der(key))));
    const encrypted = forge.pki.encryptPrivateKeyInfo(info, password, { algorithm: 'aes256', count: P12_ITERATIONS, saltSize: 16, prfAlgorithm: 'sha256' });
    const bag = [oid(oids['pkcs8ShroudedKeyBag'] as string), explicit0(encrypted)];
    if (attrs !== undefined) bag.push(attrs);
    contents.push(dataContentInfo(seq([seq(bag)])));
  }
  const safe = seq(contents);
  const safeDer = asn.toDer(safe).getBytes();
  // MAC: PKCS#12 KDF (ID 3) over the BMP password, HMAC-SHA-256 (as go-pkcs12 Modern).
  const salt = randomBytes(16);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(bin(salt)), 3, P12_ITERATIONS, 32, forge.md.sha256.create());
  const mac = createHmac('sha256', fromBin(macKey.getBytes())).update(fromBin(safeDer)).digest();
  const macData = seq([seq([seq([oid(oids['sha256'] as string), asn.create(asn.Class.UNIVERSAL, asn.Type.NULL, false, '')]), octets(bin(mac))]), octets(bin(salt)), int(P12_ITERATIONS)]);
  const pfx = seq([int(3), seq([oid(oids['data'] as string), explicit0(octets(safeDer))]), macData]);
  return fromBin(asn.toDer(pfx).getBytes());
}

function keyOfPem(key: string): KeyObject {
  const block = pemBlocks(key)[0];
  if (block === undefined) throw new Error('failed to decode PEM block containing the private key');
  return parsePrivateKeyDer(block.bytes);
}

function firstCert(cert: string): { der: Buffer; rest: Buffer[] } {
  const blocks = pemBlocks(cert);
  const first = blocks[0];
  if (first === undefined) throw new Error('failed to decode PEM block containing the certificate');
  parseCert(first.bytes);
  return { der: first.bytes, rest: blocks.slice(1).map((b) => parseCert(b.bytes).der) };
}

function pemToPkcs12Pass(cert: unknown, key: unknown, pass: unknown): string {
  const { der } = firstCert(argString(cert));
  return encodeP12(keyOfPem(argString(key)), [der], argString(pass)).toString('base64');
}

function fullPemToPkcs12Pass(cert: unknown, key: unknown, pass: unknown): string {
  const { der, rest } = firstCert(argString(cert));
  return encodeP12(keyOfPem(argString(key)), [der, ...rest], argString(pass)).toString('base64');
}

function pemTruststoreToPKCS12Pass(cert: unknown, pass: unknown): string {
  const certs = certsOfPem(argString(cert)).map((c) => c.der);
  return encodeP12(undefined, certs, argString(pass)).toString('base64');
}

// ---- JWK and RSA ------------------------------------------------------------------------

function parseJwk(text: string): Record<string, unknown> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new Error('failed to parse JWK: invalid JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error('failed to parse JWK: not a JSON object');
  return jwk as Record<string, unknown>;
}

function jwkPublicKeyPem(jwkJson: unknown): string {
  const jwk = parseJwk(argString(jwkJson));
  // ESO marshals the JWK's raw key as PKIX: a private JWK is not a public key there.
  if (jwk['d'] !== undefined) throw new Error('x509: unsupported public key type: a private key was given');
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return String(key.export({ type: 'spki', format: 'pem' }));
}

function jwkPrivateKeyPem(jwkJson: unknown): string {
  const jwk = parseJwk(argString(jwkJson));
  if (jwk['d'] === undefined) throw new Error('x509: unknown key type while marshaling PKCS#8: a public key was given');
  const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return String(key.export({ type: 'pkcs8', format: 'pem' }));
}

const OAEP_HASH: Readonly<Record<string, string>> = { None: 'sha256', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** ESO `rsaDecrypt scheme hash ciphertext privateKeyPem` (ciphertext as bytes; `None` returns it unchanged). */
function rsaDecrypt(scheme: unknown, hash: unknown, input: unknown, privateKey: unknown): string {
  const s = argString(scheme);
  if (s === 'None') return argString(input);
  if (s !== 'RSA-OAEP') throw new Error(`decryption scheme ${s} is not supported`);
  const block = pemBlocks(argString(privateKey))[0];
  if (block === undefined) throw new Error('failed to decode PEM block');
  let key: KeyObject;
  try {
    key = parsePrivateKeyDer(block.bytes);
  } catch (err) {
    throw new Error(`could not parse private key: ${(err as Error).message}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('could not parse RSA private key');
  try {
    const out = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[argString(hash)] ?? 'sha256' }, binaryString(input));
    return bytesToTemplateString(out);
  } catch (err) {
    throw new Error('error decrypting data with RSA: crypto/rsa: decryption error', { cause: err });
  }
}

// ---- byte-preserving Sprig overrides ----------------------------------------------------

function decodeOrMessage(decode: (s: string) => Buffer, s: string): string {
  try {
    return bytesToTemplateString(decode(s));
  } catch (err) {
    return err instanceof Error ? err.message : 'decode failed';
  }
}

export const esoTemplateFuncs: FuncMap = Object.freeze({
  pkcs12key: withArity(1, 1, (input: unknown) => pkcs12keyPass('', input)),
  pkcs12keyPass: withArity(2, 2, pkcs12keyPass),
  pkcs12cert: withArity(1, 1, (input: unknown) => pkcs12certPass('', input)),
  pkcs12certPass: withArity(2, 2, pkcs12certPass),
  pemToPkcs12: withArity(2, 2, (cert: unknown, key: unknown) => pemToPkcs12Pass(cert, key, '')),
  pemToPkcs12Pass: withArity(3, 3, pemToPkcs12Pass),
  fullPemToPkcs12: withArity(2, 2, (cert: unknown, key: unknown) => fullPemToPkcs12Pass(cert, key, '')),
  fullPemToPkcs12Pass: withArity(3, 3, fullPemToPkcs12Pass),
  pemTruststoreToPKCS12: withArity(1, 1, (cert: unknown) => pemTruststoreToPKCS12Pass(cert, '')),
  pemTruststoreToPKCS12Pass: withArity(2, 2, pemTruststoreToPKCS12Pass),
  filterCertChain: withArity(2, 2, filterCertChain),
  certSANs: withArity(1, 1, certSANs),
  jwkPublicKeyPem: withArity(1, 1, jwkPublicKeyPem),
  jwkPrivateKeyPem: withArity(1, 1, jwkPrivateKeyPem),
  rsaDecrypt: withArity(4, 4, rsaDecrypt),
  b64enc: withArity(1, 1, (s: unknown) => Buffer.from(templateStringToBytes(argString(s))).toString('base64')),
  b64dec: withArity(1, 1, (s: unknown) => decodeOrMessage(base64Decode, argString(s))),
  hexdec: withArity(1, 1, (s: unknown) => decodeOrMessage(hexDecode, argString(s))),
});
