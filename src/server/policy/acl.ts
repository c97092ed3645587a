/**
 * The compiled ACL (Vault's `vault/acl.go`): a set of policies turned, once, into
 *
 * - `exact`: a Map from path to permissions;
 * - `prefix`: the trailing-`*` globs in a Map by prefix, with their distinct lengths sorted
 *   longest first, so "longest matching prefix" is one Map lookup per distinct length;
 * - `segment`: rules with `+` segment wildcards in a trie with one level per path segment
 *   (a literal child per segment value, one `+` child), searched depth first; every rule
 *   carries its priority rank, computed once, so the search only compares integers.
 *
 * Merging (identical path strings from any of the policies, Vault's `NewACL`):
 * an existing `deny` absorbs everything; an incoming `deny` replaces the rule with a bare
 * deny; otherwise capabilities are unioned, the lowest non-zero `min_wrapping_ttl` and
 * `max_wrapping_ttl` are kept, allowed/denied parameter value lists are concatenated (an
 * empty list, meaning "any value", wins), and `required_parameters` are unioned. Different
 * patterns are never merged: the single highest-priority matching rule decides.
 *
 * Matching (`allowOperation`, Vault's `AllowOperation` / `CheckAllowedFromNonExactPaths`):
 *
 * 1. An exact rule for the path wins outright. For LIST, the path without its trailing `/`
 *    is also tried as an exact rule.
 * 2. For LIST of a path ending in `/`, the glob and `+` rules are first tried against the
 *    path without that `/`.
 * 3. Otherwise the glob and `+` rules are tried against the path. Of the matching ones the
 *    highest priority wins, where P1 has lower priority than P2 when, in order:
 *    (1) P1's first `+` or `*` comes earlier; (2) P1 ends in `*` and P2 does not;
 *    (3) P1 has more `+` segments; (4) P1 is shorter; (5) P1 is lexically smaller
 *    (positions, lengths and order are those of the UTF-8 bytes, as in Go).
 *    Of several matching prefix globs only the longest can win (rule 1), so only that one
 *    is looked up.
 * 4. No rule: denied.
 *
 * Then, on the rule found: the operation's capability must be granted (`deny` never grants);
 * wrapping TTL bounds apply to every operation; parameter constraints apply to read,
 * create, update, patch and recover.
 */
import { Buffer } from 'node:buffer';
import type { Capability, PathRule, Policy } from '../../shared/policy/index.js';
import { type TemplateContext, type TemplateOptions, populateTemplate } from '../../shared/policy/index.js';

export const ROOT_POLICY_NAME = 'root';

export type AclOperation = 'read' | 'create' | 'update' | 'patch' | 'delete' | 'list' | 'subscribe' | 'recover';

export interface AclInput {
  /** The request path (`secret/data/foo`), without the `/v1/` prefix. */
  readonly path: string;
  readonly operation: AclOperation;
  /** Request data (body for writes, query for reads); parameter constraints look at it. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Seconds; undefined when the request does not ask for response wrapping. */
  readonly wrapTtl?: number;
}

export interface AclResult {
  readonly allowed: boolean;
  /** The matched rule grants `sudo` (root-protected paths need it on top of the operation). */
  readonly sudo: boolean;
  readonly isRoot: boolean;
  /**
   * Capabilities of the matched rule, sorted: `['root']` for root, `['deny']` when no rule
   * matched, the rule denies, or it grants nothing.
   */
  readonly capabilities: string[];
  /** Why access was refused, for the audit log (the client only ever sees "permission denied"). */
  readonly deniedReason?: string;
  /** The rule that decided, as written after templating (`secret/data/*`). */
  readonly matchedPath?: string;
  /** Policies that granted the operation's capability on the matched rule. */
  readonly grantingPolicies?: string[];
  /** `subscribe_event_types` of the matched rule (`['*']` for root). */
  readonly subscribeEventTypes?: string[];
}

export interface Acl {
  readonly isRoot: boolean;
  /** Names of the policies the ACL was built from. */
  readonly policies: readonly string[];
  /** Distinct rules after templating and merging (a size measure for caches). */
  readonly ruleCount: number;
  allowOperation(input: AclInput): AclResult;
  /** For sys/capabilities: sorted capability names, `['root']` for root, `['deny']` when none. */
  capabilities(path: string): string[];
  /**
   * Whether the ACL grants anything at or below a mount path such as `secret/` (Vault's
   * `hasMountAccess`, used to filter sys/internal/ui/mounts for non-root tokens).
   */
  hasMountAccess(mountPath: string): boolean;
}

export interface CompileAclOptions {
  /** The caller's identity, for templated paths. Without it templated paths are dropped. */
  readonly templateContext?: TemplateContext;
  readonly templateOptions?: TemplateOptions;
}

const BIT: Readonly<Record<Capability, number>> = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
  subscribe: 256,
  recover: 512,
};

const DENY = BIT.deny;
const NAMED_BITS = (Object.keys(BIT) as Capability[]).filter((c) => c !== 'deny').sort();
const MOUNT_ACCESS_BITS = BIT.create | BIT.delete | BIT.list | BIT.read | BIT.sudo | BIT.update | BIT.patch;

const OPERATION_BIT: Readonly<Record<AclOperation, number>> = {
  read: BIT.read,
  create: BIT.create,
  update: BIT.update,
  patch: BIT.patch,
  delete: BIT.delete,
  list: BIT.list,
  subscribe: BIT.subscribe,
  recover: BIT.recover,
};

const PARAMETER_CHECKED = new Set<AclOperation>(['read', 'create', 'update', 'patch', 'recover']);
const NO_DATA: Readonly<Record<string, unknown>> = Object.freeze({});

interface Permissions {
  bits: number;
  minWrappingTtl: number;
  maxWrappingTtl: number;
  allowed: Map<string, unknown[]> | undefined;
  denied: Map<string, unknown[]> | undefined;
  /** Shared `EMPTY` until something is added (copy on write). */
  required: readonly string[];
  subscribeEventTypes: readonly string[];
  /** Which policy granted which capability bits, one entry per contributing stanza. */
  grants: (readonly [policy: string, bits: number])[];
}

const EMPTY: readonly string[] = Object.freeze([]);

/** A rule as stored in one of the three structures. */
interface Entry {
  /** The pattern as matched, including a trailing `*` (for messages). */
  readonly pattern: string;
  readonly perms: Permissions;
  /** Priority among the non-exact rules; higher wins. -1 for exact rules. */
  rank: number;
  /** `capabilityNames(perms.bits)`, computed once. */
  readonly names: readonly string[];
}

interface SegmentEntry extends Entry {
  readonly parts: readonly string[];
  readonly isPrefix: boolean;
}

/**
 * A node of the segment trie: one level per path segment. A rule `a/+/b` hangs as
 * `terminal` at a -> + -> b; a rule `a/+/b*` (or `a/+/*`, last part "") hangs in `globs` of
 * a -> + with its last part, matched with startsWith against that segment.
 */
interface SegmentNode {
  /** Allocated on first use: most nodes are leaves. */
  literal: Map<string, SegmentNode> | undefined;
  plus: SegmentNode | undefined;
  terminal: SegmentEntry | undefined;
  globs: { readonly last: string; readonly entry: SegmentEntry }[] | undefined;
}

function newSegmentNode(): SegmentNode {
  return { literal: undefined, plus: undefined, terminal: undefined, globs: undefined };
}

function bitsOf(capabilities: readonly Capability[]): number {
  let bits = 0;
  for (const c of capabilities) bits |= BIT[c];
  return bits;
}

const namesByBits = new Map<number, readonly string[]>();

/** Sorted capability names of `bits` (`['deny']` for deny or nothing); memoised, frozen. */
function capabilityNames(bits: number): readonly string[] {
  let names = namesByBits.get(bits);
  if (names === undefined) {
    const out: string[] = [];
    if ((bits & DENY) === 0) for (const name of NAMED_BITS) if ((bits & BIT[name]) !== 0) out.push(name);
    names = Object.freeze(out.length === 0 ? ['deny'] : out);
    namesByBits.set(bits, names);
  }
  return names;
}

function grantingPolicies(perms: Permissions, bit: number): string[] {
  const out: string[] = [];
  for (const [policy, bits] of perms.grants) if ((bits & bit) !== 0 && !out.includes(policy)) out.push(policy);
  return out;
}

function cloneParams(map: ReadonlyMap<string, readonly unknown[]> | undefined): Map<string, unknown[]> | undefined {
  if (map === undefined) return undefined;
  const out = new Map<string, unknown[]>();
  for (const [k, v] of map) out.set(k, [...v]);
  return out;
}

function permissionsOf(rule: PathRule, policy: string): Permissions {
  const bits = bitsOf(rule.capabilities);
  return {
    bits,
    minWrappingTtl: rule.minWrappingTtl,
    maxWrappingTtl: rule.maxWrappingTtl,
    allowed: cloneParams(rule.allowedParameters),
    denied: cloneParams(rule.deniedParameters),
    required: rule.requiredParameters.length === 0 ? EMPTY : [...rule.requiredParameters],
    subscribeEventTypes: rule.subscribeEventTypes.length === 0 ? EMPTY : [...rule.subscribeEventTypes],
    grants: [[policy, bits]],
  };
}

function mergeParams(existing: Map<string, unknown[]> | undefined, incoming: Map<string, unknown[]> | undefined): Map<string, unknown[]> | undefined {
  if (incoming === undefined || incoming.size === 0) return existing;
  if (existing === undefined) return cloneParams(incoming);
  for (const [key, values] of incoming) {
    const current = existing.get(key);
    // An empty list ("any value" / "every value") overrides any other value list.
    if (values.length === 0 || (current !== undefined && current.length === 0)) existing.set(key, []);
    else existing.set(key, [...values, ...(current ?? [])]);
  }
  return existing;
}

function union(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.every((x) => a.includes(x))) return a;
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** Merges `incoming` (one stanza of `policy`) into `existing` exactly as Vault's NewACL does. */
function merge(existing: Permissions, incoming: Permissions, policy: string): void {
  if ((existing.bits & DENY) !== 0) return;
  if ((incoming.bits & DENY) !== 0) {
    existing.bits = DENY;
    existing.allowed = undefined;
    existing.denied = undefined;
    return;
  }
  existing.bits |= incoming.bits;
  existing.grants.push([policy, incoming.bits]);
  // The lowest specified values win, keeping wrapped lifetimes as short as possible.
  if (incoming.maxWrappingTtl > 0 && (existing.maxWrappingTtl === 0 || incoming.maxWrappingTtl < existing.maxWrappingTtl)) {
    existing.maxWrappingTtl = incoming.maxWrappingTtl;
  }
  if (incoming.minWrappingTtl > 0 && (existing.minWrappingTtl === 0 || incoming.minWrappingTtl < existing.minWrappingTtl)) {
    existing.minWrappingTtl = incoming.minWrappingTtl;
  }
  existing.allowed = mergeParams(existing.allowed, incoming.allowed);
  existing.denied = mergeParams(existing.denied, incoming.denied);
  existing.required = union(existing.required, incoming.required);
  existing.subscribeEventTypes = union(existing.subscribeEventTypes, incoming.subscribeEventTypes);
}

/** The `+` segment-wildcard test Vault applies (a path of exactly `+`, or a `/+` or leading `+/`). */
export function hasSegmentWildcards(path: string): boolean {
  return path === '+' || path.includes('/+') || path.startsWith('+/');
}

type RuleKind = 'exact' | 'prefix' | 'segment';

/** Strips one leading `/` and classifies a (templated) rule path; null when it is invalid. */
function classify(pattern: string): { kind: RuleKind; key: string } | null {
  const path = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (path.includes('+*')) return null;
  if (hasSegmentWildcards(path)) return { kind: 'segment', key: path };
  if (path.endsWith('*')) return { kind: 'prefix', key: path.slice(0, -1) };
  return { kind: 'exact', key: path };
}

interface PriorityKey {
  firstWildcard: number;
  isPrefix: boolean;
  wildcards: number;
  length: number;
  bytes: Buffer;
}

/** Vault's `less`: negative when `a` has lower priority than `b`. */
function comparePriority(a: PriorityKey, b: PriorityKey): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.length !== b.length) return a.length - b.length;
  return Buffer.compare(a.bytes, b.bytes);
}

/**
 * Compiles policies into an ACL. A policy named `root` makes the ACL root (everything
 * allowed, sudo included). Templated paths are resolved against `templateContext`; those
 * that cannot be are dropped.
 */
export function compileAcl(policies: readonly Policy[], options: CompileAclOptions = {}): Acl {
  const names = policies.map((p) => p.name);
  if (policies.some((p) => p.name === ROOT_POLICY_NAME)) return rootAcl(names);

  const maps: Record<RuleKind, Map<string, Permissions>> = { exact: new Map(), prefix: new Map(), segment: new Map() };
  for (const policy of policies) {
    for (const rule of policy.paths) {
      let pattern = rule.pattern;
      if (rule.templated) {
        const resolved = populateTemplate(pattern, options.templateContext, options.templateOptions);
        if (!resolved.ok) continue;
        pattern = resolved.value;
      }
      const where = classify(pattern);
      if (where === null) continue;
      const map = maps[where.kind];
      const incoming = permissionsOf(rule, policy.name);
      const existing = map.get(where.key);
      if (existing === undefined) map.set(where.key, incoming);
      else merge(existing, incoming, policy.name);
    }
  }
  return new CompiledAcl(names, maps.exact, maps.prefix, maps.segment);
}

function rootAcl(names: readonly string[]): Acl {
  return {
    isRoot: true,
    policies: names,
    ruleCount: 0,
    allowOperation: () => ({
      allowed: true,
      sudo: true,
      isRoot: true,
      capabilities: ['root'],
      grantingPolicies: [ROOT_POLICY_NAME],
      subscribeEventTypes: ['*'],
    }),
    capabilities: () => ['root'],
    hasMountAccess: () => true,
  };
}

class CompiledAcl implements Acl {
  readonly isRoot = false;
  /** Distinct lengths of the keys of `prefixEntries`, longest first. */
  private readonly prefixLengths: number[];
  readonly ruleCount: number;
  private readonly segmentRoot: SegmentNode = newSegmentNode();
  private readonly allSegments: SegmentEntry[] = [];
  private readonly exactEntries = new Map<string, Entry>();
  private readonly prefixEntries = new Map<string, Entry>();

  constructor(
    readonly policies: readonly string[],
    exact: Map<string, Permissions>,
    prefix: Map<string, Permissions>,
    segment: Map<string, Permissions>,
  ) {
    for (const [key, perms] of exact) this.exactEntries.set(key, { pattern: key, perms, rank: -1, names: capabilityNames(perms.bits) });

    // Rank every non-exact rule once with Vault's priority order; matching then only
    // compares integers.
    const ranked: { key: PriorityKey; entry: Entry }[] = [];
    for (const [key, perms] of prefix) {
      const entry: Entry = { pattern: `${key}*`, perms, rank: 0, names: capabilityNames(perms.bits) };
      this.prefixEntries.set(key, entry);
      const bytes = Buffer.from(key, 'utf8');
      ranked.push({ key: { firstWildcard: bytes.length, isPrefix: true, wildcards: 0, length: bytes.length, bytes }, entry });
    }
    for (const [key, perms] of segment) {
      const isPrefix = key.endsWith('*');
      const wcPath = isPrefix ? key.slice(0, -1) : key;
      const parts = wcPath.split('/');
      const entry: SegmentEntry = { pattern: key, perms, rank: 0, parts, isPrefix, names: capabilityNames(perms.bits) };
      const bytes = Buffer.from(wcPath, 'utf8');
      ranked.push({
        key: {
          firstWildcard: Buffer.byteLength(key.slice(0, key.indexOf('+')), 'utf8'),
          isPrefix,
          wildcards: parts.filter((p) => p === '+').length,
          length: bytes.length,
          bytes,
        },
        entry,
      });
      this.allSegments.push(entry);
    }
    ranked.sort((a, b) => comparePriority(a.key, b.key));
    ranked.forEach((r, i) => {
      r.entry.rank = i;
    });

    for (const entry of this.allSegments) this.insertSegment(entry);
    this.prefixLengths = [...new Set([...this.prefixEntries.keys()].map((k) => k.length))].sort((a, b) => b - a);
    this.ruleCount = exact.size + prefix.size + segment.size;
  }

  private insertSegment(entry: SegmentEntry): void {
    const parts = entry.parts;
    const depth = entry.isPrefix ? parts.length - 1 : parts.length;
    let node = this.segmentRoot;
    for (let i = 0; i < depth; i++) {
      const part = parts[i] as string;
      if (part === '+') {
        node.plus ??= newSegmentNode();
        node = node.plus;
      } else {
        node.literal ??= new Map();
        let next = node.literal.get(part);
        if (next === undefined) {
          next = newSegmentNode();
          node.literal.set(part, next);
        }
        node = next;
      }
    }
    if (entry.isPrefix) (node.globs ??= []).push({ last: parts[parts.length - 1] as string, entry });
    else node.terminal = entry;
  }

  /** The best-ranked segment rule matching `parts` below `node` (depth `i`), or `best`. */
  private searchSegments(node: SegmentNode, parts: readonly string[], i: number, best: Entry | undefined): Entry | undefined {
    let out = best;
    if (i === parts.length) {
      const t = node.terminal;
      return t !== undefined && (out === undefined || t.rank > out.rank) ? t : out;
    }
    const part = parts[i] as string;
    if (node.globs !== undefined) {
      for (const glob of node.globs) {
        if ((out === undefined || glob.entry.rank > out.rank) && part.startsWith(glob.last)) out = glob.entry;
      }
    }
    const literal = node.literal?.get(part);
    if (literal !== undefined) out = this.searchSegments(literal, parts, i + 1, out);
    if (node.plus !== undefined) out = this.searchSegments(node.plus, parts, i + 1, out);
    return out;
  }

  private longestPrefix(path: string): Entry | undefined {
    for (const length of this.prefixLengths) {
      if (length > path.length) continue;
      const entry = this.prefixEntries.get(length === path.length ? path : path.slice(0, length));
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** The highest-priority glob or `+` rule matching `path` (Vault's CheckAllowedFromNonExactPaths). */
  private nonExact(path: string): Entry | undefined {
    const best = this.longestPrefix(path);
    if (this.allSegments.length === 0) return best;
    return this.searchSegments(this.segmentRoot, path.split('/'), 0, best);
  }

  private lookup(rawPath: string, list: boolean): Entry | undefined {
    let path = rawPath;
    while (path.startsWith('/')) path = path.slice(1);
    const exact = this.exactEntries.get(path);
    if (exact !== undefined) return exact;
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
    if (list && trimmed !== path) {
      const exactTrimmed = this.exactEntries.get(trimmed);
      if (exactTrimmed !== undefined) return exactTrimmed;
      const found = this.nonExact(trimmed);
      if (found !== undefined) return found;
    }
    return this.nonExact(path);
  }

  allowOperation(input: AclInput): AclResult {
    const entry = this.lookup(input.path, input.operation === 'list');
    if (entry === undefined) {
      return { allowed: false, sudo: false, isRoot: false, capabilities: ['deny'], deniedReason: 'no policy rule matches the path' };
    }
    const perms = entry.perms;
    const bits = perms.bits;
    const op = input.operation;
    const bit = OPERATION_BIT[op];
    if ((bits & DENY) !== 0) return denied(entry, `rule "${entry.pattern}" denies access`);
    if ((bits & bit) === 0) return denied(entry, `rule "${entry.pattern}" does not grant "${op}"`);

    const wrapTtl = input.wrapTtl;
    if (perms.maxWrappingTtl > 0) {
      if (wrapTtl === undefined) return denied(entry, `rule "${entry.pattern}" requires response wrapping (max_wrapping_ttl ${perms.maxWrappingTtl}s)`);
      if (wrapTtl > perms.maxWrappingTtl) {
        return denied(entry, `wrap TTL ${wrapTtl}s exceeds max_wrapping_ttl ${perms.maxWrappingTtl}s of rule "${entry.pattern}"`);
      }
    }
    if (perms.minWrappingTtl > 0) {
      if (wrapTtl === undefined) return denied(entry, `rule "${entry.pattern}" requires response wrapping (min_wrapping_ttl ${perms.minWrappingTtl}s)`);
      if (wrapTtl < perms.minWrappingTtl) {
        return denied(entry, `wrap TTL ${wrapTtl}s is below min_wrapping_ttl ${perms.minWrappingTtl}s of rule "${entry.pattern}"`);
      }
    }
    // Possible after merging, although a single stanza cannot say it.
    if (perms.minWrappingTtl !== 0 && perms.maxWrappingTtl !== 0 && perms.maxWrappingTtl < perms.minWrappingTtl) {
      return denied(entry, `rule "${entry.pattern}" has min_wrapping_ttl above max_wrapping_ttl`);
    }

    if (PARAMETER_CHECKED.has(op)) {
      const reason = checkParameters(perms, input.data ?? NO_DATA);
      if (reason !== undefined) return denied(entry, reason);
    }

    const result: AclResult = {
      allowed: true,
      sudo: (bits & BIT.sudo) !== 0,
      isRoot: false,
      capabilities: entry.names.slice(),
      matchedPath: entry.pattern,
      grantingPolicies: grantingPolicies(perms, bit),
    };
    return op === 'subscribe' ? { ...result, subscribeEventTypes: perms.subscribeEventTypes.slice() } : result;
  }

  capabilities(path: string): string[] {
    const entry = this.lookup(path, true);
    return entry === undefined ? ['deny'] : entry.names.slice();
  }

  hasMountAccess(mountPath: string): boolean {
    if (!this.capabilities(mountPath).includes('deny')) return true;
    const grants = (p: Permissions): boolean => (p.bits & DENY) === 0 && (p.bits & MOUNT_ACCESS_BITS) !== 0;
    for (const [key, entry] of this.exactEntries) if (key.startsWith(mountPath) && grants(entry.perms)) return true;
    for (const [key, entry] of this.prefixEntries) if (key.startsWith(mountPath) && grants(entry.perms)) return true;

    // Segment rules: could some path below the mount match? (CheckAllowedFromNonExactPaths with bareMount.)
    const parts = mountPath.split('/');
    for (const entry of this.allSegments) {
      const segments: string[] = [];
      const last = entry.parts.length - 1;
      for (let i = 0; i <= last; i++) {
        const aclPart = entry.parts[i] ?? '';
        const part = parts[i];
        if (part === undefined) break;
        if (aclPart === '+' || aclPart === part) segments.push(part);
        else if (entry.isPrefix && i === last && part.startsWith(aclPart)) segments.push(...parts.slice(i));
        if (i === parts.length - 2) {
          const joined = `${segments.join('/')}/`;
          const bits = entry.perms.bits;
          if (joined.startsWith(mountPath) && (bits & DENY) === 0 && bits > 0) return true;
          break;
        }
      }
    }
    return false;
  }
}

function denied(entry: Entry, reason: string): AclResult {
  return {
    allowed: false,
    sudo: (entry.perms.bits & BIT.sudo) !== 0,
    isRoot: false,
    capabilities: entry.names.slice(),
    matchedPath: entry.pattern,
    deniedReason: reason,
  };
}

/** Why the request data breaks the rule's parameter constraints, or undefined when it does not. */
function checkParameters(perms: Permissions, data: Readonly<Record<string, unknown>>): string | undefined {
  for (const parameter of perms.required) {
    if (!Object.hasOwn(data, parameter.toLowerCase())) return `required parameter "${parameter}" is missing`;
  }
  const keys = Object.keys(data);
  if (keys.length === 0) return undefined;

  const denied = perms.denied;
  if (denied !== undefined && denied.size > 0) {
    if (denied.has('*')) return 'all parameters are denied';
    for (const key of keys) {
      const values = denied.get(key.toLowerCase());
      if (values !== undefined && valueInDeniedList(data[key], values)) {
        return values.length === 0 ? `parameter "${key}" is denied` : `a value of parameter "${key}" is denied`;
      }
    }
  }

  const allowed = perms.allowed;
  if (allowed === undefined || allowed.size === 0) return undefined;
  const allowedAll = allowed.has('*');
  if (allowed.size === 1 && allowedAll) return undefined;
  for (const key of keys) {
    const values = allowed.get(key.toLowerCase());
    if (values === undefined) {
      if (!allowedAll) return `parameter "${key}" is not allowed`;
      continue;
    }
    if (!valueInAllowedList(data[key], values)) return `a value of parameter "${key}" is not allowed`;
  }
  return undefined;
}

/** Vault's `parseutil.ParseCommaStringSlice` on a string: split on `,`, trim, `""` gives `[]`. */
function commaSplit(value: string): string[] {
  if (value === '') return [];
  return value.split(',').map((s) => s.trim());
}

function valueInAllowedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInList(value, list)) return true;
  // Every element of a list (or of a comma-separated string) must be allowed.
  if (Array.isArray(value)) return value.every((v) => valueInList(v, list));
  if (typeof value === 'string') return commaSplit(value).every((v) => valueInList(v, list));
  return false;
}

function valueInDeniedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInList(value, list)) return true;
  // Any denied element of a list (or of a comma-separated string) denies.
  if (Array.isArray(value)) return value.some((v) => valueInList(v, list));
  if (typeof value === 'string') return commaSplit(value).some((v) => valueInList(v, list));
  return false;
}

function valueInList(value: unknown, list: readonly unknown[]): boolean {
  for (const element of list) {
    if (element === null || element === undefined || value === null || value === undefined) {
      if ((element ?? null) === (value ?? null)) return true;
    } else if (typeof element === 'string') {
      if (typeof value === 'string' && globbedStringsMatch(element, value)) return true;
    } else if (deepEqual(element, value)) {
      return true;
    }
  }
  return false;
}

/** Vault's `strutil.GlobbedStringsMatch`: `*` at the start and/or end of the pattern only. */
export function globbedStringsMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return value === pattern;
  const prefix = pattern.startsWith('*');
  const suffix = pattern.endsWith('*');
  if (prefix && suffix) return value.includes(pattern.slice(1, -1));
  if (prefix) return value.endsWith(pattern.slice(1));
  if (suffix) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
