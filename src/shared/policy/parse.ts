/**
 * ACL policy documents (Vault's `vault/policy.go`, `ParseACLPolicy`): HCL or JSON,
 *
 * ```hcl
 * path "secret/data/*" {
 *   capabilities        = ["create", "read", "update", "patch", "delete", "list"]
 *   allowed_parameters  = { "*" = [] }
 *   denied_parameters   = { "ttl" = [] }
 *   required_parameters = ["owner"]
 *   min_wrapping_ttl    = "1s"
 *   max_wrapping_ttl    = "90s"
 * }
 * path "secret/data/legacy" { policy = "write" }   # deny | read | write | sudo
 * ```
 *
 * Every error is a `UserError` (400) starting `failed to parse policy: `, with the
 * `line:column` when the document is HCL or the JSON is malformed.
 */
import { UserError } from '../errors.js';
import { parseDurationSeconds } from '../duration.js';
import {
  type HclObject,
  type HclPosition,
  type HclValue,
  HclSyntaxError,
  blocks,
  formatPosition,
  isHclObject,
  parseHclOrJson,
  positionOf,
} from '../hcl/index.js';
import { UNBALANCED_TEMPLATE, hasTemplate } from './template.js';

/** Every capability a policy may grant (Vault 1.15+ `subscribe`, newer `recover`). */
export const CAPABILITIES = ['deny', 'create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover'] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** The legacy `policy = "..."` shorthand and what it expands to. */
const LEGACY_POLICIES: Readonly<Record<string, readonly Capability[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const TOP_LEVEL_KEYS = new Set(['name', 'path']);

const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'subscribe_event_types',
  'mfa_methods',
  'control_group',
]);

/** Parameter constraints: lowercased parameter name to allowed/denied values (`[]` = any value). */
export type ParameterMap = ReadonlyMap<string, readonly unknown[]>;

/** One `path "..." { ... }` stanza. */
export interface PathRule {
  /**
   * The path as written, templates unresolved. Compilation strips one leading `/`, treats a
   * trailing `*` as a prefix glob and `+` segments as one-segment wildcards.
   */
  readonly pattern: string;
  /** The pattern contains `{{...}}` identity templates. */
  readonly templated: boolean;
  /**
   * The granted capabilities, in the order written, without duplicates; exactly `['deny']`
   * when `deny` is present (it overrides everything else in the stanza).
   */
  readonly capabilities: readonly Capability[];
  readonly allowedParameters: ParameterMap | undefined;
  readonly deniedParameters: ParameterMap | undefined;
  /** Parameter names that must be present (as written; compared lowercased). */
  readonly requiredParameters: readonly string[];
  /** Seconds; 0 = unset. */
  readonly minWrappingTtl: number;
  /** Seconds; 0 = unset. */
  readonly maxWrappingTtl: number;
  readonly subscribeEventTypes: readonly string[];
  /** Where the stanza starts, for HCL input. */
  readonly position: HclPosition | undefined;
}

export interface Policy {
  /** Lowercased and trimmed. */
  readonly name: string;
  /** The text as submitted (after any base64 decoding). */
  readonly raw: string;
  /** At least one path uses identity templates: the ACL depends on the caller's identity. */
  readonly templated: boolean;
  readonly paths: readonly PathRule[];
}

/** Policy names are case-insensitive: Vault lowercases and trims them everywhere. */
export function sanitizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

function fail(message: string, position?: HclPosition): never {
  const at = formatPosition(position);
  throw new UserError(`failed to parse policy: ${message}${at === undefined ? '' : ` at ${at}`}`);
}

function describe(value: HclValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return isHclObject(value) ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses an ACL policy. Throws `UserError` `failed to parse policy: ...` on bad syntax, an
 * unknown key, capability or legacy `policy` value, a bad duration, `'+*'` in a path,
 * unbalanced `{{ }}` templates, or an Enterprise-only stanza (`control_group`,
 * `mfa_methods`), which Coffer refuses rather than silently not enforcing.
 */
export function parsePolicy(name: string, text: string): Policy {
  let doc: HclObject;
  try {
    doc = parseHclOrJson(text, { sourceName: 'policy' });
  } catch (err) {
    if (err instanceof HclSyntaxError) fail(err.reason, err.position);
    throw err;
  }

  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(`invalid key "${key}"`, positionOf(doc, key));
  }
  const declaredName = doc['name'];
  if (declaredName !== undefined && typeof declaredName !== 'string') {
    fail(`"name" must be a string, not ${describe(declaredName)}`, positionOf(doc, 'name'));
  }

  let pathBlocks;
  try {
    pathBlocks = blocks(doc, 'path', 1);
  } catch (err) {
    if (err instanceof UserError) fail(err.message);
    throw err;
  }

  const paths: PathRule[] = [];
  let templated = false;
  for (const block of pathBlocks) {
    const pattern = block.labels[0] ?? '';
    const rule = parsePathRule(pattern, block.body, block.position);
    templated ||= rule.templated;
    paths.push(rule);
  }
  return { name: sanitizePolicyName(name), raw: text, templated, paths };
}

function parsePathRule(pattern: string, body: HclObject, blockPosition: HclPosition | undefined): PathRule {
  const where = `path ${JSON.stringify(pattern)}`;
  const at = (key: string): HclPosition | undefined => positionOf(body, key) ?? blockPosition;

  let templated: boolean;
  try {
    templated = hasTemplate(pattern);
  } catch {
    fail(`failed to validate policy templating: ${UNBALANCED_TEMPLATE}`, blockPosition);
  }

  for (const key of Object.keys(body)) {
    if (!PATH_KEYS.has(key)) fail(`${where}: invalid key "${key}"`, at(key));
  }
  if (Object.hasOwn(body, 'control_group')) {
    fail(`${where}: "control_group" is a Vault Enterprise feature that Coffer does not enforce; remove it from the policy`, at('control_group'));
  }
  if (Object.hasOwn(body, 'mfa_methods')) {
    fail(`${where}: "mfa_methods" is a Vault Enterprise feature that Coffer does not enforce; remove it from the policy`, at('mfa_methods'));
  }

  // The path itself, checked as Vault does on the untemplated key.
  const normalized = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (normalized.includes('+*')) fail(`path ${JSON.stringify(normalized)}: invalid use of wildcards ('+*' is forbidden)`, blockPosition);

  const stringList = (key: string): string[] | undefined => {
    if (!Object.hasOwn(body, key)) return undefined;
    const value = body[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      fail(`${where}: "${key}" must be a list of strings, not ${describe(value)}`, at(key));
    }
    return value as string[];
  };

  let written = stringList('capabilities') ?? [];
  if (Object.hasOwn(body, 'policy')) {
    const legacy = body['policy'];
    if (typeof legacy !== 'string') fail(`${where}: "policy" must be a string, not ${describe(legacy)}`, at('policy'));
    if (legacy !== '') {
      const expanded = Object.hasOwn(LEGACY_POLICIES, legacy) ? LEGACY_POLICIES[legacy] : undefined;
      if (expanded === undefined) fail(`${where}: invalid policy ${JSON.stringify(legacy)}`, at('policy'));
      written = legacy === 'deny' ? ['deny'] : [...written, ...expanded];
    }
  }

  const capabilities: Capability[] = [];
  let deny = false;
  for (const cap of written) {
    if (cap === 'deny') {
      // As Vault: deny replaces everything, and the rest of the stanza is not read.
      deny = true;
      break;
    }
    if (!(CAPABILITIES as readonly string[]).includes(cap)) fail(`${where}: invalid capability ${JSON.stringify(cap)}`, at('capabilities'));
    if (!capabilities.includes(cap as Capability)) capabilities.push(cap as Capability);
  }
  const base = { pattern, templated, position: blockPosition };
  if (deny) {
    return {
      ...base,
      capabilities: ['deny'],
      allowedParameters: undefined,
      deniedParameters: undefined,
      requiredParameters: [],
      minWrappingTtl: 0,
      maxWrappingTtl: 0,
      subscribeEventTypes: [],
    };
  }

  const allowedParameters = parameterMap(body, 'allowed_parameters', where, at);
  const deniedParameters = parameterMap(body, 'denied_parameters', where, at);
  const minWrappingTtl = wrappingTtl(body, 'min_wrapping_ttl', at);
  const maxWrappingTtl = wrappingTtl(body, 'max_wrapping_ttl', at);
  if (minWrappingTtl !== 0 && maxWrappingTtl !== 0 && maxWrappingTtl < minWrappingTtl) {
    fail('max_wrapping_ttl cannot be less than min_wrapping_ttl', at('max_wrapping_ttl'));
  }
  const requiredParameters = stringList('required_parameters') ?? [];
  const subscribeEventTypes = stringList('subscribe_event_types') ?? [];
  return {
    ...base,
    capabilities,
    allowedParameters,
    deniedParameters,
    requiredParameters,
    minWrappingTtl,
    maxWrappingTtl,
    subscribeEventTypes,
  };
}

function parameterMap(
  body: HclObject,
  key: string,
  where: string,
  at: (key: string) => HclPosition | undefined,
): ParameterMap | undefined {
  if (!Object.hasOwn(body, key)) return undefined;
  // `key = { ... }` (an attribute) and `key { ... }` (HCL1's block form) are the same thing.
  let bodies;
  try {
    bodies = blocks(body, key, 0);
  } catch {
    fail(`${where}: "${key}" must be an object of parameter names to lists of values`, at(key));
  }
  const out = new Map<string, unknown[]>();
  for (const b of bodies) {
    for (const name of Object.keys(b.body)) {
      const values = b.body[name];
      if (!Array.isArray(values)) {
        fail(`${where}: ${key}: ${JSON.stringify(name)} must be a list of values, not ${describe(values)}`, positionOf(b.body, name) ?? at(key));
      }
      out.set(name.toLowerCase(), [...values]);
    }
  }
  return out;
}

function wrappingTtl(body: HclObject, key: string, at: (key: string) => HclPosition | undefined): number {
  if (!Object.hasOwn(body, key)) return 0;
  const value = body[key];
  if (value === null) return 0;
  try {
    if (typeof value !== 'number' && typeof value !== 'string') throw new Error('not a duration');
    return parseDurationSeconds(value);
  } catch {
    return fail(`error parsing ${key}: invalid duration ${JSON.stringify(value)}`, at(key));
  }
}
