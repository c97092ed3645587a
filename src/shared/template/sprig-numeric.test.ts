/** Sprig conversions and arithmetic (spf13/cast rules). */
import { describe, expect, it } from 'vitest';
import { parseTemplate, sprigFuncs } from './index.js';
import { toFloat64, toInt64 } from './sprig-numeric.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: sprigFuncs }).execute(data);
}

describe('sprig math', () => {
  it.each<[string, string]>([
    ['{{ add 1 2 3 }}', '6'],
    ['{{ add }}', '0'],
    ['{{ add1 41 }}', '42'],
    ['{{ sub 3 2 }}', '1'],
    ['{{ mul 2 3 4 }}', '24'],
    ['{{ div 7 2 }}', '3'],
    ['{{ div -7 2 }}', '-3'],
    ['{{ mod 7 3 }}', '1'],
    ['{{ mod -7 3 }}', '-1'],
    ['{{ max 1 2 3 }} {{ biggest 5 4 }}', '3 5'],
    ['{{ min 3 2 1 }}', '1'],
    ['{{ maxf 1 2.5 3 }} {{ minf 1.5 2 }}', '3 1.5'],
    ['{{ floor 123.9999 }} {{ ceil 123.001 }}', '123 124'],
    ['{{ round 123.555555 3 }} {{ round 123.5555 3 .56 }} {{ round 2.5 0 }}', '123.556 123.555 3'],
    ['{{ add 1.9 1.9 }}', '2'],
    ['{{ add "1" "0x10" "010" }}', '25'],
    ['{{ int "1.00" }} {{ int "1.5" }} {{ int "08" }} {{ int "abc" }} {{ int true }} {{ int nil }}', '1 0 0 0 1 0'],
    ['{{ int64 3.99 }} {{ int -3.99 }}', '3 -3'],
    ['{{ float64 "1.5" }} {{ float64 "1e3" }} {{ float64 "x" }} {{ float64 2 }}', '1.5 1000 0 2'],
    ['{{ atoi "42" }} {{ atoi "-7" }} {{ atoi "4.2" }} {{ atoi "0x10" }}', '42 -7 0 0'],
    ['{{ randInt 5 6 }}', '5'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it('fails on division by zero, like Go', () => {
    expect(() => render('{{ div 1 0 }}')).toThrow('error calling div: runtime error: integer divide by zero');
    expect(() => render('{{ mod 1 0 }}')).toThrow('error calling mod: runtime error: integer divide by zero');
  });

  it('converts like spf13/cast', () => {
    expect(toInt64('  7')).toBe(0);
    expect(toInt64('0b101')).toBe(5);
    expect(toInt64('1_000')).toBe(1000);
    expect(toInt64(NaN)).toBe(0);
    expect(toFloat64(true)).toBe(1);
    expect(toFloat64({})).toBe(0);
  });
});
