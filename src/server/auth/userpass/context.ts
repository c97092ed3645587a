import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import { LockoutTracker } from './lockout.js';
import { DummyVerifier, type ScryptParams } from './password.js';

/** Per-mount state shared by the userpass paths. */
export interface UserpassContext {
  /** Epoch milliseconds. */
  now: () => number;
  /** Parameters for new password hashes (older, weaker records are upgraded at login). */
  kdf: ScryptParams;
  dummy: DummyVerifier;
  /** Serialises read-modify-write of one user's entry. */
  users: KeyedMutex;
  lockout: LockoutTracker;
}

export function createContext(now: () => number, kdf: ScryptParams): UserpassContext {
  return { now, kdf, dummy: new DummyVerifier(kdf), users: new KeyedMutex(), lockout: new LockoutTracker(now) };
}

/** Vault's `framework.GenericNameRegex`: word characters, `-` and `.`, not at either end. */
export const USERNAME_PATTERN = String.raw`\w(?:[\w.-]*\w)?`;
