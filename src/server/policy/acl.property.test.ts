/**
 * "The compiled matcher agrees with a direct reading of the precedence rules over
 * generated policies and paths."
 *
 * `reference()` below is the slow, obviously-correct reading of policies.mdx: it merges
 * identical patterns (union, deny wins), turns each pattern into a regular expression
 * (`+` = one segment, a trailing `*` = any suffix), collects every matching rule and picks
 * one with the documented steps and the five numbered priority rules, comparing every pair.
 * fast-check then throws random policy sets and request paths at it and at `compileAcl`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AclOperation, compileAcl } from './acl.js';
import { type Capability, parsePolicy } from '../../shared/policy/index.js';

interface GenRule {
  pattern: string;
  capabilities: Capability[];
}

const OPERATIONS: AclOperation[] = ['read', 'create', 'update', 'patch', 'delete', 'list', 'subscribe'];
const CAPS: Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe'];
const LITERALS = ['a', 'b', 'ab', 'ba', 'abc', 'c'];
/** `POLICY_PROPERTY_RUNS=20000 npx vitest run src/server/policy` for a longer search. */
const RUNS = Number(process.env['POLICY_PROPERTY_RUNS'] ?? 400);

// ---------------------------------------------------------------------------------------
// The reference evaluator
// ---------------------------------------------------------------------------------------

interface RefRule {
  pattern: string;
  caps: Set<string>;
  deny: boolean;
  regex: RegExp;
  kind: 'exact' | 'glob';
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toRefRule(pattern: string, caps: Set<string>, deny: boolean): RefRule {
  // "A `+` denotes any number of characters bounded within a single path segment";
  // "the glob character `*` ... is only supported as the last character of the path".
  const endsWithGlob = pattern.endsWith('*');
  const body = endsWithGlob ? pattern.slice(0, -1) : pattern;
  const segments = body.split('/').map((s) => (s === '+' ? '[^/]*' : escapeRegex(s)));
  const regex = new RegExp(`^${segments.join('/')}${endsWithGlob ? '.*' : ''}$`, 's');
  const kind = endsWithGlob || body.split('/').includes('+') ? 'glob' : 'exact';
  return { pattern, caps, deny, regex, kind };
}

/** Is P1 lower priority than P2? The five numbered rules of policies.mdx, in order. */
function lowerPriority(p1: string, p2: string): boolean {
  const firstWildcard = (p: string): number => {
    const indexes = [p.indexOf('+'), p.indexOf('*')].filter((i) => i >= 0);
    return Math.min(...indexes);
  };
  if (firstWildcard(p1) !== firstWildcard(p2)) return firstWildcard(p1) < firstWildcard(p2); // (1)
  if (p1.endsWith('*') !== p2.endsWith('*')) return p1.endsWith('*'); // (2)
  const plus = (p: string): number => p.split('/').filter((s) => s === '+').length;
  if (plus(p1) !== plus(p2)) return plus(p1) > plus(p2); // (3)
  if (p1.length !== p2.length) return p1.length < p2.length; // (4)
  return p1 < p2; // (5)
}

function reference(policies: GenRule[][]): { lookup(path: string, list: boolean): RefRule | undefined } {
  // Identical pattern strings from any policy are combined: union, deny wins.
  const merged = new Map<string, { caps: Set<string>; deny: boolean }>();
  for (const policy of policies) {
    for (const rule of policy) {
      const entry = merged.get(rule.pattern) ?? { caps: new Set<string>(), deny: false };
      if (rule.capabilities.includes('deny')) entry.deny = true;
      for (const c of rule.capabilities) entry.caps.add(c);
      merged.set(rule.pattern, entry);
    }
  }
  const rules = [...merged].map(([pattern, v]) => toRefRule(pattern, v.caps, v.deny));

  const bestGlob = (path: string): RefRule | undefined => {
    const matching = rules.filter((r) => r.kind === 'glob' && r.regex.test(path));
    // The one no other matching rule beats.
    return matching.find((candidate) => matching.every((other) => other === candidate || lowerPriority(other.pattern, candidate.pattern)));
  };
  const exact = (path: string): RefRule | undefined => rules.find((r) => r.kind === 'exact' && r.pattern === path);

  return {
    lookup(requestPath, list) {
      // Request paths are relative: leading slashes are ignored.
      const path = requestPath.replace(/^\/+/, '');
      // 1. An exact rule wins outright; for LIST also without the trailing slash.
      const e = exact(path) ?? (list && path.endsWith('/') ? exact(path.slice(0, -1)) : undefined);
      if (e !== undefined) return e;
      // 3. LIST retries the glob rules without the trailing slash first.
      if (list && path.endsWith('/')) {
        const g = bestGlob(path.slice(0, -1));
        if (g !== undefined) return g;
      }
      // 2. Otherwise the single highest-priority glob or + rule.
      return bestGlob(path);
    },
  };
}

function referenceCapabilities(rule: RefRule | undefined): string[] {
  if (rule === undefined || rule.deny) return ['deny'];
  const caps = [...rule.caps].sort();
  return caps.length === 0 ? ['deny'] : caps;
}

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

const segment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LITERALS) }, { weight: 2, arbitrary: fc.constant('+') });

type Suffix = 'none' | 'glob' | 'folder-glob' | 'partial-glob';
const suffix = fc.constantFrom<Suffix>('none', 'glob', 'folder-glob', 'partial-glob');

function buildPattern(segments: readonly string[], kind: Suffix): string {
  const body = segments.join('/');
  switch (kind) {
    case 'none':
      return body;
    case 'glob': // "a/b*", never "+*"
      return segments[segments.length - 1] === '+' ? `${body}/*` : `${body}*`;
    case 'folder-glob': // "a/b/*"
      return `${body}/*`;
    default: // "a/b/ab*": a glob inside a trailing literal segment
      return `${body}/a*`;
  }
}

const segments = fc.array(segment, { minLength: 1, maxLength: 4 });
const pattern: fc.Arbitrary<string> = fc.tuple(segments, suffix).map(([segs, kind]) => buildPattern(segs, kind));

/**
 * Two or three patterns made of the same segments in different orders: they often tie on
 * priority rules 1 to 4, so rule 5 (lexical order) gets exercised.
 */
const siblings: fc.Arbitrary<string[]> = fc
  .tuple(fc.array(segment, { minLength: 2, maxLength: 4 }), suffix)
  .chain(([segs, kind]) =>
    fc
      .array(fc.shuffledSubarray(segs, { minLength: segs.length, maxLength: segs.length }), { minLength: 1, maxLength: 2 })
      .map((perms) => [segs, ...perms].map((p) => buildPattern(p, kind))),
  );

const capabilities = fc.subarray(CAPS, { minLength: 0, maxLength: 4 });

const ruleGroup: fc.Arbitrary<GenRule[]> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ pattern, capabilities }).map((r) => [r]) },
  { weight: 4, arbitrary: siblings.chain((ps) => fc.tuple(...ps.map((p) => capabilities.map((c) => ({ pattern: p, capabilities: c }))))) },
  { weight: 1, arbitrary: capabilities.map((c) => [{ pattern: '*', capabilities: c }]) },
);

const policies = fc.array(
  fc.array(ruleGroup, { minLength: 0, maxLength: 5 }).map((groups) => groups.flat()),
  { minLength: 1, maxLength: 4 },
);

const literalPath = fc
  .tuple(fc.array(fc.constantFrom(...LITERALS, 'abcd', 'x'), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([segments, folder]) => segments.join('/') + (folder ? '/' : ''));

/** A path made from a pattern, so that generated paths actually hit the rules. */
function pathFrom(patternText: string): fc.Arbitrary<string> {
  const body = patternText.endsWith('*') ? patternText.slice(0, -1) : patternText;
  const parts = body.split('/');
  return fc
    .tuple(
      fc.array(fc.constantFrom(...LITERALS, ''), { minLength: parts.length, maxLength: parts.length }),
      fc.constantFrom('', 'c', '/', '/x', '/x/y', 'd/'),
    )
    .map(([fills, tail]) => parts.map((p, i) => (p === '+' ? fills[i] : p)).join('/') + (patternText.endsWith('*') ? tail : ''));
}

const scenario = policies.chain((ps) => {
  const patterns = ps.flat().map((r) => r.pattern);
  const derived = patterns.length === 0 ? literalPath : fc.constantFrom(...patterns).chain(pathFrom);
  const path = fc.oneof(literalPath, derived, derived.map((p) => (p.endsWith('/') ? p : `${p}/`)));
  return fc.record({ policies: fc.constant(ps), requests: fc.array(fc.tuple(path, fc.constantFrom(...OPERATIONS)), { minLength: 1, maxLength: 12 }) });
});

function toHcl(rules: GenRule[]): string {
  return rules.map((r) => `path ${JSON.stringify(r.pattern)} {\n  capabilities = ${JSON.stringify(r.capabilities)}\n}\n`).join('');
}

// ---------------------------------------------------------------------------------------

describe('compiled matcher vs. a direct reading of the precedence rules', () => {
  it('agrees on the deciding rule, allowOperation and capabilities', () => {
    fc.assert(
      fc.property(scenario, ({ policies: ps, requests }) => {
        const acl = compileAcl(ps.map((rules, i) => parsePolicy(`p${i}`, toHcl(rules))));
        const ref = reference(ps);
        for (const [path, operation] of requests) {
          const expected = ref.lookup(path, operation === 'list');
          const got = acl.allowOperation({ path, operation });
          const expectedAllowed = expected !== undefined && !expected.deny && expected.caps.has(operation);
          expect({ path, operation, rule: got.matchedPath, allowed: got.allowed, sudo: got.sudo }).toEqual({
            path,
            operation,
            rule: expected?.pattern,
            allowed: expectedAllowed,
            sudo: expected !== undefined && !expected.deny && expected.caps.has('sudo'),
          });
          expect(acl.capabilities(path)).toEqual(referenceCapabilities(ref.lookup(path, true)));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of policies or of rules', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ policies: ps, requests }, seed) => {
        const shuffle = <T>(xs: T[]): T[] => {
          const out = [...xs];
          let s = seed;
          for (let i = out.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) & 0x7fffffff;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const a = compileAcl(ps.map((rules, i) => parsePolicy(`p${i}`, toHcl(rules))));
        const b = compileAcl(shuffle(ps.map((rules, i) => parsePolicy(`p${i}`, toHcl(shuffle(rules))))));
        for (const [path, operation] of requests) {
          const ra = a.allowOperation({ path, operation });
          const rb = b.allowOperation({ path, operation });
          expect([rb.allowed, rb.matchedPath, rb.capabilities]).toEqual([ra.allowed, ra.matchedPath, ra.capabilities]);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
