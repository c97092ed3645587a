/**
 * Local validation of an ACL policy document, for `policy fmt` (Vault runs `ParseACLPolicy`
 * before formatting). The rules and messages follow the server's policy parser: the CLI may
 * not import server code, so this is a second copy of the checks that decide whether a policy
 * would be accepted (top-level and stanza keys, capability names, the legacy `policy` values,
 * parameter maps, wrapping TTLs, `+*` and unbalanced `{{ }}` in paths). Messages name keys and
 * values from the policy, never anything else.
 */
import { UserError, parseDurationSeconds } from '../shared/index.js';
import { type HclObject, type HclPosition, type HclValue, HclSyntaxError, blocks, formatPosition, isHclObject, parseHclOrJson, positionOf } from '../shared/hcl/index.js';

/** Every capability a policy may grant. */
export const POLICY_CAPABILITIES: readonly string[] = ['deny', 'create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover'];

const LEGACY_POLICIES = new Set(['deny', 'read', 'write', 'sudo']);
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

/** A policy the server would refuse; the message starts `failed to parse policy: `. */
export class PolicyError extends UserError {}

function fail(message: string, position?: HclPosition): never {
  const at = formatPosition(position);
  throw new PolicyError(`failed to parse policy: ${message}${at === undefined ? '' : ` at ${at}`}`);
}

function describe(value: HclValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return isHclObject(value) ? 'an object' : `a ${typeof value}`;
}

function balancedTemplates(text: string): boolean {
  const pieces = text.split('{{');
  if ((pieces[0] ?? '').includes('}}')) return false;
  return pieces.slice(1).every((p) => p.split('}}').length === 2);
}

/** Throws `PolicyError` when `text` is not a policy the server accepts. */
export function checkPolicy(text: string): void {
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
  const name = doc['name'];
  if (name !== undefined && typeof name !== 'string') fail(`"name" must be a string, not ${describe(name)}`, positionOf(doc, 'name'));

  let pathBlocks;
  try {
    pathBlocks = blocks(doc, 'path', 1);
  } catch (err) {
    if (err instanceof UserError) fail(err.message);
    throw err;
  }
  for (const block of pathBlocks) checkPath(block.labels[0] ?? '', block.body, block.position);
}

function checkPath(pattern: string, body: HclObject, blockPosition: HclPosition | undefined): void {
  const where = `path ${JSON.stringify(pattern)}`;
  const at = (key: string): HclPosition | undefined => positionOf(body, key) ?? blockPosition;
  if (!balancedTemplates(pattern)) fail('failed to validate policy templating: unbalanced templating characters', blockPosition);
  for (const key of Object.keys(body)) {
    if (!PATH_KEYS.has(key)) fail(`${where}: invalid key "${key}"`, at(key));
  }
  for (const enterprise of ['control_group', 'mfa_methods']) {
    if (Object.hasOwn(body, enterprise)) fail(`${where}: "${enterprise}" is a Vault Enterprise feature that Coffer does not enforce; remove it from the policy`, at(enterprise));
  }
  const normalized = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (normalized.includes('+*')) fail(`path ${JSON.stringify(normalized)}: invalid use of wildcards ('+*' is forbidden)`, blockPosition);

  const stringList = (key: string): string[] => {
    if (!Object.hasOwn(body, key)) return [];
    const value = body[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(`${where}: "${key}" must be a list of strings, not ${describe(value)}`, at(key));
    return value as string[];
  };

  const capabilities = stringList('capabilities');
  if (Object.hasOwn(body, 'policy')) {
    const legacy = body['policy'];
    if (typeof legacy !== 'string') fail(`${where}: "policy" must be a string, not ${describe(legacy)}`, at('policy'));
    if (legacy !== '' && !LEGACY_POLICIES.has(legacy)) fail(`${where}: invalid policy ${JSON.stringify(legacy)}`, at('policy'));
    if (legacy === 'deny') return;
  }
  for (const cap of capabilities) {
    if (cap === 'deny') return; // As Vault: deny wins and the rest of the stanza is not read.
    if (!POLICY_CAPABILITIES.includes(cap)) fail(`${where}: invalid capability ${JSON.stringify(cap)}`, at('capabilities'));
  }

  for (const key of ['allowed_parameters', 'denied_parameters']) {
    if (!Object.hasOwn(body, key)) continue;
    let bodies;
    try {
      bodies = blocks(body, key, 0);
    } catch {
      fail(`${where}: "${key}" must be an object of parameter names to lists of values`, at(key));
    }
    for (const b of bodies) {
      for (const param of Object.keys(b.body)) {
        const values = b.body[param];
        if (!Array.isArray(values)) fail(`${where}: ${key}: ${JSON.stringify(param)} must be a list of values, not ${describe(values)}`, positionOf(b.body, param) ?? at(key));
      }
    }
  }
  const ttl = (key: string): number => {
    if (!Object.hasOwn(body, key)) return 0;
    const value = body[key];
    if (value === null) return 0;
    try {
      if (typeof value !== 'number' && typeof value !== 'string') throw new Error('not a duration');
      return parseDurationSeconds(value);
    } catch {
      return fail(`error parsing ${key}: invalid duration ${JSON.stringify(value)}`, at(key));
    }
  };
  const min = ttl('min_wrapping_ttl');
  const max = ttl('max_wrapping_ttl');
  if (min !== 0 && max !== 0 && max < min) fail('max_wrapping_ttl cannot be less than min_wrapping_ttl', at('max_wrapping_ttl'));
  stringList('required_parameters');
  stringList('subscribe_event_types');
}
