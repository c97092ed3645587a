/**
 * The `userpass` auth method (Vault's builtin/credential/userpass): users with a password
 * and token settings, `login/:username`, and user lockout.
 */
import { defineBackend, type BackendFactory } from '../../sdk/index.js';
import { createContext } from './context.js';
import { listLockedUsers, unlockUser } from './lockout.js';
import { pathLogin } from './path-login.js';
import { pathUserPassword, pathUserPolicies, pathUsers, pathUsersList } from './path-users.js';
import { DEFAULT_SCRYPT_PARAMS, validateScryptParams, type ScryptParams } from './password.js';

export { INVALID_CREDENTIALS } from './path-login.js';
export {
  DEFAULT_LOCKOUT_CONFIG,
  LOCKOUT_PREFIX,
  listLockedUsers,
  lockoutConfigFrom,
  unlockUser,
  type LockoutConfig,
  type LockoutRecord,
} from './lockout.js';
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password.js';

export const USERPASS_HELP = `The "userpass" credential provider allows authentication using
a combination of a username and password. No additional factors
are supported.

The username/password combination is configured using the "users/"
endpoints by a user with root access. Authentication is then done
by supplying the password to "login/<username>".`;

export interface UserpassFactoryOptions {
  /** Clock in epoch milliseconds (tests move it to check lockout durations). */
  now?: () => number;
  /** scrypt parameters for new hashes; tests use cheap ones. Default N=2^15, r=8, p=1. */
  kdf?: ScryptParams;
}

/** A userpass factory with injectable dependencies; `userpassFactory` is the production one. */
export function createUserpassFactory(options: UserpassFactoryOptions = {}): BackendFactory {
  const kdf = { ...(options.kdf ?? DEFAULT_SCRYPT_PARAMS) };
  validateScryptParams(kdf);
  const now = options.now ?? Date.now;
  return ({ storage }) => {
    const ctx = createContext(now, kdf);
    return defineBackend({
      kind: 'credential',
      help: USERPASS_HELP,
      specialPaths: { unauthenticated: ['login/*'] },
      paths: [pathLogin(ctx), pathUsersList(), pathUsers(ctx), pathUserPassword(ctx), pathUserPolicies(ctx)],
      lockout: {
        list: () => listLockedUsers(storage, now()),
        unlock: (username) => unlockUser(storage, username.toLowerCase()),
      },
    });
  };
}

export const userpassFactory: BackendFactory = createUserpassFactory();
