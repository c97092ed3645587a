/**
 * User lockout (Vault 1.13+, `user_lockout_config` on the auth mount): after
 * `lockout_threshold` failed logins — each within `lockout_counter_reset` of the previous
 * one — the user is locked for `lockout_duration`; a successful login clears the count.
 * While locked, logins are refused with `permission denied` before the password is checked,
 * as Vault does. Only failures for existing users are counted (Vault's ErrInvalidCredentials).
 *
 * The counts live in the mount's storage (`lockout/<username>`), so they survive restarts,
 * and `sys/locked-users` can list and unlock users through `listLockedUsers` / `unlockUser`.
 *
 * Unlike Vault, concurrent attempts cannot overshoot the threshold: at most as many
 * attempts per user as failures remain before the lock are checked at once; the others wait
 * for a result and are then admitted or refused.
 */
import { PermissionDeniedError } from '../../../shared/errors.js';
import { parseDurationSeconds } from '../../../shared/duration.js';
import { getJson, parseBool, putJson, type MountView, type Storage } from '../../sdk/index.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';

export const LOCKOUT_PREFIX = 'lockout/';

export interface LockoutConfig {
  threshold: number;
  durationMs: number;
  counterResetMs: number;
  disabled: boolean;
}

export const DEFAULT_LOCKOUT_CONFIG: Readonly<LockoutConfig> = Object.freeze({
  threshold: 5,
  durationMs: 15 * 60_000,
  counterResetMs: 15 * 60_000,
  disabled: false,
});

/** What is stored per user with recent failures. Times are epoch milliseconds. */
export interface LockoutRecord {
  count: number;
  last_failed_at: number;
  /** Set when the count reached the threshold. */
  locked_until?: number;
}

function pick(raw: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) {
    const value = raw[name];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

function positiveInt(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function positiveDurationMs(value: unknown, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  try {
    const seconds = parseDurationSeconds(value);
    return seconds > 0 ? seconds * 1000 : fallbackMs;
  } catch {
    return fallbackMs;
  }
}

function flag(value: unknown): boolean {
  if (value === undefined) return false;
  try {
    return parseBool(value);
  } catch {
    return false;
  }
}

/**
 * The effective settings from a mount's `user_lockout_config`. Missing, zero or unreadable
 * values fall back to Vault's defaults (5 attempts, 15m, 15m). Accepts the tune request
 * names (`lockout_threshold`, `lockout_duration`, `lockout_counter_reset`,
 * `lockout_disable`), the config-file name `disable_lockout` and the tune-read names
 * (`user_lockout_*`). Numbers are seconds; strings may be Go durations (`"15m"`).
 */
export function lockoutConfigFrom(raw: unknown): LockoutConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ...DEFAULT_LOCKOUT_CONFIG };
  const cfg = raw as Record<string, unknown>;
  return {
    threshold: positiveInt(pick(cfg, ['lockout_threshold', 'user_lockout_threshold']), DEFAULT_LOCKOUT_CONFIG.threshold),
    durationMs: positiveDurationMs(pick(cfg, ['lockout_duration', 'user_lockout_duration']), DEFAULT_LOCKOUT_CONFIG.durationMs),
    counterResetMs: positiveDurationMs(
      pick(cfg, ['lockout_counter_reset', 'lockout_counter_reset_duration', 'user_lockout_counter_reset_duration']),
      DEFAULT_LOCKOUT_CONFIG.counterResetMs,
    ),
    disabled: flag(pick(cfg, ['disable_lockout', 'lockout_disable', 'user_lockout_disable'])),
  };
}

/** The live settings of the mount a request came in on. */
export function mountLockoutConfig(mount: MountView): LockoutConfig {
  return lockoutConfigFrom(mount.config?.()?.['user_lockout_config']);
}

function recordKey(username: string): string {
  return LOCKOUT_PREFIX + username.toLowerCase();
}

async function readRecord(storage: Storage, username: string): Promise<LockoutRecord | null> {
  const rec = await getJson<LockoutRecord>(storage, recordKey(username));
  if (rec === null || typeof rec.count !== 'number' || typeof rec.last_failed_at !== 'number') return null;
  return rec;
}

function isLocked(rec: LockoutRecord | null, now: number): boolean {
  return rec?.locked_until !== undefined && now < rec.locked_until;
}

/** Failures that still count: none once `counter_reset` has passed since the last one. */
function liveCount(rec: LockoutRecord | null, config: LockoutConfig, now: number): number {
  if (rec === null || now > rec.last_failed_at + config.counterResetMs) return 0;
  return rec.count;
}

/** One admitted login attempt; report its outcome, then `release` it (idempotent). */
export interface LoginAttempt {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
  release(): void;
}

/** Per-mount lockout state in memory: serialises record updates and bounds in-flight attempts. */
export class LockoutTracker {
  private readonly mutex = new KeyedMutex();
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly now: () => number) {}

  /** Admits an attempt for `username`, or throws `permission denied` while the user is locked. */
  async begin(storage: Storage, username: string, config: LockoutConfig): Promise<LoginAttempt> {
    for (;;) {
      let wake: Promise<void> | null = null;
      const verdict = await this.mutex.run(username, async () => {
        const rec = await readRecord(storage, username);
        const t = this.now();
        if (isLocked(rec, t)) return 'locked' as const;
        const running = this.inFlight.get(username) ?? 0;
        // After a lock expires the count may still be at the threshold (until the counter
        // resets): one attempt at a time then, and its failure locks the user again.
        const slots = Math.max(1, config.threshold - liveCount(rec, config, t));
        if (running < slots) {
          this.inFlight.set(username, running + 1);
          return 'admitted' as const;
        }
        // Registered synchronously with the decision, so no release can be missed.
        wake = new Promise<void>((resolve) => {
          const set = this.waiters.get(username) ?? new Set<() => void>();
          set.add(resolve);
          this.waiters.set(username, set);
        });
        return 'wait' as const;
      });
      if (verdict === 'locked') throw new PermissionDeniedError();
      if (verdict === 'admitted') return this.attempt(storage, username, config);
      await wake;
    }
  }

  private attempt(storage: Storage, username: string, config: LockoutConfig): LoginAttempt {
    let released = false;
    return {
      failed: () =>
        this.mutex.run(username, async () => {
          const rec = await readRecord(storage, username);
          const t = this.now();
          const count = liveCount(rec, config, t) + 1;
          const next: LockoutRecord = { count, last_failed_at: t };
          if (count >= config.threshold) next.locked_until = t + config.durationMs;
          await putJson(storage, recordKey(username), next);
        }),
      succeeded: () =>
        this.mutex.run(username, async () => {
          if ((await storage.get(recordKey(username))) !== null) await storage.delete(recordKey(username));
        }),
      release: () => {
        if (released) return;
        released = true;
        const running = (this.inFlight.get(username) ?? 1) - 1;
        if (running > 0) this.inFlight.set(username, running);
        else this.inFlight.delete(username);
        const set = this.waiters.get(username);
        if (set) {
          this.waiters.delete(username);
          for (const resolve of set) resolve();
        }
      },
    };
  }

  /** Attempts being checked right now (for tests). */
  inFlightCount(username: string): number {
    return this.inFlight.get(username) ?? 0;
  }
}

/**
 * Usernames locked at `now` (epoch ms) in a userpass mount's storage, sorted — the
 * `alias_identifiers` of `GET sys/locked-users` for that mount's accessor.
 */
export async function listLockedUsers(storage: Storage, now: number = Date.now()): Promise<string[]> {
  const locked: string[] = [];
  for (const name of await storage.list(LOCKOUT_PREFIX)) {
    if (name.endsWith('/')) continue;
    if (isLocked(await readRecord(storage, name), now)) locked.push(name);
  }
  return locked.sort();
}

/**
 * Clears a user's failed-login record (`POST sys/locked-users/:accessor/unlock/:name`).
 * Idempotent; returns whether there was a record.
 */
export async function unlockUser(storage: Storage, username: string): Promise<boolean> {
  const key = recordKey(username);
  if ((await storage.get(key)) === null) return false;
  await storage.delete(key);
  return true;
}
