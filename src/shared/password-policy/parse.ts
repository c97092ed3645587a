/**
 * Password policies (Vault's `sdk/helper/random`): an HCL or JSON document with a `length`
 * and `rule "charset"` blocks.
 *
 * ```hcl
 * length = 20
 * rule "charset" {
 *   charset   = "abcdefghijklmnopqrstuvwxyz"
 *   min-chars = 1
 * }
 * rule "charset" {
 *   charset   = "0123456789"
 *   min-chars = 1
 * }
 * ```
 *
 * Passwords are drawn from the union of the rules' charsets; each rule requires at least
 * `min-chars` characters of its own charset. Vault ignores keys it does not know; Coffer
 * refuses them, so that a typo such as `min_chars` cannot silently weaken a policy.
 */
import { UserError } from '../errors.js';
import { type HclObject, type HclPosition, type HclValue, HclSyntaxError, blocks, formatPosition, isHclObject, parseHclOrJson, positionOf } from '../hcl/index.js';

/** Vault's limits on the length of passwords a policy makes (`logical_system.go`). */
export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 100;
/** At most this many distinct characters in a policy (Vault's `maxCharsetLen`). */
export const MAX_CHARSET_SIZE = 256;

export interface CharsetRule {
  readonly type: 'charset';
  /** Distinct characters (code points), sorted by code point. */
  readonly charset: readonly string[];
  /** At least this many characters of the password come from `charset` (0: no requirement). */
  readonly minChars: number;
}

export interface PasswordPolicy {
  /** Length of the passwords, in characters (code points). */
  readonly length: number;
  readonly rules: readonly CharsetRule[];
  /** The characters passwords are drawn from: the union of the rules' charsets, sorted. */
  readonly charset: readonly string[];
}

const TOP_LEVEL_KEYS = new Set(['length', 'rule']);
const CHARSET_RULE_KEYS = new Set(['charset', 'min-chars']);

function fail(message: string, position?: HclPosition): never {
  const at = formatPosition(position);
  throw new UserError(`${message}${at === undefined ? '' : ` at ${at}`}`);
}

function describe(value: HclValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return isHclObject(value) ? 'an object' : `a ${typeof value}`;
}

function byCodePoint(a: string, b: string): number {
  return (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0);
}

/** Distinct code points of `text`, sorted. */
export function charsetOf(text: string): string[] {
  return [...new Set(Array.from(text))].sort(byCodePoint);
}

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Checks a policy (parsed or built in code) and fills in its union charset. Throws a
 * `UserError` naming the problem.
 */
export function createPasswordPolicy(length: number, rules: readonly CharsetRule[]): PasswordPolicy {
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new UserError(`passwords must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (rules.length === 0) throw new UserError('no charset specified: the policy needs at least one rule "charset" block');
  let minLength = 0;
  const union = new Set<string>();
  const normalized: CharsetRule[] = [];
  for (const rule of rules) {
    const chars = charsetOf(rule.charset.join(''));
    if (chars.length === 0) throw new UserError('charset must not be empty');
    if (!Number.isInteger(rule.minChars) || rule.minChars < 0) throw new UserError('min-chars must be an integer >= 0');
    for (const c of chars) {
      if (!PRINTABLE.test(c)) throw new UserError('non-printable character in charset');
      union.add(c);
    }
    minLength += rule.minChars;
    normalized.push(Object.freeze({ type: 'charset', charset: Object.freeze(chars), minChars: rule.minChars }));
  }
  if (union.size > MAX_CHARSET_SIZE) throw new UserError(`charset is too long: limited to ${MAX_CHARSET_SIZE} characters`);
  if (minLength > length) throw new UserError(`specified rules require at least ${minLength} characters but ${length} is specified`);
  return Object.freeze({
    length,
    rules: Object.freeze(normalized),
    charset: Object.freeze([...union].sort(byCodePoint)),
  });
}

function parseCharsetRule(body: HclObject, position: HclPosition | undefined): CharsetRule {
  for (const key of Object.keys(body)) {
    if (!CHARSET_RULE_KEYS.has(key)) fail(`rule "charset": unknown key "${key}" (expected "charset" and "min-chars")`, positionOf(body, key) ?? position);
  }
  const charset = body['charset'];
  if (charset === undefined) fail('rule "charset": "charset" is required', position);
  if (typeof charset !== 'string') fail(`rule "charset": "charset" must be a string, not ${describe(charset)}`, positionOf(body, 'charset'));
  if (charset === '') fail('rule "charset": "charset" must not be empty', positionOf(body, 'charset'));
  if (!Array.from(charset).every((c) => PRINTABLE.test(c))) fail('rule "charset": non-printable character in charset', positionOf(body, 'charset'));
  const minChars = body['min-chars'] ?? 0;
  if (typeof minChars !== 'number' || !Number.isInteger(minChars) || minChars < 0) {
    fail(`rule "charset": "min-chars" must be an integer >= 0`, positionOf(body, 'min-chars'));
  }
  return { type: 'charset', charset: charsetOf(charset), minChars };
}

/**
 * Parses a password policy (HCL or JSON). Throws a `UserError` naming the problem: a syntax
 * error, a missing or out-of-range `length`, an unrecognized rule type or key, an empty or
 * non-printable charset, more than 256 distinct characters, or rules that need more
 * characters than `length`.
 */
export function parsePasswordPolicy(text: string): PasswordPolicy {
  let doc: HclObject;
  try {
    doc = parseHclOrJson(text, { sourceName: 'password policy' });
  } catch (err) {
    if (err instanceof HclSyntaxError) fail(`unable to decode: ${err.reason}`, err.position);
    throw err;
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(`unknown key "${key}" (expected "length" and "rule")`, positionOf(doc, key));
  }
  const length = doc['length'];
  if (length === undefined) fail('"length" is required');
  if (typeof length !== 'number' || !Number.isInteger(length)) fail(`"length" must be an integer, not ${describe(length)}`, positionOf(doc, 'length'));

  const rules: CharsetRule[] = [];
  for (const block of blocks(doc, 'rule', 1)) {
    const type = block.labels[0] ?? '';
    if (type !== 'charset') fail(`unrecognized rule type "${type}" (the only type is "charset")`, block.position);
    rules.push(parseCharsetRule(block.body, block.position));
  }
  return createPasswordPolicy(length, rules);
}
