/**
 * `allowed_roles` on a connection: exact names, `*`, and globs where `*` matches any run
 * of characters (Vault's `strutil.StrListContainsGlob`, i.e. ryanuber/go-glob).
 */
import { globMatch } from '../../../shared/glob.js';

/** Whether `role` may use a connection whose `allowed_roles` is `allowed` (empty = nobody). */
export function roleAllowed(allowed: readonly string[], role: string): boolean {
  return allowed.some((pattern) => globMatch(pattern, role));
}

export { globMatch };
