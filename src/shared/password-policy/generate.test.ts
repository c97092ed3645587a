import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { DEFAULT_PASSWORD_POLICY, generateDefaultPassword, generatePassword, satisfiesPolicy } from './generate.js';
import { type PasswordPolicy, createPasswordPolicy, parsePasswordPolicy } from './parse.js';

/** An independent check of a password against rules written as plain strings. */
function meets(password: string, length: number, rules: readonly { charset: string; min: number }[]): boolean {
  const chars = Array.from(password);
  if (chars.length !== length) return false;
  const all = new Set(rules.flatMap((r) => Array.from(r.charset)));
  if (chars.some((c) => !all.has(c))) return false;
  return rules.every((r) => chars.filter((c) => r.charset.includes(c)).length >= r.min);
}

function policyOf(length: number, rules: readonly { charset: string; min: number }[]): PasswordPolicy {
  return parsePasswordPolicy(JSON.stringify({ length, rule: rules.map((r) => ({ charset: { charset: r.charset, 'min-chars': r.min } })) }));
}

/** Chi-square statistic of `counts` against the uniform distribution. */
function chiSquare(counts: ReadonlyMap<string, number>, categories: number, samples: number): number {
  const expected = samples / categories;
  let stat = (categories - counts.size) * expected; // categories never seen
  for (const n of counts.values()) stat += (n - expected) ** 2 / expected;
  return stat;
}

/** Every string of `length` characters over `alphabet`. */
function allStrings(alphabet: string, length: number): string[] {
  let out = [''];
  for (let i = 0; i < length; i++) out = out.flatMap((prefix) => Array.from(alphabet, (c) => prefix + c));
  return out;
}

describe('the default generator', () => {
  it("matches Vault's DefaultStringGenerator: 20 characters of a-zA-Z0-9-, one of each class", () => {
    expect(DEFAULT_PASSWORD_POLICY.length).toBe(20);
    expect(DEFAULT_PASSWORD_POLICY.charset.join('')).toBe('-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
    for (let i = 0; i < 500; i++) {
      const password = generateDefaultPassword();
      expect(password).toMatch(/^[a-zA-Z0-9-]{20}$/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toContain('-');
    }
  });

  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateDefaultPassword()));
    expect(seen.size).toBe(1000);
  });
});

describe('generatePassword', () => {
  it('meets strict rules that plain rejection sampling would almost never meet', () => {
    const rules = [
      { charset: 'abcdefghijklmnopqrstuvwxyz', min: 25 },
      { charset: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', min: 25 },
      { charset: '0123456789', min: 25 },
      { charset: '!@#$%^&*', min: 25 },
    ];
    const policy = policyOf(100, rules);
    for (let i = 0; i < 50; i++) {
      const password = generatePassword(policy, { maxAttempts: 1 });
      expect(meets(password, 100, rules)).toBe(true);
    }
  });

  it('treats a rule implied by a stricter one on a subset as met', () => {
    // "a-z" min 2 holds whenever "abc" min 3 does: one attempt must be enough.
    const rules = [
      { charset: 'abc', min: 3 },
      { charset: 'abcdefghijklmnopqrstuvwxyz', min: 2 },
      { charset: '0123456789', min: 0 },
    ];
    const policy = policyOf(6, rules);
    for (let i = 0; i < 200; i++) expect(meets(generatePassword(policy, { maxAttempts: 1 }), 6, rules)).toBe(true);
  });

  it('gives up with a UserError when overlapping rules are too strict to be met by chance', () => {
    const wide = Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const policy = policyOf(100, [
      { charset: 'ab', min: 50 },
      { charset: 'ac', min: 50 },
      { charset: wide, min: 0 },
    ]);
    expect(() => generatePassword(policy, { maxAttempts: 50 })).toThrow(UserError);
    expect(() => generatePassword(policy, { maxAttempts: 50 })).toThrow(/too restrictive/);
  });

  it('also gives up when its time budget is spent', () => {
    const wide = Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const policy = policyOf(100, [
      { charset: 'ab', min: 50 },
      { charset: 'ac', min: 50 },
      { charset: wide, min: 0 },
    ]);
    expect(() => generatePassword(policy, { maxAttempts: Number.MAX_SAFE_INTEGER, timeoutMs: 0 })).toThrow(
      'no password satisfying every rule was found in 1 attempt: the rules are too restrictive',
    );
  });

  it('validates hand-built policies', () => {
    const bad = { length: 3, rules: [{ type: 'charset', charset: ['a'], minChars: 0 }], charset: ['a'] } as const;
    expect(() => generatePassword(bad)).toThrow('passwords must be between 4 and 100 characters');
    const impossible = { length: 4, rules: [{ type: 'charset', charset: ['a'], minChars: 5 }], charset: ['a'] } as const;
    expect(() => generatePassword(impossible)).toThrow('specified rules require at least 5 characters but 4 is specified');
  });

  // Vault's distribution is uniform over the strings that satisfy every rule. Enumerate them
  // for tiny policies and compare the sampled frequencies (chi-square with a threshold so
  // far in the tail that a correct generator fails with probability below 1e-9, while a
  // generator that places the required characters first and fills the rest fails surely).
  it.each([
    ['disjoint rules (exact sampling)', [{ charset: 'a', min: 2 }, { charset: 'bc', min: 1 }]],
    ['overlapping rules (sampling then checking)', [{ charset: 'ab', min: 2 }, { charset: 'bc', min: 2 }]],
    ['a rule with min-chars 0', [{ charset: 'ab', min: 3 }, { charset: 'cd', min: 0 }]],
  ])('is uniform over the satisfying strings: %s', (_name, rules) => {
    const policy = policyOf(4, rules);
    const valid = allStrings(policy.charset.join(''), 4).filter((s) => meets(s, 4, rules));
    const samples = valid.length * 300;
    const counts = new Map<string, number>();
    for (let i = 0; i < samples; i++) {
      const password = generatePassword(policy);
      counts.set(password, (counts.get(password) ?? 0) + 1);
    }
    expect([...counts.keys()].every((k) => valid.includes(k))).toBe(true);
    const df = valid.length - 1;
    expect(chiSquare(counts, valid.length, samples)).toBeLessThan(df + 10 * Math.sqrt(2 * df) + 30);
  });
});

describe('property: every password satisfies its policy', () => {
  const alphabet = Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ éß漢😀');
  const charset = fc.uniqueArray(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 30 }).map((cs) => cs.join(''));
  const policyArb = fc
    .record({
      length: fc.integer({ min: 4, max: 100 }),
      rules: fc.array(fc.record({ charset, weight: fc.nat({ max: 10 }) }), { minLength: 1, maxLength: 6 }),
    })
    .map(({ length, rules }) => {
      // Spread at most `length` required characters over the rules, in proportion to their weights.
      const total = rules.reduce((sum, r) => sum + r.weight, 0);
      const budget = Math.floor(length * 0.9);
      return { length, rules: rules.map((r) => ({ charset: r.charset, min: total === 0 ? 0 : Math.floor((r.weight / total) * budget) })) };
    });

  it('for arbitrary valid policies: the right length, only policy characters, every rule met', () => {
    fc.assert(
      fc.property(policyArb, ({ length, rules }) => {
        const policy = policyOf(length, rules);
        let password: string;
        try {
          password = generatePassword(policy, { maxAttempts: 200 });
        } catch (err) {
          // Only strict overlapping rules may exhaust the budget.
          expect(err).toBeInstanceOf(UserError);
          expect((err as Error).message).toMatch(/too restrictive/);
          const constrained = rules.filter((r) => r.min > 0);
          const overlap = constrained.some((a, i) => constrained.some((b, k) => k > i && Array.from(a.charset).some((c) => b.charset.includes(c))));
          expect(overlap).toBe(true);
          return;
        }
        expect(meets(password, length, rules)).toBe(true);
        expect(satisfiesPolicy(password, policy)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('for policies whose required charsets are disjoint: always at the first attempt', () => {
    const disjoint = fc
      .record({
        length: fc.integer({ min: 4, max: 100 }),
        parts: fc.shuffledSubarray(alphabet, { minLength: 1 }).chain((chars) =>
          fc.array(fc.integer({ min: 1, max: chars.length }), { minLength: 1, maxLength: 6 }).map((cuts) => {
            // Cut the characters into consecutive, non-empty, disjoint charsets.
            const ends = [...new Set(cuts)].sort((a, b) => a - b);
            let start = 0;
            const out: string[] = [];
            for (const end of ends) {
              if (end > start) out.push(chars.slice(start, end).join(''));
              start = end;
            }
            return out;
          }),
        ),
        seed: fc.nat(),
      })
      .map(({ length, parts, seed }) => {
        let left = length;
        const rules = parts.map((cs, i) => {
          const min = Math.min(left, (seed >> i) % (Math.floor(length / parts.length) + 1));
          left -= min;
          return { charset: cs, min };
        });
        return { length, rules };
      });
    fc.assert(
      fc.property(disjoint, ({ length, rules }) => {
        const password = generatePassword(policyOf(length, rules), { maxAttempts: 1 });
        expect(meets(password, length, rules)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('satisfiesPolicy', () => {
  const policy = createPasswordPolicy(4, [
    { type: 'charset', charset: ['a', 'b'], minChars: 2 },
    { type: 'charset', charset: ['1'], minChars: 1 },
  ]);
  it.each([
    ['ab1a', true],
    ['a1b1', true],
    ['a111', false],
    ['ab1', false],
    ['ab1c', false],
    ['abab', false],
  ])('%s → %s', (password, expected) => {
    expect(satisfiesPolicy(password, policy)).toBe(expected);
  });
});
