/**
 * Password generation from a policy, with the distribution Vault's generator has: uniform
 * over every string of `length` characters from the policy's charset that satisfies every
 * rule. Vault gets there by drawing uniform candidates and throwing away those that break a
 * rule; for strict policies (say 100 characters, 25 of each of four classes) almost every
 * candidate is thrown away and Vault gives up after a second.
 *
 * Here the candidates are drawn uniformly from a smaller set that already satisfies the
 * rules whose charsets are pairwise disjoint (in practice: all of them): the number of
 * characters taken from each such charset is drawn with its exact probability (counted with
 * BigInts), the positions of those characters are shuffled, and each character is picked
 * uniformly inside its charset. Uniform over a superset, conditioned on the subset, is
 * uniform over the subset, so the result has exactly the distribution of Vault's; when every
 * rule is covered the first candidate is always accepted. Only policies whose overlapping
 * rules make acceptance very unlikely still exhaust the attempt budget.
 *
 * Every random choice uses `node:crypto` and is unbiased (`randomInt` and rejection
 * sampling for big integers).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { UserError } from '../errors.js';
import { type CharsetRule, type PasswordPolicy, createPasswordPolicy } from './parse.js';

/** Candidates drawn before giving up on a policy whose overlapping rules are too strict. */
export const DEFAULT_MAX_ATTEMPTS = 10_000;
/** And at most this long (Vault's generator also gives up after a second). */
export const DEFAULT_TIMEOUT_MS = 1_000;

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

/**
 * Vault's default generator (`DefaultStringGenerator` in `string_generator.go`), used when a
 * backend has no password policy: 20 characters from `a-zA-Z0-9-`, with at least one
 * lowercase letter, one uppercase letter, one digit and one `-`.
 */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = createPasswordPolicy(20, [
  { type: 'charset', charset: Array.from(LOWERCASE), minChars: 1 },
  { type: 'charset', charset: Array.from(UPPERCASE), minChars: 1 },
  { type: 'charset', charset: Array.from(DIGITS), minChars: 1 },
  { type: 'charset', charset: ['-'], minChars: 1 },
]);

/** A set of characters the sampler draws a known number of positions from. */
interface Atom {
  readonly chars: readonly string[];
  readonly min: number;
}

interface Sampler {
  readonly length: number;
  readonly atoms: readonly Atom[];
  /** `ways[j][t]`: strings of `t` characters from atoms `j…` meeting their minimums. */
  readonly ways: readonly (readonly bigint[])[];
  /** `binom[t][n]` = C(t, n). */
  readonly binom: readonly (readonly bigint[])[];
  /** `powers[j][n]` = |atom j|^n. */
  readonly powers: readonly (readonly bigint[])[];
  /** Lazily built cumulative weights for drawing the count of atom `j` out of `t` positions. */
  readonly cumulative: Map<number, bigint[]>;
  /** Rules the sampler does not guarantee (checked on each candidate). */
  readonly unchecked: readonly { readonly chars: ReadonlySet<string>; readonly min: number }[];
}

const samplers = new WeakMap<PasswordPolicy, Sampler>();

function isSubset(small: readonly string[], big: ReadonlySet<string>): boolean {
  return small.every((c) => big.has(c));
}

/**
 * Picks pairwise-disjoint constrained rules (most demanding first), and lists the rules
 * that are neither picked nor implied by a picked one (a rule whose charset contains a
 * picked rule's charset and asks for no more characters holds whenever the picked one does).
 */
function planAtoms(policy: PasswordPolicy): { atoms: Atom[]; unchecked: Sampler['unchecked'] } {
  const constrained = policy.rules
    .filter((r) => r.minChars > 0)
    .sort((a, b) => b.minChars - a.minChars || a.charset.length - b.charset.length);
  const picked: CharsetRule[] = [];
  const used = new Set<string>();
  for (const rule of constrained) {
    if (rule.charset.some((c) => used.has(c))) continue;
    picked.push(rule);
    for (const c of rule.charset) used.add(c);
  }
  const unchecked = constrained
    .filter((rule) => !picked.includes(rule))
    .map((rule) => ({ chars: new Set(rule.charset), min: rule.minChars }))
    .filter((rule) => !picked.some((p) => p.minChars >= rule.min && isSubset(p.charset, rule.chars)));
  const atoms: Atom[] = picked.map((r) => ({ chars: r.charset, min: r.minChars }));
  const free = policy.charset.filter((c) => !used.has(c));
  if (free.length > 0) atoms.push({ chars: free, min: 0 });
  return { atoms, unchecked };
}

function buildSampler(input: PasswordPolicy): Sampler {
  // Re-validate: the policy may have been built by hand rather than parsed.
  const policy = createPasswordPolicy(input.length, input.rules);
  const length = policy.length;
  const { atoms, unchecked } = planAtoms(policy);

  const binom: bigint[][] = [];
  for (let t = 0; t <= length; t++) {
    const row: bigint[] = [1n];
    for (let n = 1; n <= t; n++) row.push(n === t ? 1n : (binom[t - 1]?.[n - 1] ?? 0n) + (binom[t - 1]?.[n] ?? 0n));
    binom.push(row);
  }
  const powers = atoms.map((atom) => {
    const size = BigInt(atom.chars.length);
    const row: bigint[] = [1n];
    for (let n = 1; n <= length; n++) row.push((row[n - 1] ?? 0n) * size);
    return row;
  });
  const ways: bigint[][] = new Array<bigint[]>(atoms.length + 1);
  ways[atoms.length] = Array.from({ length: length + 1 }, (_, t) => (t === 0 ? 1n : 0n));
  for (let j = atoms.length - 1; j >= 0; j--) {
    const min = atoms[j]?.min ?? 0;
    const next = ways[j + 1] ?? [];
    const pow = powers[j] ?? [];
    const row: bigint[] = [];
    for (let t = 0; t <= length; t++) {
      let sum = 0n;
      for (let n = min; n <= t; n++) sum += (binom[t]?.[n] ?? 0n) * (pow[n] ?? 0n) * (next[t - n] ?? 0n);
      row.push(sum);
    }
    ways[j] = row;
  }
  return { length, atoms, ways, binom, powers, cumulative: new Map(), unchecked };
}

function samplerFor(policy: PasswordPolicy): Sampler {
  let sampler = samplers.get(policy);
  if (sampler === undefined) {
    sampler = buildSampler(policy);
    samplers.set(policy, sampler);
  }
  return sampler;
}

/** Largest bound `crypto.randomInt` accepts. */
const RANDOM_INT_LIMIT = 2n ** 48n;

/** A uniform integer in `[0, bound)`. */
function randomBelow(bound: bigint): bigint {
  if (bound < RANDOM_INT_LIMIT) return BigInt(randomInt(Number(bound)));
  const bits = (bound - 1n).toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const excess = BigInt(bytes * 8 - bits);
  for (;;) {
    const value = BigInt(`0x${randomBytes(bytes).toString('hex')}`) >> excess;
    if (value < bound) return value;
  }
}

/** Cumulative weights of "atom `j` gets `min + i` of the `t` remaining positions". */
function cumulativeWeights(s: Sampler, j: number, t: number): bigint[] {
  const key = j * (s.length + 1) + t;
  let cum = s.cumulative.get(key);
  if (cum === undefined) {
    cum = [];
    const min = s.atoms[j]?.min ?? 0;
    let total = 0n;
    for (let n = min; n <= t; n++) {
      total += (s.binom[t]?.[n] ?? 0n) * (s.powers[j]?.[n] ?? 0n) * (s.ways[j + 1]?.[t - n] ?? 0n);
      cum.push(total);
    }
    s.cumulative.set(key, cum);
  }
  return cum;
}

/** One candidate, uniform over the strings that satisfy the sampler's atoms. */
function sample(s: Sampler): string[] {
  const labels: number[] = [];
  let remaining = s.length;
  for (let j = 0; j < s.atoms.length; j++) {
    const cum = cumulativeWeights(s, j, remaining);
    const r = randomBelow(cum[cum.length - 1] ?? 0n);
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] ?? 0n) > r) hi = mid;
      else lo = mid + 1;
    }
    const count = (s.atoms[j]?.min ?? 0) + lo;
    for (let k = 0; k < count; k++) labels.push(j);
    remaining -= count;
  }
  // Fisher–Yates: every arrangement of the labels is equally likely.
  for (let i = labels.length - 1; i > 0; i--) {
    const k = randomInt(i + 1);
    const tmp = labels[i] as number;
    labels[i] = labels[k] as number;
    labels[k] = tmp;
  }
  return labels.map((j) => {
    const chars = s.atoms[j]?.chars ?? [];
    return chars[randomInt(chars.length)] as string;
  });
}

function passes(candidate: readonly string[], rules: Sampler['unchecked']): boolean {
  return rules.every((rule) => {
    let count = 0;
    for (const c of candidate) if (rule.chars.has(c) && ++count >= rule.min) return true;
    return false;
  });
}

export interface GenerateOptions {
  /** Candidates to draw before giving up; default `DEFAULT_MAX_ATTEMPTS`. */
  readonly maxAttempts?: number;
  /** Milliseconds to try before giving up; default `DEFAULT_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
}

/**
 * A password from `policy`: `length` characters from its charset, satisfying every rule,
 * uniformly distributed among all such strings. Throws a `UserError` when the policy is
 * invalid, or when overlapping rules are so strict that no candidate passed within
 * `maxAttempts` or `timeoutMs`.
 */
export function generatePassword(policy: PasswordPolicy, options: GenerateOptions = {}): string {
  const s = samplerFor(policy);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const deadline = performance.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let attempt = 0;
  while (attempt < maxAttempts) {
    const candidate = sample(s);
    attempt++;
    if (passes(candidate, s.unchecked)) return candidate.join('');
    // Only reachable with unchecked (overlapping) rules: bound the time spent on them.
    if (performance.now() >= deadline) break;
  }
  throw new UserError(`no password satisfying every rule was found in ${attempt} attempt${attempt === 1 ? '' : 's'}: the rules are too restrictive`);
}

/** A password from Vault's default generator (see `DEFAULT_PASSWORD_POLICY`). */
export function generateDefaultPassword(): string {
  return generatePassword(DEFAULT_PASSWORD_POLICY);
}

/** Whether `password` has the policy's length, only its characters, and meets every rule. */
export function satisfiesPolicy(password: string, policy: PasswordPolicy): boolean {
  const chars = Array.from(password);
  if (chars.length !== policy.length) return false;
  const allowed = new Set(policy.charset);
  if (!chars.every((c) => allowed.has(c))) return false;
  return policy.rules.every((rule) => {
    const set = new Set(rule.charset);
    return chars.filter((c) => set.has(c)).length >= rule.minChars;
  });
}
