/**
 * The unseal-progress state machine behind `sys/unseal` (Vault's `unlockInformation`,
 * `recordUnsealPart` and `getUnsealKey` in `vault/core.go`):
 *
 * - key shares arrive one at a time, from any client; progress lives in memory only;
 * - the first share of a round starts it with a fresh UUID nonce; a share already given in this
 *   round (constant-time comparison) leaves progress unchanged;
 * - at `threshold` shares the round ends: the shares are combined into a candidate root key and
 *   progress resets whether or not that key turns out to be right. The caller hands the candidate
 *   to the barrier; if the barrier refuses it, the caller answers 400 "invalid key".
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import { InvalidUnsealKeyError, ROOT_KEY_BYTES, SHARE_OVERHEAD, combineShares, validateShamirConfig } from './shamir.js';

/** Vault's `BarrierKeyLength()`: AES-128 up to AES-256 plus the Shamir x-coordinate byte. */
export const MIN_UNSEAL_KEY_BYTES = 16;
export const MAX_UNSEAL_KEY_BYTES = ROOT_KEY_BYTES + SHARE_OVERHEAD;

const INVALID_ENCODING = "'key' must be a valid hex or base64 string";
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an unseal key as `http/sys_seal.go` does: hex when the string is hex that decodes to
 * 16–33 bytes (so 64-char keys and 66-char shares), otherwise standard padded base64 (line breaks
 * ignored, like Go's decoder). Anything else → UserError `'key' must be a valid hex or base64 string`.
 * Rejecting an empty `key` field is the HTTP handler's job; '' decodes to zero bytes here and then
 * fails the length check in `submit`.
 */
export function decodeUnsealKey(input: string): Uint8Array {
  if (HEX.test(input)) {
    const bytes = input.length / 2;
    if (bytes >= MIN_UNSEAL_KEY_BYTES && bytes <= MAX_UNSEAL_KEY_BYTES) {
      return new Uint8Array(Buffer.from(input, 'hex'));
    }
  }
  const compact = input.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) throw new UserError(INVALID_ENCODING);
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

export interface UnsealProgress {
  /** Distinct shares collected in the current round (0 once a round completes). */
  progress: number;
  /** Present when this share completed the round: the combined candidate root key. */
  rootKey?: Uint8Array;
}

export interface ShamirUnsealer {
  readonly shares: number;
  readonly threshold: number;
  /** Distinct shares collected so far in this round. */
  readonly progress: number;
  /** The round's UUID; '' when no round is in progress. */
  readonly nonce: string;
  /**
   * Adds one share (bytes, see `decodeUnsealKey`). Keys outside 16–33 bytes throw
   * `InvalidUnsealKeyError` without touching progress; a duplicate returns progress unchanged.
   * At the threshold, resolves with the candidate `rootKey` and resets; shares that cannot be
   * combined reject with `InvalidUnsealKeyError` (the round is reset as well).
   */
  submit(key: Uint8Array): Promise<UnsealProgress>;
  /** Drops (and zeroes) the shares collected so far. */
  reset(): void;
}

export function createShamirUnsealer(config: { shares: number; threshold: number }): ShamirUnsealer {
  const { shares, threshold } = config;
  validateShamirConfig(shares, threshold);
  let parts: Uint8Array[] = [];
  let nonce = '';

  function reset(): void {
    for (const part of parts) part.fill(0);
    parts = [];
    nonce = '';
  }

  return {
    shares,
    threshold,
    get progress(): number {
      return parts.length;
    },
    get nonce(): string {
      return nonce;
    },
    reset,

    async submit(key: Uint8Array): Promise<UnsealProgress> {
      if (key.byteLength < MIN_UNSEAL_KEY_BYTES) {
        throw new InvalidUnsealKeyError(`key is shorter than minimum ${MIN_UNSEAL_KEY_BYTES} bytes`);
      }
      if (key.byteLength > MAX_UNSEAL_KEY_BYTES) {
        throw new InvalidUnsealKeyError(`key is longer than maximum ${MAX_UNSEAL_KEY_BYTES} bytes`);
      }
      for (const part of parts) {
        if (part.byteLength === key.byteLength && timingSafeEqual(part, key)) return { progress: parts.length };
      }
      if (parts.length === 0) nonce = randomUUID();
      parts.push(new Uint8Array(key));
      if (parts.length < threshold) return { progress: parts.length };

      // Round complete: take the shares and reset before awaiting, so a share arriving meanwhile
      // starts a new round instead of joining this one.
      const round = parts;
      parts = [];
      nonce = '';
      try {
        const rootKey = await combineShares(round);
        return { progress: 0, rootKey };
      } finally {
        for (const part of round) part.fill(0);
      }
    },
  };
}
