/** printf / print tests, taken from Go's fmt/fmt_test.go (cases that apply to template values). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFloat, formatValue, sprint, sprintf, sprintln } from './fmt.js';
import { GO_STRING } from './values.js';

type Case = [format: string, arg: unknown, want: string];

const fmtTests: Case[] = [
  ['%d', 12345, '12345'],
  ['%v', 12345, '12345'],
  ['%t', true, 'true'],
  // strings
  ['%s', 'abc', 'abc'],
  ['%q', 'abc', '"abc"'],
  ['%x', 'abc', '616263'],
  ['%X', 'abc', '616263'],
  ['%x', '', ''],
  ['% x', '', ''],
  ['%#x', '', ''],
  ['%x', 'xyz', '78797a'],
  ['%X', 'xyz', '78797A'],
  ['% x', 'xyz', '78 79 7a'],
  ['% X', 'xyz', '78 79 7A'],
  ['%#x', 'xyz', '0x78797a'],
  ['%#X', 'xyz', '0X78797A'],
  ['%# x', 'xyz', '0x78 0x79 0x7a'],
  ['%# X', 'xyz', '0X78 0X79 0X7A'],
  // escaped strings
  ['%q', '', '""'],
  ['%#q', '', '``'],
  ['%q', '"', '"\\""'],
  ['%#q', '"', '`"`'],
  ['%q', '`', '"`"'],
  ['%#q', '`', '"`"'],
  ['%q', '\n', '"\\n"'],
  ['%#q', '\n', '"\\n"'],
  ['%q', '\\n', '"\\\\n"'],
  ['%#q', '\\n', '`\\n`'],
  ['%q', '日本語', '"日本語"'],
  ['%+q', '日本語', '"\\u65e5\\u672c\\u8a9e"'],
  ['%#q', '日本語', '`日本語`'],
  ['%#+q', '日本語', '`日本語`'],
  ['%q', '\x07\b\f\n\r\t\v"\\', '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'],
  ['%q', '☺', '"☺"'],
  ['% q', '☺', '"☺"'],
  ['%+q', '☺', '"\\u263a"'],
  ['%10q', '⌘', '       "⌘"'],
  ['%+10q', '⌘', '  "\\u2318"'],
  ['%-10q', '⌘', '"⌘"       '],
  ['%+-10q', '⌘', '"\\u2318"  '],
  ['%010q', '⌘', '0000000"⌘"'],
  ['%+010q', '⌘', '00"\\u2318"'],
  ['%-010q', '⌘', '"⌘"       '],
  ['%#8q', '\n', '    "\\n"'],
  ['%#-8q', '\t', '`\t`     '],
  ['%q', '\u{10ffff}', '"\\U0010ffff"'],
  ['%#q', '\u{10ffff}', '`\u{10ffff}`'],
  ['%q', '\u00a0', '"\\u00a0"'],
  ['%q', '\x7f', '"\\x7f"'],
  // characters
  ['%c', 0x78, 'x'],
  ['%c', 0xe4, 'ä'],
  ['%c', 0x672c, '本'],
  ['%.0c', 0x2318, '⌘'],
  ['%3c', 0x2318, '  ⌘'],
  ['%-3c', 0x2318, '⌘  '],
  ['%c', -1, '\ufffd'],
  ['%c', 0xdc80, '\ufffd'],
  ['%c', 0x110000, '\ufffd'],
  ['%q', 0, "'\\x00'"],
  ['%q', 0x22, `'"'`],
  ['%q', 0x27, "'\\''"],
  ['%q', 0x78, "'x'"],
  ['%q', 0xff, "'ÿ'"],
  ['%+q', 0xff, "'\\u00ff'"],
  ['%q', 0x0a, "'\\n'"],
  ['%+q', 0x263a, "'\\u263a'"],
  ['%10q', 0x2318, "       '⌘'"],
  ['%q', 0x10ffff, "'\\U0010ffff'"],
  ['%q', -1, "'\ufffd'"],
  // width
  ['%5s', 'abc', '  abc'],
  ['%2s', '☺', ' ☺'],
  ['%-5s', 'abc', 'abc  '],
  ['%05s', 'abc', '00abc'],
  ['%5s', 'abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyz'],
  ['%.5s', 'abcdefghijklmnopqrstuvwxyz', 'abcde'],
  ['%.0s', '日本語日本語', ''],
  ['%.5s', '日本語日本語', '日本語日本'],
  ['%.10s', '日本語日本語', '日本語日本語'],
  ['%08q', 'abc', '000"abc"'],
  ['%-8q', 'abc', '"abc"   '],
  ['%.5q', 'abcdefghijklmnopqrstuvwxyz', '"abcde"'],
  ['%.3q', '日本語日本語', '"日本語"'],
  ['%.1x', '日本語', 'e6'],
  ['%10.1q', '日本語日本語', '       "日"'],
  ['%10v', null, '     <nil>'],
  ['%-10v', null, '<nil>     '],
  // integers
  ['%d', -12345, '-12345'],
  ['%v', -12345, '-12345'],
  ['%.d', 0, ''],
  ['%.0d', 0, ''],
  ['%6.0d', 0, '      '],
  ['%06.0d', 0, '      '],
  ['% d', 12345, ' 12345'],
  ['%+d', 12345, '+12345'],
  ['%+d', -12345, '-12345'],
  ['%b', 7, '111'],
  ['%b', -6, '-110'],
  ['%#b', 7, '0b111'],
  ['%#b', -6, '-0b110'],
  ['%o', 0o1234, '1234'],
  ['%#o', 0o1234, '01234'],
  ['%O', 0o1234, '0o1234'],
  ['%O', -0o1234, '-0o1234'],
  ['%x', 0x1234abcd, '1234abcd'],
  ['%#x', 0x1234abcd, '0x1234abcd'],
  ['%x', -0x1234abcd, '-1234abcd'],
  ['%#x', -0x1234abcd, '-0x1234abcd'],
  ['%X', 0x1234abcd, '1234ABCD'],
  ['%X', -0x1234abcd, '-1234ABCD'],
  ['%#X', 0x1234abcd, '0X1234ABCD'],
  ['%.20b', 7, '00000000000000000111'],
  ['%10d', 12345, '     12345'],
  ['%10d', -12345, '    -12345'],
  ['%+10d', 12345, '    +12345'],
  ['%010d', 12345, '0000012345'],
  ['%010d', -12345, '-000012345'],
  ['%20.8d', 1234, '            00001234'],
  ['%20.8d', -1234, '           -00001234'],
  ['%020.8d', 1234, '            00001234'],
  ['%-20.8d', 1234, '00001234            '],
  ['%-20.8d', -1234, '-00001234           '],
  ['%-#20.8x', 0x1234abc, '0x01234abc          '],
  ['%-#20.8X', 0x1234abc, '0X01234ABC          '],
  ['%-#20.8o', 0o1234, '00001234            '],
  ['%d', 9007199254740991, '9007199254740991'],
  ['%d', 12345678901234567890n, '12345678901234567890'],
  // unicode
  ['%U', 0, 'U+0000'],
  ['%U', 0x0a, 'U+000A'],
  ['%#U', 0x0a, 'U+000A'],
  ['%+U', 0x78, 'U+0078'],
  ['%# U', 0x78, "U+0078 'x'"],
  ['%#.2U', 0x78, "U+0078 'x'"],
  ['%U', 0x263a, 'U+263A'],
  ['%#U', 0x263a, "U+263A '☺'"],
  ['%U', 0x1d6c2, 'U+1D6C2'],
  ['%#U', 0x1d6c2, "U+1D6C2 '𝛂'"],
  ['%#14.6U', 0x2318, "  U+002318 '⌘'"],
  ['%#-14.6U', 0x2318, "U+002318 '⌘'  "],
  // floats
  ['%+.3e', 0.5, '+5.000e-01'],
  ['%+.3e', 1.5, '+1.500e+00'],
  ['%+.3f', -1.5, '-1.500'],
  ['%+.3F', -1.5, '-1.500'],
  ['%+07.2f', 1.5, '+001.50'],
  ['%+07.2f', -1.5, '-001.50'],
  ['%-07.2f', 1.5, '1.50   '],
  ['%-07.2f', -1.5, '-1.50  '],
  ['%+-07.2f', 1.5, '+1.50  '],
  ['%+10.2f', 1.5, '     +1.50'],
  ['%+10.2f', -1.5, '     -1.50'],
  ['% .3E', -1.5, '-1.500E+00'],
  ['% .3e', 1.5, ' 1.500e+00'],
  ['%+.3g', 1.5, '+1.5'],
  ['% .3g', -1.5, '-1.5'],
  ['% .3g', 1.5, ' 1.5'],
  ['%e', 1234.5678e3, '1.234568e+06'],
  ['%e', 1234.5678e-8, '1.234568e-05'],
  ['%e', -7.5, '-7.500000e+00'],
  ['%e', -1e-9, '-1.000000e-09'],
  ['%f', 1234.5678e3, '1234567.800000'],
  ['%f', 1234.5678e-8, '0.000012'],
  ['%f', -7.5, '-7.500000'],
  ['%f', -1e-9, '-0.000000'],
  ['%g', 1234.5678e3, '1.2345678e+06'],
  ['%g', 1234.5678e-8, '1.2345678e-05'],
  ['%g', -7.5, '-7.5'],
  ['%g', -1e-9, '-1e-09'],
  ['%E', 1234.5678e3, '1.234568E+06'],
  ['%E', -1e-9, '-1.000000E-09'],
  ['%G', 1234.5678e3, '1.2345678E+06'],
  ['%G', -1e-9, '-1E-09'],
  ['%20.6e', 1.2345e3, '        1.234500e+03'],
  ['%20.6e', 1.2345e-3, '        1.234500e-03'],
  ['%20e', 1.2345e3, '        1.234500e+03'],
  ['%20.8e', 1.2345e3, '      1.23450000e+03'],
  ['%20f', 1.23456789e3, '         1234.567890'],
  ['%20f', 1.23456789e-3, '            0.001235'],
  ['%20f', 12345678901.234568, '  12345678901.234568'],
  ['%-20f', 1.23456789e3, '1234.567890         '],
  ['%20.8f', 1.23456789e3, '       1234.56789000'],
  ['%20.8f', 1.23456789e-3, '          0.00123457'],
  ['%g', 1.23456789e3, '1234.56789'],
  ['%g', 1.23456789e-3, '0.00123456789'],
  ['%g', 1.23456789e20, '1.23456789e+20'],
  ['%.2f', 2.675, '2.67'],
  ['%.0f', 2.5, '2'],
  ['%.0f', 3.5, '4'],
  ['%.1f', 0.25, '0.2'],
  ['%.3g', 1234.5, '1.23e+03'],
  ['%.10g', 0.1, '0.1'],
  ['%.2f', 1e21 + 0.5, '1000000000000000000000.00'],
  ['%f', Infinity, '+Inf'],
  ['%.1f', -Infinity, '-Inf'],
  ['% f', NaN, ' NaN'],
  ['%20f', Infinity, '                +Inf'],
  ['% 20F', Infinity, '                 Inf'],
  ['% 20e', -Infinity, '                -Inf'],
  ['%20e', NaN, '                 NaN'],
  ['% +20E', NaN, '                +NaN'],
  ['% -20g', NaN, ' NaN                '],
  ['%+-20G', Infinity, '+Inf                '],
  ['%+020e', Infinity, '                +Inf'],
  ['%-020f', -Infinity, '-Inf                '],
  ['%-020E', NaN, 'NaN                 '],
  // padding rules compared with C printf
  ['%.2f', 1.5, '1.50'],
  ['% .2f', 1.5, ' 1.50'],
  ['%7.2f', -1.5, '  -1.50'],
  ['% 7.2f', 1.5, '   1.50'],
  ['%+7.2f', 1.5, '  +1.50'],
  ['%07.2f', 1.5, '0001.50'],
  ['%07.2f', -1.5, '-001.50'],
  ['% 07.2f', 1.5, ' 001.50'],
  ['% +07.2f', -1.5, '-001.50'],
  // composites
  ['%v', [1, 2, 3, 4, 5], '[1 2 3 4 5]'],
  ['%v', [1, 'hello', 2.5, null], '[1 hello 2.5 <nil>]'],
  ['%d', [1, 2, 3], '[1 2 3]'],
  ['%x', [10, 11], '[a b]'],
  ['%q', ['a', 'b'], '["a" "b"]'],
  ['%6v', [1, 11, 111], '[     1     11    111]'],
  ['%06v', [1, 11, 111], '[000001 000011 000111]'],
  ['%-6v', [1, 11, 111], '[1      11     111   ]'],
  ['%v', { b: 2, a: 1, c: { d: [] } }, 'map[a:1 b:2 c:map[d:[]]]'],
  ['%v', { a: null }, 'map[a:<nil>]'],
  ['%v', {}, 'map[]'],
  ['%v', [], '[]'],
  ['%b', Uint8Array.from([65, 66, 67]), '[1000001 1000010 1000011]'],
  ['%c', Uint8Array.from([65, 66, 67]), '[A B C]'],
  ['%d', Uint8Array.from([65, 66, 67]), '[65 66 67]'],
  ['%o', Uint8Array.from([65, 66, 67]), '[101 102 103]'],
  ['%U', Uint8Array.from([65, 66, 67]), '[U+0041 U+0042 U+0043]'],
  ['%v', Uint8Array.from([65, 66, 67]), '[65 66 67]'],
  ['%s', Uint8Array.from([65, 66, 67]), 'ABC'],
  ['%q', Uint8Array.from([65, 66, 67]), '"ABC"'],
  ['%x', Uint8Array.from([65, 66, 67]), '414243'],
  ['%012v', Uint8Array.from([]), '[]'],
  // bad verbs
  ['%z', 5, '%!z(int=5)'],
  ['%s', 5, '%!s(int=5)'],
  ['%d', 'hi', '%!d(string=hi)'],
  ['%d', 1.5, '%!d(float64=1.5)'],
  ['%t', 1, '%!t(int=1)'],
  ['%d', null, '%!d(<nil>)'],
  ['%d', true, '%!d(bool=true)'],
  // types
  ['%T', 1, 'int'],
  ['%T', 1.5, 'float64'],
  ['%T', 'x', 'string'],
  ['%T', true, 'bool'],
  ['%T', null, '<nil>'],
  ['%T', [1], '[]interface {}'],
  ['%T', { a: 1 }, 'map[string]interface {}'],
  ['%T', Uint8Array.from([1]), '[]uint8'],
  ['%T', new Date(0), 'time.Time'],
  // %v flags
  ['%+v', 5, '5'],
  ['%#v', 'a', '"a"'],
];

describe('sprintf (Go fmt tests)', () => {
  it.each(fmtTests)('%s of %o', (format, arg, want) => {
    expect(sprintf(format, [arg])).toBe(want);
  });
});

describe('sprintf argument handling (Go reorder and error tests)', () => {
  it.each<[string, unknown[], string]>([
    ['%[1]d', [1], '1'],
    ['%[2]d', [2, 1], '1'],
    ['%[2]d %[1]d', [1, 2], '2 1'],
    ['%[2]*[1]d', [2, 5], '    2'],
    ['%6.2f', [12.5], ' 12.50'],
    ['%[3]*.[2]*[1]f', [12.5, 2, 6], ' 12.50'],
    ['%[1]*.[2]*[3]f', [6, 2, 12.5], ' 12.50'],
    ['%10f', [12.5], ' 12.500000'],
    ['%[1]*[3]f', [10, 99, 12.5], ' 12.500000'],
    ['%.[1]*[3]f', [6, 99, 12.5], '12.500000'],
    ['%d %d %d %#[1]o %#o %#o', [11, 12, 13], '11 12 13 013 014 015'],
    ['%[d', [2, 1], '%!d(BADINDEX)'],
    ['%]d', [2, 1], '%!](int=2)d%!(EXTRA int=1)'],
    ['%[]d', [2, 1], '%!d(BADINDEX)'],
    ['%[-3]d', [2, 1], '%!d(BADINDEX)'],
    ['%[99]d', [2, 1], '%!d(BADINDEX)'],
    ['%[3]', [2, 1], '%!(NOVERB)'],
    ['%[1].2d', [5, 6], '%!d(BADINDEX)'],
    ['%[1]2d', [2, 1], '%!d(BADINDEX)'],
    ['%3.[2]d', [7], '%!d(BADINDEX)'],
    ['%.[2]d', [7], '%!d(BADINDEX)'],
    ['%d %d %d %#[1]o %#o %#o %#o', [11, 12, 13], '11 12 13 013 014 015 %!o(MISSING)'],
    ['%[5]d %[2]d %d', [1, 2, 3], '%!d(BADINDEX) 2 3'],
    ['%d %[3]d %d', [1, 2], '1 %!d(BADINDEX) 2'],
    ['%.[]', [], '%!](BADINDEX)'],
    ['%.-3d', [42], '%!-(int=42)3d'],
    ['%2147483648d', [42], '%!(NOVERB)%!(EXTRA int=42)'],
    ['%.2147483648d', [42], '%!(NOVERB)%!(EXTRA int=42)'],
    ['', [null], '%!(EXTRA <nil>)'],
    ['', [2], '%!(EXTRA int=2)'],
    ['no args', ['hello'], 'no args%!(EXTRA string=hello)'],
    ['%s %', ['hello'], 'hello %!(NOVERB)'],
    ['%s %.2', ['hello'], 'hello %!(NOVERB)'],
    ['%010.2', ['12345'], '%!(NOVERB)%!(EXTRA string=12345)'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%*d', ['x', 1], '%!(BADWIDTH)1'],
    ['%-*d', [4, 1], '1   '],
    ['%*d', [-4, 1], '1   '],
    ['%.*d', [-1, 1], '%!(BADPREC)1'],
    ['100%%', [], '100%'],
  ])('%s %j', (format, args, want) => {
    expect(sprintf(format, args)).toBe(want);
  });
});

describe('print and println', () => {
  it('adds spaces between operands when neither is a string (Go Sprint)', () => {
    expect(sprint([1, 2, 3])).toBe('1 2 3');
    expect(sprint(['a', 1, 'b'])).toBe('a1b');
    expect(sprint([1, 'a', 2])).toBe('1a2');
    expect(sprint(['a', 'b'])).toBe('ab');
    expect(sprint([null, 1])).toBe('<nil> 1');
    expect(sprintln(['a', 1, 'b'])).toBe('a 1 b\n');
  });

  it('prints floats in the shortest form, with exponents like Go', () => {
    expect(formatValue(1.5)).toBe('1.5');
    expect(formatValue(1234567.5)).toBe('1.2345675e+06');
    expect(formatValue(0.000012)).toBe('1.2e-05');
    expect(formatValue(0.0001)).toBe('0.0001');
    expect(formatValue(123456.5)).toBe('123456.5');
    expect(formatValue(2 ** 60)).toBe('1.152921504606847e+18');
    expect(formatValue(-0.5)).toBe('-0.5');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('-Inf');
  });

  it('uses a value’s String() when it has one', () => {
    const v = { [GO_STRING]: () => 'custom', a: 1 };
    expect(formatValue(v)).toBe('custom');
    expect(sprintf('%s|%q|%d', [v, v, v])).toBe('custom|"custom"|%!d(map[string]interface {}=custom)');
    expect(formatValue(new Error('boom'))).toBe('boom');
  });

  it('prints dates as Go prints a time.Time', () => {
    expect(formatValue(new Date(Date.UTC(2009, 10, 10, 23, 0, 0, 500)))).toMatch(/^2009-11-1\d \d\d:00:00\.5 [+-]\d{4} \S+$/);
  });
});

describe('formatFloat (strconv)', () => {
  it.each<[number, 'e' | 'E' | 'f' | 'g' | 'G', number, string]>([
    [1, 'e', 5, '1.00000e+00'],
    [1, 'f', 5, '1.00000'],
    [1, 'g', 5, '1'],
    [1, 'g', -1, '1'],
    [20, 'g', -1, '20'],
    [1234567.8, 'g', -1, '1.2345678e+06'],
    [200000, 'g', -1, '200000'],
    [2000000, 'g', -1, '2e+06'],
    [400, 'g', 2, '4e+02'],
    [40, 'g', 2, '40'],
    [0, 'e', 5, '0.00000e+00'],
    [0, 'f', 5, '0.00000'],
    [0, 'g', 5, '0'],
    [0, 'g', -1, '0'],
    [-1, 'e', 5, '-1.00000e+00'],
    [12, 'f', 0, '12'],
    [123456700, 'e', 5, '1.23457e+08'],
    [1.2345e6, 'e', 5, '1.23450e+06'],
    [1e23, 'e', 17, '9.99999999999999916e+22'],
    [1e23, 'f', 17, '99999999999999991611392.00000000000000000'],
    [1e23, 'g', 17, '9.9999999999999992e+22'],
    [1e23, 'e', -1, '1e+23'],
    [1e23, 'f', -1, '100000000000000000000000'],
    [1e23, 'g', -1, '1e+23'],
    [100, 'e', -1, '1e+02'],
    [32, 'g', -1, '32'],
    [32, 'g', 0, '3e+01'],
    [-0, 'g', -1, '-0'],
    [0.5, 'f', 0, '0'],
    [1.5, 'f', 0, '2'],
    [5e-324, 'g', -1, '5e-324'],
    [1.7976931348623157e308, 'g', -1, '1.7976931348623157e+308'],
  ])('%d %s %d', (v, f, prec, want) => {
    expect(formatFloat(v, f, prec)).toBe(want);
  });

  it('prints every finite double with %v so that it parses back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = formatValue(x);
        expect(Number(s)).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('rounds %.Nf of a double like exact decimal arithmetic, ties to even', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 3 }), (n, p) => {
        // quarters are exact in binary, so a tie is a real tie
        const x = n / 4;
        const scaled = x * 10 ** p;
        const floor = Math.floor(scaled);
        const diff = scaled - floor;
        const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
        // + 0 because Go prints a negative value that rounds to zero as -0
        expect(Number(formatFloat(x, 'f', p)) + 0).toBe(rounded / 10 ** p + 0);
      }),
    );
  });

  it('prints %d of any safe integer as String(n)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(sprintf('%d', [n])).toBe(String(n));
      }),
    );
  });
});
