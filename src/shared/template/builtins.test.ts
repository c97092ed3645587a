import { describe, expect, it } from 'vitest';
import { BUILTINS, htmlEscapeString, jsEscapeString, queryEscape } from './builtins.js';

const call = (name: string, ...args: unknown[]): unknown => (BUILTINS.get(name) as (...a: unknown[]) => unknown)(...args);

describe('builtins', () => {
  it('escapes for JavaScript (Go TestJSEscaping)', () => {
    expect(jsEscapeString('a')).toBe('a');
    expect(jsEscapeString("'foo")).toBe("\\'foo");
    expect(jsEscapeString('Go "jump" \\')).toBe('Go \\"jump\\" \\\\');
    expect(jsEscapeString('Yukihiro says "今日は世界"')).toBe('Yukihiro says \\"今日は世界\\"');
    expect(jsEscapeString('unprintable \uFFFE')).toBe('unprintable \\uFFFE');
    expect(jsEscapeString('<html>')).toBe('\\u003Chtml\\u003E');
    expect(jsEscapeString('no = in attributes')).toBe('no \\u003D in attributes');
    expect(jsEscapeString('&#x27; does not become HTML entity')).toBe('\\u0026#x27; does not become HTML entity');
    expect(jsEscapeString('\x01\n')).toBe('\\u0001\\u000A');
  });

  it('escapes for HTML and URL queries', () => {
    expect(htmlEscapeString(`<a href="x">'&'</a>\0`)).toBe('&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;\uFFFD');
    expect(queryEscape('a b&c=d/é~')).toBe('a+b%26c%3Dd%2F%C3%A9~');
  });

  it('indexes and slices', () => {
    expect(call('index', { a: [1, { b: 'x' }] }, 'a', 1, 'b')).toBe('x');
    expect(call('index', 'hé', 1)).toBe(0xc3);
    expect(call('index', [1, 2])).toEqual([1, 2]);
    expect(call('slice', 'héllo', 1, 3)).toBe('é');
    expect(call('slice', [1, 2, 3], 1)).toEqual([2, 3]);
    expect(() => call('index', [1], 1)).toThrow('index out of range: 1');
    expect(() => call('index', { a: 1 }, 1)).toThrow('value has type int; should be string');
    expect(() => call('index', 5, 1)).toThrow("can't index item of type int");
    expect(() => call('slice', [1], 0, 1, 2, 3)).toThrow('too many slice indexes: 4');
    expect(() => call('slice', 5)).toThrow("can't slice item of type int");
  });

  it('measures lengths', () => {
    expect(call('len', 'héllo')).toBe(6);
    expect(call('len', { a: 1, b: undefined })).toBe(1);
    expect(() => call('len', null)).toThrow('len of nil pointer');
    expect(() => call('len', true)).toThrow('len of type bool');
  });

  it('compares', () => {
    expect(call('eq', 1, 2, 1)).toBe(true);
    expect(call('eq', new Date(1), new Date(1))).toBe(true);
    expect(call('lt', new Date(1), new Date(2))).toBe(true);
    expect(call('ne', 'a', 'b')).toBe(true);
    expect(call('le', 2, 2)).toBe(true);
    expect(call('gt', 'b', 'a')).toBe(true);
    expect(call('ge', 1, 2)).toBe(false);
    expect(() => call('eq', 1, 'a')).toThrow('incompatible types for comparison');
    expect(() => call('lt', [1], [2])).toThrow('invalid type for comparison');
  });

  it('has non-short-circuit and/or for direct calls', () => {
    expect(call('and', 1, 0, 2)).toBe(0);
    expect(call('or', 0, '', 'x')).toBe('x');
    expect(call('not', [])).toBe(true);
    expect(call('call', (a: number) => a + 1, 1)).toBe(2);
    expect(() => call('call', 3)).toThrow('non-function of type int');
  });
});
