/**
 * Key types, sizes and formats as Vault's certutil has them: generation with node:crypto
 * (off the event loop), the PEM/DER encodings Vault answers with, and the WebCrypto keys and
 * signature algorithms @peculiar/x509 signs with.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../../../shared/errors.js';
import type { SignAlgorithm, WebCryptoKey } from './x509.js';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

const RSA_BITS = [2048, 3072, 4096, 8192];
const EC_BITS = [224, 256, 384, 521];
const CURVE_OF: Record<number, string> = { 224: 'P-224', 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const BITS_OF_CURVE: Record<string, number> = { 'P-224': 224, 'P-256': 256, 'P-384': 384, 'P-521': 521, prime256v1: 256, secp224r1: 224, secp384r1: 384, secp521r1: 521 };
/** The hash Vault pairs with each NIST curve (certutil's expectedNISTPCurveHashBits). */
const EC_HASH_BITS: Record<number, number> = { 224: 256, 256: 256, 384: 384, 521: 512 };

export function isKeyType(value: string): value is KeyType {
  return value === 'rsa' || value === 'ec' || value === 'ed25519';
}

/**
 * Vault's `ValidateDefaultOrValueKeyTypeSignatureLength`: checks a key type and size and
 * fills in the defaults (RSA 2048, EC 256; SHA-256 for RSA, the curve's hash for EC).
 * `any` is allowed only where a CSR brings its own key (roles).
 */
export function normalizeKeyParams(
  keyType: string,
  keyBits: number,
  signatureBits = 0,
  allowAny = false,
): { keyType: KeyType | 'any'; keyBits: number; signatureBits: number } {
  if (keyType === 'any' && allowAny) return { keyType: 'any', keyBits: 0, signatureBits: signatureBits === 0 ? 256 : checkSigBits(signatureBits) };
  if (keyType === 'rsa') {
    const bits = keyBits === 0 ? 2048 : keyBits;
    if (bits < 2048) throw new UserError(`RSA keys < 2048 bits are unsafe and not supported: got ${bits}`);
    if (!RSA_BITS.includes(bits)) throw new UserError(`unsupported bit length for RSA key: ${bits}`);
    return { keyType, keyBits: bits, signatureBits: signatureBits === 0 ? 256 : checkSigBits(signatureBits) };
  }
  if (keyType === 'ec') {
    const bits = keyBits === 0 ? 256 : keyBits;
    if (!EC_BITS.includes(bits)) throw new UserError(`unsupported bit length for EC key: ${bits}`);
    return { keyType, keyBits: bits, signatureBits: signatureBits === 0 ? (EC_HASH_BITS[bits] ?? 256) : checkSigBits(signatureBits) };
  }
  if (keyType === 'ed25519') return { keyType, keyBits: 0, signatureBits: 0 };
  throw new UserError(`unknown key type ${keyType}`);
}

function checkSigBits(bits: number): number {
  if (bits !== 256 && bits !== 384 && bits !== 512) throw new UserError(`unsupported signature_bits: ${bits} (must be 256, 384 or 512)`);
  return bits;
}

const generate = promisify(generateKeyPair) as unknown as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

export async function generateKey(keyType: KeyType, keyBits: number): Promise<KeyObject> {
  switch (keyType) {
    case 'rsa':
      return (await generate('rsa', { modulusLength: keyBits, publicExponent: 0x10001 })).privateKey;
    case 'ec':
      return (await generate('ec', { namedCurve: CURVE_OF[keyBits] ?? 'P-256' })).privateKey;
    case 'ed25519':
      return (await generate('ed25519', {})).privateKey;
  }
}

export interface KeyInfo {
  keyType: KeyType;
  /** RSA modulus bits, EC curve bits, 0 for Ed25519. */
  keyBits: number;
}

/** Type and size of a key (private or public); throws a `UserError` for unsupported keys. */
export function describeKey(key: KeyObject): KeyInfo {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') return { keyType: 'rsa', keyBits: details.modulusLength ?? 0 };
  if (type === 'ec') {
    const bits = BITS_OF_CURVE[details.namedCurve ?? ''];
    if (bits === undefined) throw new UserError(`unsupported EC curve ${details.namedCurve ?? 'unknown'}`);
    return { keyType: 'ec', keyBits: bits };
  }
  if (type === 'ed25519') return { keyType: 'ed25519', keyBits: 0 };
  throw new UserError(`unsupported key type ${type ?? 'unknown'}`);
}

/** SubjectPublicKeyInfo DER of a private or public key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

export function publicKeyFromSpki(der: ArrayBuffer | Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)), format: 'der', type: 'spki' });
}

/** Stored form of a key: PKCS#8 PEM. */
export function toPkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Parses a private key in any PEM Vault accepts (PKCS#1, SEC1, PKCS#8); throws `UserError`. */
export function parsePrivateKeyPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new UserError('unable to parse private key');
  }
}

export type PrivateKeyFormat = '' | 'der' | 'pkcs8';

/**
 * A private key as Vault returns it: PKCS#1 (RSA) or SEC1 (EC) unless `pkcs8` is asked for
 * (Ed25519 only has PKCS#8); PEM, or base64 DER when `format` is `der`.
 */
export function exportPrivateKey(key: KeyObject, format: 'pem' | 'der' | 'pem_bundle', privateKeyFormat: PrivateKeyFormat): string {
  const { keyType } = describeKey(key);
  const type = privateKeyFormat === 'pkcs8' || keyType === 'ed25519' ? 'pkcs8' : keyType === 'rsa' ? 'pkcs1' : 'sec1';
  if (format === 'der') return key.export({ type, format: 'der' } as never).toString('base64');
  return (key.export({ type, format: 'pem' } as never) as Buffer | string).toString().trimEnd();
}

/** The WebCrypto parameters to import a signing key and to sign with it. */
export function signingParams(info: KeyInfo, signatureBits: number): { importAlg: Record<string, unknown>; signAlg: SignAlgorithm } {
  switch (info.keyType) {
    case 'rsa': {
      const hash = `SHA-${signatureBits || 256}`;
      return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash }, signAlg: { name: 'RSASSA-PKCS1-v1_5', hash } as SignAlgorithm };
    }
    case 'ec': {
      const curve = CURVE_OF[info.keyBits];
      if (curve === undefined || info.keyBits === 224) throw new UserError(`EC P-${info.keyBits} keys cannot sign certificates on this server; use P-256, P-384 or P-521`);
      const hash = `SHA-${EC_HASH_BITS[info.keyBits] ?? 256}`;
      return { importAlg: { name: 'ECDSA', namedCurve: curve }, signAlg: { name: 'ECDSA', hash } as SignAlgorithm };
    }
    case 'ed25519':
      return { importAlg: { name: 'Ed25519' }, signAlg: { name: 'Ed25519' } };
  }
}

/** Imports a stored PKCS#8 key as a non-extractable WebCrypto signing key. */
export async function importSigningKey(pkcs8Pem: string, importAlg: Record<string, unknown>): Promise<WebCryptoKey> {
  const der = createPrivateKey({ key: pkcs8Pem, format: 'pem' }).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, importAlg as never, false, ['sign']) as Promise<WebCryptoKey>;
}

/** The type name Vault reports for a key (`private_key_type`, `key_type`). */
export function keyTypeName(key: KeyObject): KeyType {
  return describeKey(key).keyType;
}
