/**
 * Signatures as Vault's keysutil makes them (`SignWithOptions`, `VerifySignatureWithOptions`):
 * `vault:v<N>:` + base64 of an ASN.1 DER ECDSA signature (or, with `marshaling_algorithm=jws`,
 * base64url of r ‖ s), an RSA PSS/PKCS#1 v1.5 signature, or a raw 64-byte ed25519 signature.
 *
 * Inputs that the caller has not hashed go through node:crypto's one-shot sign/verify. For
 * `prehashed` inputs node:crypto has no API, so PKCS#1 v1.5 and PSS encodings are built here
 * around the raw RSA operation, and ECDSA uses `ec-math.ts`.
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, sign as nodeSign, timingSafeEqual, verify as nodeVerify } from 'node:crypto';
import { InternalError, UserError } from '../../../shared/errors.js';
import { decodeRawUrl, decodeStd, encodeRawUrl, encodeStd } from './b64.js';
import { decodeDer, decodeRaw, encodeDer, encodeRaw, signDigest, verifyDigest } from './ec-math.js';
import { parseVersioned } from './encryption.js';
import { HASH_ALGORITHMS, type HashName, type SignHashName } from './hashes.js';
import { getKey } from './kdf.js';
import { isEcdsa, isRsa, rsaBits, supportsSigning, type EcdsaType, type RsaType } from './key-types.js';
import {
  ERR_TOO_OLD,
  ed25519FromSeed,
  ed25519PublicRaw,
  keyEntry,
  privateKeyOf,
  publicKeyOf,
  versionPrefix,
  type Policy,
} from './policy.js';

export type Marshaling = 'asn1' | 'jws';

export interface SignatureOptions {
  hash: SignHashName;
  prehashed: boolean;
  marshaling: Marshaling;
  /** Go's convention: 0 = auto (largest when signing, detected when verifying), -1 = hash length. */
  saltLength: number;
  /** `pss` (default) or `pkcs1v15`; RSA only. */
  signatureAlgorithm: string;
  context?: Buffer | undefined;
}

export interface SignResult {
  signature: string;
  version: number;
  /** Derived ed25519 keys: the public key of the derived key pair. */
  publicKey?: Buffer;
}

export function signingVersion(p: Policy, requested: number): number {
  if (requested === 0) return p.latestVersion;
  if (requested < 0) throw new UserError('requested version for signing is negative');
  if (requested > p.latestVersion) throw new UserError('requested version for signing is higher than the latest key version');
  if (p.minEncryptionVersion > 0 && requested < p.minEncryptionVersion) {
    throw new UserError('requested version for signing is less than the minimum encryption key version');
  }
  return requested;
}

export function sign(p: Policy, requestedVersion: number, input: Buffer, opts: SignatureOptions): SignResult {
  if (!supportsSigning(p.type)) throw new UserError(`message signing not supported for key type ${p.type}`);
  const version = signingVersion(p, requestedVersion);
  const entry = keyEntry(p, version);
  let sig: Buffer;
  let publicKey: Buffer | undefined;
  if (isEcdsa(p.type)) {
    sig = signEcdsa(p.type, p, version, input, opts);
  } else if (p.type === 'ed25519') {
    let key = privateKeyOf(p.type, entry);
    if (p.derived) {
      key = ed25519FromSeed(deriveEd25519Seed(p, opts.context, version));
      publicKey = ed25519PublicRaw(key);
    }
    sig = nodeSign(null, input, key);
  } else if (isRsa(p.type)) {
    sig = signRsa(p.type, p, version, input, opts);
  } else {
    throw new InternalError(`unsupported key type ${p.type}`);
  }
  const encoded = opts.marshaling === 'jws' ? encodeRawUrl(sig) : encodeStd(sig);
  return { signature: versionPrefix(p, version) + encoded, version, ...(publicKey ? { publicKey } : {}) };
}

export function verify(p: Policy, input: Buffer, signature: string, opts: SignatureOptions): boolean {
  if (!supportsSigning(p.type)) throw new UserError(`message verification not supported for key type ${p.type}`);
  const parsed = parseVersioned(p, signature, 'signature');
  const version = parsed.version;
  if (version > p.latestVersion) throw new UserError('invalid signature: version is too new');
  if (p.minDecryptionVersion > 0 && version < p.minDecryptionVersion) throw new UserError(ERR_TOO_OLD);
  let sigBytes: Buffer;
  try {
    sigBytes = opts.marshaling === 'jws' ? decodeRawUrl(parsed.payload) : decodeStd(parsed.payload);
  } catch {
    throw new UserError('invalid base64 signature value');
  }
  if (isEcdsa(p.type)) return verifyEcdsa(p.type, p, version, input, sigBytes, opts);
  if (p.type === 'ed25519') {
    const pub = p.derived ? ed25519FromSeed(deriveEd25519Seed(p, opts.context, version)) : publicKeyOf(p.type, keyEntry(p, version));
    return safely(() => nodeVerify(null, input, pub, sigBytes));
  }
  if (isRsa(p.type)) return verifyRsa(p.type, p, version, input, sigBytes, opts);
  throw new InternalError(`unsupported key type ${p.type}`);
}

function deriveEd25519Seed(p: Policy, context: Buffer | undefined, version: number): Buffer {
  try {
    return getKey(p, context, version, 32).subarray(0, 32);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`error deriving key: ${err.message}`);
    throw err;
  }
}

function safely(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// ECDSA

function signEcdsa(type: EcdsaType, p: Policy, version: number, input: Buffer, opts: SignatureOptions): Buffer {
  const entry = keyEntry(p, version);
  if (opts.prehashed || opts.hash === 'none') {
    if (entry.ecD === undefined) throw new UserError('requested version for signing does not contain a private part');
    const sig = signDigest(type, entry.ecD, input);
    return opts.marshaling === 'jws' ? encodeRaw(type, sig) : encodeDer(sig);
  }
  return nodeSign(HASH_ALGORITHMS[opts.hash].node, input, {
    key: privateKeyOf(type, entry),
    dsaEncoding: opts.marshaling === 'jws' ? 'ieee-p1363' : 'der',
  });
}

function verifyEcdsa(type: EcdsaType, p: Policy, version: number, input: Buffer, sigBytes: Buffer, opts: SignatureOptions): boolean {
  let sig;
  if (opts.marshaling === 'jws') {
    sig = decodeRaw(sigBytes);
  } else {
    const der = decodeDer(sigBytes);
    if (!der) throw new UserError('supplied signature is invalid');
    if (der.rest !== 0) throw new UserError('supplied signature contains extra data');
    sig = der.sig;
  }
  const entry = keyEntry(p, version);
  if (opts.prehashed || opts.hash === 'none') {
    if (entry.ecX === undefined || entry.ecY === undefined) throw new InternalError('key version has no public key');
    return verifyDigest(type, entry.ecX, entry.ecY, input, sig);
  }
  return safely(() => nodeVerify(HASH_ALGORITHMS[opts.hash as HashName].node, input, { key: publicKeyOf(type, entry), dsaEncoding: 'der' }, encodeDer(sig)));
}

// ---------------------------------------------------------------------------------------
// RSA

function rsaAlgorithm(opts: SignatureOptions): 'pss' | 'pkcs1v15' {
  const alg = opts.signatureAlgorithm === '' ? 'pss' : opts.signatureAlgorithm;
  if (alg !== 'pss' && alg !== 'pkcs1v15') throw new UserError(`unsupported rsa signature algorithm ${alg}`);
  return alg;
}

/** Checks Go's PSS salt bounds and maps the value to node:crypto's convention. */
function pssSaltLength(type: RsaType, hash: HashName, saltLength: number, signing: boolean): number {
  const max = Math.floor((rsaBits(type) - 1 + 7) / 8) - 2 - HASH_ALGORITHMS[hash].size;
  if (saltLength < -1 || saltLength > max) throw new UserError(`requested salt length ${saltLength} is invalid`);
  if (saltLength === 0) return signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO;
  if (saltLength === -1) return constants.RSA_PSS_SALTLEN_DIGEST;
  return saltLength;
}

function requireDigestLength(hash: HashName, input: Buffer): void {
  if (input.length !== HASH_ALGORITHMS[hash].size) throw new UserError('crypto/rsa: input must be hashed with given hash');
}

function signRsa(type: RsaType, p: Policy, version: number, input: Buffer, opts: SignatureOptions): Buffer {
  const key = privateKeyOf(type, keyEntry(p, version));
  const alg = rsaAlgorithm(opts);
  if (opts.hash === 'none') {
    // PKCS#1 v1.5 over the caller's bytes with no DigestInfo ("PKCSv1_5_NoOID").
    return rawPrivate(() => privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, input));
  }
  const hash = opts.hash;
  if (alg === 'pkcs1v15') {
    if (!opts.prehashed) return nodeSign(HASH_ALGORITHMS[hash].node, input, { key, padding: constants.RSA_PKCS1_PADDING });
    requireDigestLength(hash, input);
    const digestInfo = Buffer.concat([Buffer.from(HASH_ALGORITHMS[hash].digestInfo, 'hex'), input]);
    return rawPrivate(() => privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
  }
  const salt = pssSaltLength(type, hash, opts.saltLength, true);
  if (!opts.prehashed) {
    return nodeSign(HASH_ALGORITHMS[hash].node, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt });
  }
  requireDigestLength(hash, input);
  const modBits = rsaBits(type);
  const em = emsaPssEncode(input, modBits - 1, hash, opts.saltLength);
  const k = modBits / 8;
  const block = em.length < k ? Buffer.concat([Buffer.alloc(k - em.length), em]) : em;
  return rawPrivate(() => privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block));
}

function rawPrivate(fn: () => Buffer): Buffer {
  try {
    return fn();
  } catch {
    throw new UserError('crypto/rsa: message too long for RSA key size');
  }
}

function verifyRsa(type: RsaType, p: Policy, version: number, input: Buffer, sig: Buffer, opts: SignatureOptions): boolean {
  const key = publicKeyOf(type, keyEntry(p, version));
  const alg = rsaAlgorithm(opts);
  if (opts.hash === 'none' || (alg === 'pkcs1v15' && opts.prehashed)) {
    const expected =
      opts.hash === 'none' ? input : Buffer.concat([Buffer.from(HASH_ALGORITHMS[opts.hash].digestInfo, 'hex'), input]);
    return safely(() => {
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, sig);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    });
  }
  const hash = opts.hash;
  if (alg === 'pkcs1v15') return safely(() => nodeVerify(HASH_ALGORITHMS[hash].node, input, { key, padding: constants.RSA_PKCS1_PADDING }, sig));
  const salt = pssSaltLength(type, hash, opts.saltLength, false);
  if (!opts.prehashed) {
    return safely(() => nodeVerify(HASH_ALGORITHMS[hash].node, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }, sig));
  }
  if (input.length !== HASH_ALGORITHMS[hash].size) return false;
  const modBits = rsaBits(type);
  return safely(() => {
    const block = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, sig);
    const emLen = Math.ceil((modBits - 1) / 8);
    if (block.length > emLen && block.subarray(0, block.length - emLen).some((b) => b !== 0)) return false;
    return emsaPssVerify(input, block.subarray(block.length - emLen), modBits - 1, hash, opts.saltLength);
  });
}

// ---------------------------------------------------------------------------------------
// EMSA-PSS (RFC 8017 §9.1) for prehashed input

function mgf1(hash: HashName, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0; out.length * HASH_ALGORITHMS[hash].size < length; i++) {
    counter.writeUInt32BE(i, 0);
    out.push(createHash(HASH_ALGORITHMS[hash].node).update(seed).update(counter).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

function pssHash(hash: HashName, mHash: Buffer, salt: Buffer): Buffer {
  return createHash(HASH_ALGORITHMS[hash].node).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
}

/** `saltLength` in Go's convention (0 = as large as possible, -1 = hash length). */
export function emsaPssEncode(mHash: Buffer, emBits: number, hash: HashName, saltLength: number): Buffer {
  const hLen = HASH_ALGORITHMS[hash].size;
  const emLen = Math.ceil(emBits / 8);
  const sLen = saltLength === 0 ? emLen - hLen - 2 : saltLength === -1 ? hLen : saltLength;
  if (emLen < hLen + sLen + 2) throw new UserError('crypto/rsa: key size too small for PSS signature');
  const salt = randomBytes(sLen);
  const h = pssHash(hash, mHash, salt);
  const db = Buffer.concat([Buffer.alloc(emLen - sLen - hLen - 2), Buffer.of(1), salt]);
  const mask = mgf1(hash, h, emLen - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

export function emsaPssVerify(mHash: Buffer, em: Buffer, emBits: number, hash: HashName, saltLength: number): boolean {
  const hLen = HASH_ALGORITHMS[hash].size;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((maskedDb[0] ?? 0) & ~topMask) !== 0) return false;
  const mask = mgf1(hash, h, maskedDb.length);
  const db = Buffer.alloc(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & topMask;
  let sLen: number;
  if (saltLength === 0) {
    const one = db.findIndex((b) => b !== 0);
    if (one === -1 || db[one] !== 1) return false;
    sLen = db.length - one - 1;
  } else {
    sLen = saltLength === -1 ? hLen : saltLength;
    const sep = db.length - sLen - 1;
    if (sep < 0 || db[sep] !== 1 || db.subarray(0, sep).some((b) => b !== 0)) return false;
  }
  const expected = pssHash(hash, mHash, db.subarray(db.length - sLen));
  return timingSafeEqual(expected, h);
}
