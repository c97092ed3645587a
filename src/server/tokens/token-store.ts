/**
 * The token store, minimal for now: root tokens (from `sys/init` or dev mode) exist and
 * are looked up. Tokens are stored only as an HMAC under a per-server salt, so the raw
 * database never holds a usable token. The full store (children, TTLs, roles, batch
 * tokens) builds on this.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../../shared/random.js';
import type { Storage } from '../sdk/index.js';
import { getJson, putJson } from '../sdk/index.js';

export interface TokenEntry {
  accessor: string;
  policies: string[];
  display_name: string;
  creation_time: number;
  ttl: number;
  path: string;
  meta: Record<string, string> | null;
  orphan: boolean;
  type: 'service';
}

const SALT_KEY = 'salt';

export interface TokenStore {
  /** Creates a root token; `id` lets dev mode use a chosen token (`-dev-root-token-id`). */
  createRootToken(id?: string): Promise<string>;
  lookup(token: string): Promise<TokenEntry | null>;
  /** Forget cached lookups (on seal). */
  reset(): void;
}

export function createTokenStore(storage: Storage): TokenStore {
  let salt: Buffer | null = null;
  // Cache keyed by the token's HMAC, not the token, so a heap dump of the cache alone
  // does not yield usable tokens.
  const cache = new Map<string, TokenEntry | null>();

  async function getSalt(): Promise<Buffer> {
    if (salt) return salt;
    const stored = await storage.get(SALT_KEY);
    if (stored) {
      salt = Buffer.from(stored);
    } else {
      salt = randomBytes(32);
      await storage.put(SALT_KEY, salt);
    }
    return salt;
  }

  function hashToken(s: Buffer, token: string): string {
    return createHmac('sha256', s).update(token).digest('hex');
  }

  return {
    async createRootToken(id) {
      const token = id ?? `hvs.${randomBase62(24)}`;
      const s = await getSalt();
      const hash = hashToken(s, token);
      const entry: TokenEntry = {
        accessor: randomBase62(24),
        policies: ['root'],
        display_name: 'root',
        creation_time: Math.floor(Date.now() / 1000),
        ttl: 0,
        path: 'auth/token/root',
        meta: null,
        orphan: true,
        type: 'service',
      };
      await putJson(storage, `id/${hash}`, { ...entry, hash });
      cache.set(hash, entry);
      return token;
    },

    async lookup(token) {
      if (token === '' || token.length > 1024) return null;
      const s = await getSalt();
      const hash = hashToken(s, token);
      const cached = cache.get(hash);
      if (cached !== undefined) return cached;
      const stored = await getJson<TokenEntry & { hash: string }>(storage, `id/${hash}`);
      // Constant-time confirmation that the stored record is the one we derived.
      const entry =
        stored && timingSafeEqual(Buffer.from(stored.hash, 'hex'), Buffer.from(hash, 'hex'))
          ? (({ hash: _h, ...rest }) => rest)(stored)
          : null;
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, entry);
      return entry;
    },

    reset() {
      salt = null;
      cache.clear();
    },
  };
}
