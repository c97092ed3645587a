/**
 * Policy-list helpers with Vault's semantics (`sdk/helper/policyutil`, `strutil`).
 */
import { globMatch } from '../../shared/glob.js';

/** `strutil.RemoveDuplicates`: trims, drops empties, optionally lowercases, sorts. */
export function removeDuplicates(items: readonly string[], lowercase: boolean): string[] {
  const set = new Set<string>();
  for (const raw of items) {
    let item = raw.trim();
    if (item === '') continue;
    if (lowercase) item = item.toLowerCase();
    set.add(item);
  }
  return [...set].sort();
}

/**
 * `policyutil.SanitizePolicies`: lowercases and trims, collapses to `["root"]` when root is
 * present, adds `default` when asked (unless root), de-duplicates and sorts.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const cleaned = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (cleaned.includes('root')) return ['root'];
  const out = [...cleaned];
  if (addDefault && !out.includes('default')) out.push('default');
  return removeDuplicates(out, true);
}

/** Every item of `sub` is in `sup` (`strutil.StrListSubset`). */
export function isSubset(sup: readonly string[], sub: readonly string[]): boolean {
  const set = new Set(sup);
  return sub.every((s) => set.has(s));
}

/** `strutil.StrListContainsGlob`. */
export function containsGlob(patterns: readonly string[], subject: string): boolean {
  return patterns.some((p) => globMatch(p, subject));
}

/** Policies that tokens can never be given directly. */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = ['response-wrapping', 'control-group'];

export { globMatch };
