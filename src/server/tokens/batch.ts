/**
 * Batch tokens: `hvb.` + base64url of an encrypted, self-contained token entry. Nothing is
 * written to storage; the server only needs the key to read one back. Vault encrypts a
 * protobuf with the barrier's keyring; Coffer encrypts compact JSON with AES-256-GCM under
 * a key the composition root derives (or with an encrypt/decrypt pair it supplies).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InternalError } from '../../shared/errors.js';

export const BATCH_TOKEN_PREFIX = 'hvb.';

/** Encrypts and authenticates batch-token blobs. `decrypt` throws on any tampering. */
export interface BatchTokenCrypto {
  encrypt(plaintext: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decrypt(sealed: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('coffer/batch-token/v1');

/** AES-256-GCM over `version(1) | nonce(12) | ciphertext | tag(16)`, bound to a fixed AAD. */
export function aesGcmBatchCrypto(key: Uint8Array): BatchTokenCrypto {
  if (key.length !== 32) throw new InternalError('batch token key must be 32 bytes');
  const k = Buffer.from(key);
  return {
    encrypt(plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, nonce);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, body, cipher.getAuthTag()]);
    },
    decrypt(sealed) {
      if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION) {
        throw new Error('malformed batch token');
      }
      const buf = Buffer.from(sealed);
      const nonce = buf.subarray(1, 1 + NONCE_BYTES);
      const tag = buf.subarray(buf.length - TAG_BYTES);
      const body = buf.subarray(1 + NONCE_BYTES, buf.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', k, nonce);
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    },
  };
}

/** What a batch token carries (short keys keep the token small). */
export interface BatchPayload {
  /** policies */
  p: string[];
  /** parent token hash ('' = orphan) */
  pa: string;
  /** path */
  pt: string;
  /** meta */
  m: Record<string, string> | null;
  /** display name */
  d: string;
  /** creation time, unix ms */
  c: number;
  /** ttl, seconds */
  t: number;
  /** role */
  r?: string;
  /** entity id */
  e?: string;
  /** bound CIDRs */
  b?: string[];
}

export async function sealBatchToken(crypto: BatchTokenCrypto, payload: BatchPayload): Promise<string> {
  const sealed = await crypto.encrypt(Buffer.from(JSON.stringify(payload), 'utf8'));
  return BATCH_TOKEN_PREFIX + Buffer.from(sealed).toString('base64url');
}

/** The payload, or null when the token is malformed, tampered with, or sealed by another key. */
export async function openBatchToken(crypto: BatchTokenCrypto, token: string): Promise<BatchPayload | null> {
  if (!token.startsWith(BATCH_TOKEN_PREFIX)) return null;
  const body = token.slice(BATCH_TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return null;
  let plain: Uint8Array;
  try {
    plain = await crypto.decrypt(Buffer.from(body, 'base64url'));
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(plain).toString('utf8'));
  } catch {
    return null;
  }
  return isBatchPayload(parsed) ? parsed : null;
}

function isBatchPayload(v: unknown): v is BatchPayload {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    Array.isArray(o['p']) &&
    typeof o['pa'] === 'string' &&
    typeof o['pt'] === 'string' &&
    typeof o['d'] === 'string' &&
    typeof o['c'] === 'number' &&
    typeof o['t'] === 'number' &&
    (o['m'] === null || (typeof o['m'] === 'object' && !Array.isArray(o['m'])))
  );
}
