/**
 * Encrypt and decrypt with a policy, byte-compatible with Vault's keysutil
 * (`EncryptWithFactory`, `SymmetricEncryptRaw`, `DecryptWithFactory`):
 *
 *   vault:v<N>:base64(nonce(12) ‖ ciphertext ‖ tag(16))    AES-GCM and ChaCha20-Poly1305
 *   vault:v<N>:base64(RSA-OAEP-SHA256(plaintext))           RSA keys
 *
 * Errors are `UserError`s carrying Vault's texts (Go's own for AEAD failures).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type CipherChaCha20Poly1305,
  type CipherGCM,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
} from 'node:crypto';
import { InternalError, UserError } from '../../../shared/errors.js';
import { decodeStd, encodeStd } from './b64.js';
import { getKey } from './kdf.js';
import { isRsa, isSymmetric, supportsDecryption, supportsEncryption, symmetricKeyBytes, type SymmetricType } from './key-types.js';
import {
  ERR_TOO_OLD,
  convergentVersionOf,
  keyEntry,
  privateKeyOf,
  publicKeyOf,
  templateParts,
  versionPrefix,
  type Policy,
} from './policy.js';

const NONCE_SIZE = 12;
const TAG_SIZE = 16;

export interface EncryptInput {
  /** 0 = latest. */
  version: number;
  /** Base64, as sent by the client. */
  plaintext: string;
  context?: Buffer | undefined;
  /** Only for legacy (version 1) convergent keys. */
  nonce?: Buffer | undefined;
  associatedData?: Buffer | undefined;
}

export interface DecryptInput {
  ciphertext: string;
  context?: Buffer | undefined;
  nonce?: Buffer | undefined;
  associatedData?: Buffer | undefined;
}

/** Resolves and checks the version to encrypt (or sign) with. */
export function encryptionVersion(p: Policy, requested: number): number {
  if (requested === 0) return p.latestVersion;
  if (requested < 0) throw new UserError('requested version for encryption is negative');
  if (requested > p.latestVersion) throw new UserError('requested version for encryption is higher than the latest key version');
  if (requested < p.minEncryptionVersion) throw new UserError('requested version for encryption is less than the minimum encryption key version');
  return requested;
}

/** Whether a caller-supplied nonce may be used (only legacy v1 convergent keys). */
export function nonceAllowed(p: Policy): boolean {
  return isSymmetric(p.type) && p.convergentEncryption && p.convergentVersion === 1;
}

export function encrypt(p: Policy, input: EncryptInput): { ciphertext: string; version: number } {
  if (!supportsEncryption(p.type)) throw new UserError(`message encryption not supported for key type ${p.type}`);
  const plaintext = decodeStd(input.plaintext);
  const version = encryptionVersion(p, input.version);
  let body: Buffer;
  if (isSymmetric(p.type)) {
    body = encryptSymmetric(p, p.type, version, plaintext, input);
  } else if (isRsa(p.type)) {
    const entry = keyEntry(p, version);
    try {
      body = publicEncrypt({ key: publicKeyOf(p.type, entry), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
    } catch {
      throw new UserError('failed to RSA encrypt the plaintext: crypto/rsa: message too long for RSA key size');
    }
  } else {
    throw new InternalError(`unsupported key type ${p.type}`);
  }
  return { ciphertext: versionPrefix(p, version) + encodeStd(body), version };
}

function encryptSymmetric(p: Policy, type: SymmetricType, version: number, plaintext: Buffer, input: EncryptInput): Buffer {
  const encBytes = symmetricKeyBytes(type);
  const cv = convergentVersionOf(p, version);
  const nonceGiven = input.nonce !== undefined && input.nonce.length > 0;
  let hmacBytes = 0;
  if (cv > 2) {
    hmacBytes = 32;
    if (nonceGiven) throw new UserError('nonce provided when not allowed');
  } else if (nonceGiven && (!p.convergentEncryption || cv !== 1)) {
    throw new UserError('nonce provided when not allowed');
  }
  const key = getKey(p, input.context, version, encBytes + hmacBytes);
  if (key.length < encBytes + hmacBytes) throw new InternalError('could not derive key, length too small');
  const encKey = key.subarray(0, encBytes);
  // Convergent v3 derives its nonce key with the encryption key; v2 used the context itself.
  const nonceKey = hmacBytes > 0 ? key.subarray(encBytes, encBytes + hmacBytes) : input.context;

  let nonce: Buffer;
  if (p.convergentEncryption) {
    if (cv === 1) {
      if (!input.nonce || input.nonce.length !== NONCE_SIZE) {
        throw new UserError(`base64-decoded nonce must be ${NONCE_SIZE} bytes long when using convergent encryption with this key`);
      }
      nonce = input.nonce;
    } else if (cv === 2 || cv === 3) {
      if (!nonceKey || nonceKey.length === 0) throw new InternalError('invalid hmac key length of zero');
      nonce = createHmac('sha256', nonceKey).update(plaintext).digest().subarray(0, NONCE_SIZE);
    } else {
      throw new InternalError(`unhandled convergent version ${cv}`);
    }
  } else {
    nonce = randomBytes(NONCE_SIZE);
  }
  const sealed = seal(type, encKey, nonce, plaintext, input.associatedData);
  // Legacy v1 convergent ciphertexts do not carry the nonce: the caller keeps it.
  return !p.convergentEncryption || cv > 1 ? Buffer.concat([nonce, sealed]) : sealed;
}

function newCipher(type: SymmetricType, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  if (type === 'chacha20-poly1305') return createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_SIZE });
  return createCipheriv(type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
}

function newDecipher(type: SymmetricType, key: Uint8Array, nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
  if (type === 'chacha20-poly1305') return createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_SIZE });
  return createDecipheriv(type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
}

export function seal(type: SymmetricType, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer {
  const cipher = newCipher(type, key, nonce);
  if (aad && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const out = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return out;
}

/** Go's AEAD `Open`: the error text is the cipher package's own. */
export function open(type: SymmetricType, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  const failure = type === 'chacha20-poly1305' ? 'chacha20poly1305: message authentication failed' : 'cipher: message authentication failed';
  if (sealed.length < TAG_SIZE) throw new UserError(failure);
  const body = sealed.subarray(0, sealed.length - TAG_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  try {
    const decipher = newDecipher(type, key, nonce);
    decipher.setAuthTag(tag);
    if (aad && aad.length > 0) decipher.setAAD(aad, { plaintextLength: body.length });
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new UserError(failure);
  }
}

/** Splits `vault:v<N>:<payload>` per the policy's template; the "too old/new" checks are the caller's. */
export function parseVersioned(p: Policy, value: string, what: 'ciphertext' | 'signature'): { version: number; payload: string } {
  const [prefix, separator] = templateParts(p);
  if (!value.startsWith(prefix)) throw new UserError(`invalid ${what}: no prefix`);
  const rest = value.slice(prefix.length);
  const at = separator === '' ? -1 : rest.indexOf(separator);
  if (at === -1) throw new UserError(`invalid ${what}: wrong number of fields`);
  const versionText = rest.slice(0, at);
  // Go's strconv.Atoi: optional sign, decimal digits, within int64.
  if (!/^[+-]?\d{1,18}$/.test(versionText)) throw new UserError(`invalid ${what}: version number could not be decoded`);
  return { version: Number(versionText), payload: rest.slice(at + separator.length) };
}

export function decrypt(p: Policy, input: DecryptInput): string {
  if (!supportsDecryption(p.type)) throw new UserError(`message decryption not supported for key type ${p.type}`);
  const parsed = parseVersioned(p, input.ciphertext, 'ciphertext');
  let version = parsed.version;
  // Compatibility with the first releases, whose versions started at zero.
  if (version === 0) version = 1;
  if (version > p.latestVersion) throw new UserError('invalid ciphertext: version is too new');
  if (p.minDecryptionVersion > 0 && version < p.minDecryptionVersion) throw new UserError(ERR_TOO_OLD);
  const cv = convergentVersionOf(p, version);
  if (cv === 1 && (!input.nonce || input.nonce.length === 0)) throw new UserError('invalid convergent nonce supplied');
  let decoded: Buffer;
  try {
    decoded = decodeStd(parsed.payload);
  } catch {
    throw new UserError('invalid ciphertext: could not decode base64');
  }

  let plain: Buffer;
  if (isSymmetric(p.type)) {
    const numBytes = symmetricKeyBytes(p.type);
    const encKey = getKey(p, input.context, version, numBytes);
    if (encKey.length !== numBytes) throw new InternalError('could not derive enc key, length not correct');
    if (decoded.length < NONCE_SIZE) throw new UserError('invalid ciphertext length');
    // Legacy v1 convergent ciphertexts carry no nonce (the policy-wide version decides, as in Vault).
    if (p.convergentEncryption && p.convergentVersion === 1) {
      plain = open(p.type, encKey, input.nonce ?? Buffer.alloc(0), decoded, input.associatedData);
    } else {
      plain = open(p.type, encKey, decoded.subarray(0, NONCE_SIZE), decoded.subarray(NONCE_SIZE), input.associatedData);
    }
  } else if (isRsa(p.type)) {
    const entry = keyEntry(p, version);
    try {
      plain = privateDecrypt({ key: privateKeyOf(p.type, entry), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, decoded);
    } catch {
      throw new UserError('failed to RSA decrypt the ciphertext: crypto/rsa: decryption error');
    }
  } else {
    throw new InternalError(`unsupported key type ${p.type}`);
  }
  return encodeStd(plain);
}

/** HMAC key of a version: the key itself for `hmac` keys, else the version's own HMAC key. */
export function hmacKeyOf(p: Policy, version: number): Buffer {
  if (version < 0) throw new UserError('key version does not exist (cannot be negative)');
  if (version > p.latestVersion) throw new UserError(`key version does not exist; latest key version is ${p.latestVersion}`);
  const entry = keyEntry(p, version);
  const key = p.type === 'hmac' ? entry.key : entry.hmacKey;
  if (!key) throw new UserError('no HMAC key exists for that key version');
  return key;
}
