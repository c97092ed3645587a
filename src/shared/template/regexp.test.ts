import { describe, expect, it } from 'vitest';
import { InvalidRegexpError, allMatches, compileGoRegexp, quoteMeta, replaceAll, split, translateRe2 } from './regexp.js';

describe('translateRe2', () => {
  it.each<[string, string, string]>([
    ['(?P<name>a)', '(?<name>a)', 'gu'],
    ['(?i)abc', 'abc', 'gui'],
    ['(?ms)^a.$', '^a[\\s\\S]$', 'gum'],
    ['a.b', 'a[^\\n]b', 'gu'],
    ['\\s\\S', '[\\t\\n\\f\\r ][^\\t\\n\\f\\r ]', 'gu'],
    ['[\\s]', '[\\t\\n\\f\\r ]', 'gu'],
    ['\\Aab\\z', '^ab$', 'gu'],
    ['(?m)\\Aab\\z', '(?<![\\s\\S])ab(?![\\s\\S])', 'gum'],
    ['\\pL\\p{Lu}\\PN\\p{Greek}\\p{^Greek}', '\\p{L}\\p{Lu}\\P{N}\\p{Script=Greek}\\P{Script=Greek}', 'gu'],
    ['[[:alpha:][:digit:]_]', '[A-Za-z0-9_]', 'gu'],
    ['\\Q.*\\E+', '\\.\\*+', 'gu'],
    ['\\x{263a}\\x41\\101\\0', '\\u{263a}\\u{41}\\u{41}\\u{0}', 'gu'],
    ['a{2,3}b{2,}', 'a{2,3}b{2,}', 'gu'],
    ['{x}', '\\{x\\}', 'gu'],
    ['[]a]', '[\\]a]', 'gu'],
    ['\\-\\_\\#', '-_#', 'gu'],
  ])('%j', (pattern, source, flags) => {
    expect(translateRe2(pattern)).toEqual({ source, flags });
  });

  it('allows a flag group that changes nothing', () => {
    expect(translateRe2('(?i)a(?i:b)').source).toBe('a(?:b)');
  });

  it.each(['(?=a)', '(?!a)', '(?<=a)', '(?<!a)', '(a)\\1', 'a**', 'a*+', 'a{1001}', 'a{2,1}', '(?U)a', 'a(?i)b', '[[:nope:]]', '[[:^alpha:]]', '\\C', '\\', '[a', '(?P<1a>x)', '\\x{110000}'])(
    'rejects %j',
    (pattern) => {
      expect(() => compileGoRegexp(pattern)).toThrow(InvalidRegexpError);
    },
  );
});

describe('Go iteration rules', () => {
  const re = (p: string): RegExp => compileGoRegexp(p);

  it('skips an empty match right after a match', () => {
    expect(allMatches(re('a*'), 'baaab', -1).map((m) => m[0])).toEqual(['', 'aaa', '']);
    expect(allMatches(re('a|'), 'baaac', -1).map((m) => m.index)).toEqual([0, 1, 2, 3, 5]);
    expect(allMatches(re(''), '😀x', -1).map((m) => m.index)).toEqual([0, 2, 3]);
  });

  it('replaces like ReplaceAllString', () => {
    expect(replaceAll(re('a*'), 'baaac', 'X', false)).toBe('XbXcX');
    expect(replaceAll(re(''), 'abc', '-', false)).toBe('-a-b-c-');
    expect(replaceAll(re('(a)(b)?'), 'ab a', '[$2$1]', false)).toBe('[ba] [a]');
    expect(replaceAll(re('(?P<x>a)'), 'a', '${x}$x${1}$', false)).toBe('aaa$');
    expect(replaceAll(re('a'), 'a', '$1', true)).toBe('$1');
  });

  it('splits like Regexp.Split', () => {
    expect(split(re('a'), 'a', 'banana', -1)).toEqual(['b', 'n', 'n', '']);
    expect(split(re('a'), 'a', 'banana', 0)).toEqual([]);
    expect(split(re('a'), 'a', 'banana', 1)).toEqual(['banana']);
    expect(split(re('a'), 'a', 'banana', 2)).toEqual(['b', 'nana']);
    expect(split(re(''), '', 'abc', -1)).toEqual(['a', 'b', 'c']);
    expect(split(re('x*'), 'x*', '', -1)).toEqual(['']);
  });

  it('quotes metacharacters', () => {
    expect(quoteMeta('1.2*[3]')).toBe('1\\.2\\*\\[3\\]');
    expect(new RegExp(quoteMeta('a+b?'), 'u').test('a+b?')).toBe(true);
  });
});
