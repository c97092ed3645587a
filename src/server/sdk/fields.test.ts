import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f, parseBool } from './fields.js';

describe('field coercion (Vault lenient typing)', () => {
  it('reads durations as seconds or Go duration strings', () => {
    const d = f.durationSecond();
    expect(d.coerce(3600)).toBe(3600);
    expect(d.coerce('3600')).toBe(3600);
    expect(d.coerce('1h')).toBe(3600);
    expect(d.coerce('1h30m')).toBe(5400);
    expect(d.coerce('7d')).toBe(604800);
    expect(d.coerce('0s')).toBe(0);
    expect(d.coerce('1500ms')).toBe(1);
    expect(() => d.coerce('soon')).toThrow(/invalid duration/);
    expect(() => d.coerce({})).toThrow();
  });

  it('reads comma strings and arrays as lists', () => {
    const l = f.commaStringSlice();
    expect(l.coerce('a, b,c')).toEqual(['a', 'b', 'c']);
    expect(l.coerce(['a', 'b'])).toEqual(['a', 'b']);
    expect(l.coerce('')).toEqual([]);
    expect(f.stringSlice().coerce('one')).toEqual(['one']);
    expect(f.commaIntSlice().coerce('1,2')).toEqual([1, 2]);
  });

  it('reads booleans as Go strconv.ParseBool does', () => {
    for (const t of [true, 'true', 'True', 'TRUE', 't', 'T', '1', 1]) expect(parseBool(t)).toBe(true);
    for (const x of [false, 'false', 'f', '0', 0, '']) expect(parseBool(x)).toBe(false);
    expect(() => parseBool('yes')).toThrow();
  });

  it('reads integers from numbers and numeric strings only', () => {
    const i = f.int();
    expect(i.coerce(5)).toBe(5);
    expect(i.coerce('5')).toBe(5);
    expect(() => i.coerce(5.5)).toThrow();
    expect(() => i.coerce('five')).toThrow();
  });

  it('reads maps and key=value pairs', () => {
    expect(f.map().coerce({ a: 1 })).toEqual({ a: 1 });
    expect(f.map().coerce('{"a":1}')).toEqual({ a: 1 });
    expect(() => f.map().coerce([1])).toThrow();
    expect(f.kvPairs().coerce(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' });
  });

  it('round-trips every integer through its string form', () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        expect(f.int().coerce(String(n))).toBe(n);
      }),
    );
  });

  it('sums duration parts like Go', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), (h, m, s) => {
        expect(f.durationSecond().coerce(`${h}h${m}m${s}s`)).toBe(h * 3600 + m * 60 + s);
      }),
    );
  });
});
