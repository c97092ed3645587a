/** Vault's hash algorithm names (`keysutil.HashTypeMap`) and their node:crypto equivalents. */
import { createHash } from 'node:crypto';

export const HASH_ALGORITHMS = {
  sha1: { node: 'sha1', size: 20, digestInfo: '3021300906052b0e03021a05000414' },
  'sha2-224': { node: 'sha224', size: 28, digestInfo: '302d300d06096086480165030402040500041c' },
  'sha2-256': { node: 'sha256', size: 32, digestInfo: '3031300d060960864801650304020105000420' },
  'sha2-384': { node: 'sha384', size: 48, digestInfo: '3041300d060960864801650304020205000430' },
  'sha2-512': { node: 'sha512', size: 64, digestInfo: '3051300d060960864801650304020305000440' },
  'sha3-224': { node: 'sha3-224', size: 28, digestInfo: '302d300d06096086480165030402070500041c' },
  'sha3-256': { node: 'sha3-256', size: 32, digestInfo: '3031300d060960864801650304020805000420' },
  'sha3-384': { node: 'sha3-384', size: 48, digestInfo: '3041300d060960864801650304020905000430' },
  'sha3-512': { node: 'sha3-512', size: 64, digestInfo: '3051300d060960864801650304020a05000440' },
} as const;

export type HashName = keyof typeof HASH_ALGORITHMS;

/** `none` is only meaningful for prehashed PKCS#1 v1.5 signatures. */
export type SignHashName = HashName | 'none';

export function isHashName(value: string): value is HashName {
  return Object.prototype.hasOwnProperty.call(HASH_ALGORITHMS, value);
}

export function isSignHashName(value: string): value is SignHashName {
  return value === 'none' || isHashName(value);
}

export function digest(name: HashName, data: Uint8Array): Buffer {
  return createHash(HASH_ALGORITHMS[name].node).update(data).digest();
}

/** Algorithms the `hash/` endpoint offers (SHA-1 is not among them, as in Vault). */
export const SUM_ALGORITHMS: readonly HashName[] = ['sha2-224', 'sha2-256', 'sha2-384', 'sha2-512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512'];
