/**
 * The TOTP secrets engine (Vault's `totp` plugin): stores TOTP keys (generated here or
 * imported from an otpauth URL or a base32 key), produces their current codes, and validates
 * codes with replay protection. RFC 6238 over `node:crypto`; see otp.ts.
 */
import { type BackendFactory, defineBackend } from '../../sdk/index.js';
import { UsedCodes } from './key-store.js';
import { pathCode } from './path-code.js';
import { pathsKeys } from './path-keys.js';

export { base32Decode, base32Encode, hotp, totp, validateTotp } from './otp.js';
export { formatOtpauthUrl, parseOtpauthUrl } from './otpauth.js';

const HELP = 'The TOTP backend dynamically generates time-based one-time use passwords.';

export interface TotpFactoryOptions {
  /** Clock in epoch milliseconds (tests pin it). */
  now?: () => number;
}

/** A TOTP factory with an injectable clock; `totpFactory` is the production one. */
export function createTotpFactory(options: TotpFactoryOptions = {}): BackendFactory {
  const now = options.now ?? Date.now;
  return () => {
    // Per mount, like Vault's per-backend cache.
    const ctx = { now, usedCodes: new UsedCodes(now) };
    return defineBackend({
      kind: 'logical',
      help: HELP,
      paths: [...pathsKeys(), pathCode(ctx)],
    });
  };
}

/** The `totp` backend factory. */
export const totpFactory: BackendFactory = createTotpFactory();
