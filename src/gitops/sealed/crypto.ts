/**
 * Sealed Secrets' hybrid encryption, byte for byte (`pkg/crypto/crypto.go`):
 *
 *   uint16be len(rsa) || RSA-OAEP(SHA-256, MGF1-SHA-256, label)(sessionKey) || AES-GCM(sessionKey, nonce=0^12)(plaintext) || tag
 *
 * The session key is 32 random bytes used once, which is why the all-zero nonce is safe.
 * Decryption accepts 16/24-byte session keys too, as Go's `aes.NewCipher` does.
 */
import { constants, createCipheriv, createDecipheriv, createHash, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';

export const SESSION_KEY_BYTES = 32;
const NONCE = Buffer.alloc(12);
const TAG_BYTES = 16;

export type HybridFailure = 'too-short' | 'oaep' | 'session-key' | 'gcm';

/** Why a blob did not open with one key (never carries key or plaintext material). */
export class HybridDecryptError extends Error {
  constructor(
    readonly reason: HybridFailure,
    message: string,
  ) {
    super(message);
    this.name = 'HybridDecryptError';
  }
}

/** Go's `ErrTooShort` text. */
export const ERR_TOO_SHORT = 'SealedSecret data is too short';

export function hybridEncrypt(publicKey: KeyObject, plaintext: Uint8Array, label: Uint8Array, sessionKey: Buffer = randomBytes(SESSION_KEY_BYTES)): Buffer {
  const rsa = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, sessionKey);
  if (rsa.length > 0xffff) throw new RangeError('RSA ciphertext longer than 65535 bytes');
  const cipher = createCipheriv(aesAlgorithm(sessionKey.length), sessionKey, NONCE);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  const header = Buffer.alloc(2);
  header.writeUInt16BE(rsa.length, 0);
  return Buffer.concat([header, rsa, body, final, cipher.getAuthTag()]);
}

/** The parts of a blob, or a `too-short` error (Go's length checks). */
export function splitHybrid(blob: Uint8Array): { rsa: Buffer; aes: Buffer } {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 2) throw new HybridDecryptError('too-short', ERR_TOO_SHORT);
  const rsaLen = buf.readUInt16BE(0);
  if (buf.length < rsaLen + 2) throw new HybridDecryptError('too-short', ERR_TOO_SHORT);
  return { rsa: buf.subarray(2, rsaLen + 2), aes: buf.subarray(rsaLen + 2) };
}

/** Recovers the session key (the RSA-OAEP step alone): used to tell a wrong label from a wrong key. */
export function unwrapSessionKey(privateKey: KeyObject, rsaCiphertext: Buffer, label: Uint8Array): Buffer {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, rsaCiphertext);
  } catch {
    throw new HybridDecryptError('oaep', 'crypto/rsa: decryption error');
  }
}

/** AES-GCM with the zero nonce and the trailing 16-byte tag. */
export function openPayload(sessionKey: Buffer, aesCiphertext: Buffer): Buffer {
  if (sessionKey.length !== 16 && sessionKey.length !== 24 && sessionKey.length !== 32) {
    throw new HybridDecryptError('session-key', `crypto/aes: invalid key size ${sessionKey.length}`);
  }
  if (aesCiphertext.length < TAG_BYTES) throw new HybridDecryptError('gcm', 'cipher: message authentication failed');
  const decipher = createDecipheriv(aesAlgorithm(sessionKey.length), sessionKey, NONCE);
  decipher.setAuthTag(aesCiphertext.subarray(aesCiphertext.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(aesCiphertext.subarray(0, aesCiphertext.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new HybridDecryptError('gcm', 'cipher: message authentication failed');
  }
}

export function hybridDecrypt(privateKey: KeyObject, blob: Uint8Array, label: Uint8Array): Buffer {
  const { rsa, aes } = splitHybrid(blob);
  return openPayload(unwrapSessionKey(privateKey, rsa, label), aes);
}

/**
 * Tries every key (there is no key id in the blob), like Go's `HybridDecrypt`. Throws the most
 * telling failure: `gcm` (the label and a key matched, the payload did not) over `oaep`.
 */
export function hybridDecryptAny(privateKeys: Iterable<KeyObject>, blob: Uint8Array, label: Uint8Array): Buffer {
  const { rsa, aes } = splitHybrid(blob);
  let failure: HybridDecryptError | undefined;
  for (const key of privateKeys) {
    // A ciphertext of another length cannot come from this key; skip the RSA work.
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits !== undefined && Math.ceil(bits / 8) !== rsa.length) {
      failure ??= new HybridDecryptError('oaep', 'crypto/rsa: decryption error');
      continue;
    }
    let sessionKey: Buffer;
    try {
      sessionKey = unwrapSessionKey(key, rsa, label);
    } catch (err) {
      failure ??= err as HybridDecryptError;
      continue;
    }
    try {
      return openPayload(sessionKey, aes);
    } catch (err) {
      failure = err as HybridDecryptError;
    }
  }
  throw failure ?? new HybridDecryptError('oaep', 'no private keys');
}

function aesAlgorithm(keyLength: number): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return keyLength === 16 ? 'aes-128-gcm' : keyLength === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

/**
 * `ssh.FingerprintSHA256` of an RSA public key (`SHA256:<unpadded base64>`), the key id the
 * controller and kubeseal use for their key maps.
 */
export function publicKeyFingerprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || jwk.n === undefined || jwk.e === undefined) throw new TypeError('not an RSA key');
  const mpint = (b64url: string): Buffer => {
    let bytes = Buffer.from(b64url, 'base64url');
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    bytes = bytes.subarray(i);
    if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return sshString(bytes);
  };
  const wire = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

function sshString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}
