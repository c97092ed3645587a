import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canBackquote, goQuote, goQuoteRune, parseGoFloat, parseGoInt, unquote, unquoteChar } from './strconv.js';

describe('goQuote (strconv.Quote)', () => {
  it.each<[string, string]>([
    ['', '""'],
    ['abc', '"abc"'],
    ['"\\', '"\\"\\\\"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['☺', '"☺"'],
    ['\u00a0\u2028', '"\\u00a0\\u2028"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['e\u0301', '"e\u0301"'],
    ['\ud800', '"\\ufffd"'],
  ])('%j', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });

  it('escapes everything beyond ASCII with QuoteToASCII', () => {
    expect(goQuote('日本☺', true)).toBe('"\\u65e5\\u672c\\u263a"');
    expect(goQuote('😀', true)).toBe('"\\U0001f600"');
  });

  it('quotes runes', () => {
    expect(goQuoteRune(0x27)).toBe("'\\''");
    expect(goQuoteRune(0x22)).toBe(`'"'`);
    expect(goQuoteRune(-5)).toBe("'\ufffd'");
  });

  it('knows when a string can be backquoted', () => {
    expect(canBackquote('a\tb')).toBe(true);
    expect(canBackquote('a`b')).toBe(false);
    expect(canBackquote('a\nb')).toBe(false);
  });

  it('round-trips through unquote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(unquote(goQuote(s))).toBe(s);
      }),
    );
  });
});

describe('unquote (strconv.Unquote)', () => {
  it.each<[string, string]>([
    ['""', ''],
    ['"a\\tb"', 'a\tb'],
    ['"\\x41\\101\\u263a\\U0001F600"', 'AA☺😀'],
    ['"\\xe2\\x98\\xba"', '☺'],
    ['`raw\\n\r`', 'raw\\n'],
    ["'a'", 'a'],
    ["'\\''", "'"],
    ["'☺'", '☺'],
  ])('%j', (literal, want) => {
    expect(unquote(literal)).toBe(want);
  });

  it.each(['"', '"abc', '"\\q"', '"\\\'"', "'ab'", "'\\\"'", "''", '"a\nb"', '`a`b`', '"\\400"', '"\\uD800"', '"\\x4"'])('rejects %j', (literal) => {
    expect(() => unquote(literal)).toThrow('invalid syntax');
  });

  it('decodes one character at a time', () => {
    expect(unquoteChar('\\n rest', "'")).toEqual({ value: 10, isByte: false, tail: ' rest' });
    expect(unquoteChar('\\xff', "'")).toEqual({ value: 255, isByte: true, tail: '' });
  });
});

describe('Go number literals', () => {
  it.each<[string, bigint | undefined]>([
    ['0', 0n],
    ['42', 42n],
    ['-42', -42n],
    ['+7', 7n],
    ['0x1F', 31n],
    ['0X1f', 31n],
    ['0o17', 15n],
    ['017', 15n],
    ['0b101', 5n],
    ['1_000', 1000n],
    ['0x_1F', 31n],
    ['08', undefined],
    ['1__0', undefined],
    ['_1', undefined],
    ['1_', undefined],
    ['0x', undefined],
    ['1.0', undefined],
    ['9223372036854775807', 9223372036854775807n],
    ['9223372036854775808', undefined],
    ['-9223372036854775808', -9223372036854775808n],
  ])('int %j', (text, want) => {
    expect(parseGoInt(text)).toBe(want);
  });

  it.each<[string, number | undefined]>([
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['-1.5e-3', -0.0015],
    ['0x1.ep+2', 7.5],
    ['0x1p-2', 0.25],
    ['1_0.5', 10.5],
    ['1.E', undefined],
    ['abc', undefined],
    ['0x1.e', undefined],
  ])('float %j', (text, want) => {
    expect(parseGoFloat(text)).toBe(want);
  });
});
