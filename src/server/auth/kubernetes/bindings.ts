/**
 * Role bindings: Vault's glob matching (`strutil.StrListContainsGlob`, ryanuber/go-glob:
 * `*` matches any run of characters, nothing else is special) and the login-time
 * `token_bound_cidrs` check.
 */
import { remoteAddrAllowed } from '../../../shared/cidr.js';
import { globMatch } from '../../../shared/glob.js';

export function listContainsGlob(patterns: readonly string[], subject: string): boolean {
  return patterns.some((p) => globMatch(p, subject));
}

/** `bound_service_account_names`: `["*"]` admits any name, else a glob must match. */
export function nameAllowed(bound: readonly string[], name: string): boolean {
  if (bound.length === 1 && bound[0] === '*') return true;
  return listContainsGlob(bound, name);
}

/** `bound_service_account_namespaces` alone (the selector is checked separately). */
export function namespaceListed(bound: readonly string[], namespace: string): boolean {
  if (bound.length === 0) return false;
  return bound[0] === '*' || listContainsGlob(bound, namespace);
}

export { globMatch, remoteAddrAllowed };
