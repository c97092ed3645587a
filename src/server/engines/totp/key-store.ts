/**
 * Stored TOTP keys (`key/<name>`, as in Vault) and the in-memory record of codes already
 * validated.
 */
import { type Storage, getJson, putJson } from '../../sdk/index.js';
import type { TotpAlgorithm } from './otp.js';

export const KEY_PREFIX = 'key/';

/** Vault's `framework.GenericNameWithAtRegex`. */
export const KEY_NAME_PATTERN = String.raw`\w(?:[\w\-.@]*\w)?`;

export interface KeyEntry {
  /** The shared secret: base32, upper case, unpadded. Never returned by a read. */
  readonly key: string;
  readonly issuer: string;
  readonly account_name: string;
  readonly period: number;
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  readonly skew: number;
}

export function readKey(storage: Storage, name: string): Promise<KeyEntry | null> {
  return getJson<KeyEntry>(storage, KEY_PREFIX + name);
}

export function writeKey(storage: Storage, name: string, entry: KeyEntry): Promise<void> {
  return putJson(storage, KEY_PREFIX + name, entry);
}

/**
 * Codes already submitted for validation, each remembered until it can no longer be valid
 * (Vault's `usedCodes` cache: `period * (2 + skew)` seconds). Kept in memory, per mount,
 * like Vault's: a restart forgets them.
 */
export class UsedCodes {
  private readonly expiries = new Map<string, number>();
  /** Sweep expired entries when the map grows past this size (then double it). */
  private sweepAt = 1024;

  constructor(private readonly now: () => number) {}

  /**
   * Records `code` for key `name` until `ttlMs` from now. Returns false, recording nothing,
   * when it is already recorded. Synchronous, so two concurrent requests cannot both pass.
   */
  claim(name: string, code: string, ttlMs: number): boolean {
    const id = `${name}\n${code}`;
    const now = this.now();
    const expiry = this.expiries.get(id);
    if (expiry !== undefined && expiry > now) return false;
    this.expiries.set(id, now + ttlMs);
    if (this.expiries.size >= this.sweepAt) {
      for (const [k, until] of this.expiries) if (until <= now) this.expiries.delete(k);
      this.sweepAt = Math.max(1024, this.expiries.size * 2);
    }
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }
}
