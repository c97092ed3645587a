import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createPasswordPolicy, parsePasswordPolicy } from './parse.js';

/** The example of Vault's password-policies page. */
const VAULT_EXAMPLE = `
length = 20

rule "charset" {
  charset = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 1
}

rule "charset" {
  charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  min-chars = 1
}

rule "charset" {
  charset = "0123456789"
  min-chars = 1
}

rule "charset" {
  charset = "!@#$%^&*"
  min-chars = 1
}
`;

function parseError(text: string): string {
  try {
    parsePasswordPolicy(text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the policy to be refused');
}

describe('parsePasswordPolicy', () => {
  it("parses Vault's example: length, rules and the union charset", () => {
    const policy = parsePasswordPolicy(VAULT_EXAMPLE);
    expect(policy.length).toBe(20);
    expect(policy.rules.map((r) => [r.charset.join(''), r.minChars])).toEqual([
      ['abcdefghijklmnopqrstuvwxyz', 1],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1],
      ['0123456789', 1],
      ['!#$%&*@^', 1],
    ]);
    expect(policy.charset.join('')).toBe('!#$%&*0123456789@ABCDEFGHIJKLMNOPQRSTUVWXYZ^abcdefghijklmnopqrstuvwxyz');
  });

  it('deduplicates and sorts characters; min-chars defaults to 0', () => {
    const policy = parsePasswordPolicy('length = 8\nrule "charset" { charset = "cabbac" }\nrule "charset" { charset = "dcé" }');
    expect(policy.rules[0]).toEqual({ type: 'charset', charset: ['a', 'b', 'c'], minChars: 0 });
    expect(policy.charset).toEqual(['a', 'b', 'c', 'd', 'é']);
  });

  it('counts characters as code points (an astral character is one character)', () => {
    const policy = parsePasswordPolicy('length = 4\nrule "charset" { charset = "😀a" }');
    expect(policy.charset).toEqual(['a', '😀']);
  });

  it('accepts JSON, with rules as a list or as an object', () => {
    const list = parsePasswordPolicy(JSON.stringify({ length: 12, rule: [{ charset: { charset: 'ab', 'min-chars': 2 } }] }));
    const object = parsePasswordPolicy(JSON.stringify({ length: 12, rule: { charset: { charset: 'ab', 'min-chars': 2 } } }));
    expect(list).toEqual(object);
    expect(list.rules).toEqual([{ type: 'charset', charset: ['a', 'b'], minChars: 2 }]);
  });

  it("enforces Vault's length limits (4 to 100)", () => {
    expect(parsePasswordPolicy('length = 4\nrule "charset" { charset = "a" }').length).toBe(4);
    expect(parsePasswordPolicy('length = 100\nrule "charset" { charset = "a" }').length).toBe(100);
    expect(parseError('length = 3\nrule "charset" { charset = "a" }')).toBe('passwords must be between 4 and 100 characters');
    expect(parseError('length = 101\nrule "charset" { charset = "a" }')).toBe('passwords must be between 4 and 100 characters');
  });

  it.each([
    ['a syntax error', 'length = ', /^unable to decode: .* at 1:10$/],
    ['invalid JSON', '{"length": 20,', /^unable to decode: invalid JSON/],
    ['a missing length', 'rule "charset" { charset = "a" }', /^"length" is required$/],
    ['a string length', 'length = "20"\nrule "charset" { charset = "a" }', /^"length" must be an integer, not a string at 1:1$/],
    ['a fractional length', 'length = 20.5\nrule "charset" { charset = "a" }', /^"length" must be an integer, not a number/],
    ['no rules', 'length = 20', /^no charset specified/],
    ['an unknown rule type', 'length = 20\nrule "upper" { min = 1 }', /^unrecognized rule type "upper" .* at 2:1$/],
    ['a rule without a type', 'length = 20\nrule { charset = "a" }', /"rule"/],
    ['an unknown rule key', 'length = 20\nrule "charset" {\n  charset = "a"\n  min_chars = 1\n}', /^rule "charset": unknown key "min_chars" .* at 4:3$/],
    ['an unknown top-level key', 'length = 20\nlenght = 30\nrule "charset" { charset = "a" }', /^unknown key "lenght"/],
    ['a missing charset', 'length = 20\nrule "charset" { min-chars = 1 }', /^rule "charset": "charset" is required/],
    ['an empty charset', 'length = 20\nrule "charset" { charset = "" }', /^rule "charset": "charset" must not be empty/],
    ['a list charset', 'length = 20\nrule "charset" { charset = ["a"] }', /^rule "charset": "charset" must be a string, not a list/],
    ['a negative min-chars', 'length = 20\nrule "charset" {\n charset = "a"\n min-chars = -1\n}', /^rule "charset": "min-chars" must be an integer >= 0/],
    ['a string min-chars', 'length = 20\nrule "charset" {\n charset = "a"\n min-chars = "1"\n}', /"min-chars" must be an integer >= 0/],
    ['a non-printable character', 'length = 20\nrule "charset" { charset = "ab\\u0007" }', /non-printable character in charset/],
    ['a tab', 'length = 20\nrule "charset" { charset = "a\\tb" }', /non-printable character in charset/],
    [
      'rules that need more characters than length',
      'length = 5\nrule "charset" {\n charset = "a"\n min-chars = 3\n}\nrule "charset" {\n charset = "b"\n min-chars = 3\n}',
      /^specified rules require at least 6 characters but 5 is specified$/,
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(parseError(text)).toMatch(message);
  });

  it('refuses more than 256 distinct characters', () => {
    const chars = (from: number, n: number): string => Array.from({ length: n }, (_, i) => String.fromCodePoint(from + i)).join('');
    const ok = JSON.stringify({ length: 20, rule: [{ charset: { charset: chars(0x4e00, 200) } }, { charset: { charset: chars(0x4e00 + 150, 106) } }] });
    expect(parsePasswordPolicy(ok).charset).toHaveLength(256);
    const tooMany = JSON.stringify({ length: 20, rule: [{ charset: { charset: chars(0x4e00, 200) } }, { charset: { charset: chars(0x4e00 + 150, 107) } }] });
    expect(parseError(tooMany)).toBe('charset is too long: limited to 256 characters');
  });

  it('never quotes the policy text in a syntax error', () => {
    expect(parseError('length = 20\nrule "charset" { charset = "s3cr3t-marker }')).not.toContain('s3cr3t-marker');
  });
});

describe('createPasswordPolicy', () => {
  it('normalizes hand-built rules and validates them like the parser', () => {
    const policy = createPasswordPolicy(10, [{ type: 'charset', charset: ['ba', 'a'], minChars: 1 }]);
    expect(policy.rules[0]?.charset).toEqual(['a', 'b']);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(() => createPasswordPolicy(10, [{ type: 'charset', charset: [], minChars: 0 }])).toThrow('charset must not be empty');
    expect(() => createPasswordPolicy(10, [{ type: 'charset', charset: ['a'], minChars: 1.5 }])).toThrow('min-chars must be an integer >= 0');
    expect(() => createPasswordPolicy(Number.NaN, [{ type: 'charset', charset: ['a'], minChars: 0 }])).toThrow(UserError);
    expect(() => createPasswordPolicy(10, [{ type: 'charset', charset: ['\n'], minChars: 0 }])).toThrow('non-printable character in charset');
  });
});
