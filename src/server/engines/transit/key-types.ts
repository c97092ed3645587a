/**
 * Transit key types. The numeric codes are Vault's `keysutil.KeyType` values: they are what
 * a stored policy and a backup carry in `type`, so they must never be renumbered.
 */
export const KEY_TYPE_CODES = {
  'aes256-gcm96': 0,
  'ecdsa-p256': 1,
  ed25519: 2,
  'rsa-2048': 3,
  'rsa-4096': 4,
  'chacha20-poly1305': 5,
  'ecdsa-p384': 6,
  'ecdsa-p521': 7,
  'aes128-gcm96': 8,
  'rsa-3072': 9,
  // 10 is Vault Enterprise's managed_key, not supported here.
  hmac: 11,
} as const;

export type KeyTypeName = keyof typeof KEY_TYPE_CODES;

export const KEY_TYPE_NAMES = Object.keys(KEY_TYPE_CODES) as KeyTypeName[];

export function keyTypeFromCode(code: number): KeyTypeName | undefined {
  return KEY_TYPE_NAMES.find((name) => KEY_TYPE_CODES[name] === code);
}

export function isKeyTypeName(value: string): value is KeyTypeName {
  return Object.prototype.hasOwnProperty.call(KEY_TYPE_CODES, value);
}

export type SymmetricType = 'aes128-gcm96' | 'aes256-gcm96' | 'chacha20-poly1305';
export type EcdsaType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521';
export type RsaType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

export function isSymmetric(t: KeyTypeName): t is SymmetricType {
  return t === 'aes128-gcm96' || t === 'aes256-gcm96' || t === 'chacha20-poly1305';
}

export function isEcdsa(t: KeyTypeName): t is EcdsaType {
  return t === 'ecdsa-p256' || t === 'ecdsa-p384' || t === 'ecdsa-p521';
}

export function isRsa(t: KeyTypeName): t is RsaType {
  return t === 'rsa-2048' || t === 'rsa-3072' || t === 'rsa-4096';
}

export function supportsEncryption(t: KeyTypeName): boolean {
  return isSymmetric(t) || isRsa(t);
}

export function supportsDecryption(t: KeyTypeName): boolean {
  return supportsEncryption(t);
}

export function supportsSigning(t: KeyTypeName): boolean {
  return isEcdsa(t) || isRsa(t) || t === 'ed25519';
}

/** Signature input is hashed first (ed25519 signs the message itself). */
export function hashesSignatureInput(t: KeyTypeName): boolean {
  return isEcdsa(t) || isRsa(t);
}

export function supportsDerivation(t: KeyTypeName): boolean {
  return isSymmetric(t) || t === 'ed25519';
}

export function supportsAssociatedData(t: KeyTypeName): boolean {
  return isSymmetric(t);
}

export function rsaBits(t: RsaType): number {
  return t === 'rsa-2048' ? 2048 : t === 'rsa-3072' ? 3072 : 4096;
}

export const CURVES: Record<EcdsaType, { nodeName: string; jwkCrv: string; bits: number; bytes: number }> = {
  'ecdsa-p256': { nodeName: 'prime256v1', jwkCrv: 'P-256', bits: 256, bytes: 32 },
  'ecdsa-p384': { nodeName: 'secp384r1', jwkCrv: 'P-384', bits: 384, bytes: 48 },
  'ecdsa-p521': { nodeName: 'secp521r1', jwkCrv: 'P-521', bits: 521, bytes: 66 },
};

/** Key length of a symmetric type, in bytes. */
export function symmetricKeyBytes(t: SymmetricType): number {
  return t === 'aes128-gcm96' ? 16 : 32;
}

export const HMAC_MIN_KEY_SIZE = 32;
export const HMAC_MAX_KEY_SIZE = 512;
