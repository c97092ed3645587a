import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GO_TYPE, compareGoStrings, goKindName, goTypeName, isTrue, kindOf, mapSet, newMap, sliceUtf8, sortedKeys, utf8Length, zeroValueOf } from './values.js';

describe('values', () => {
  it('classifies values as Go kinds', () => {
    expect([undefined, null, true, 1, 1.5, 2n, 's', [], Buffer.from(''), new Date(), () => 1, {}].map(kindOf)).toEqual([
      'invalid',
      'invalid',
      'bool',
      'int',
      'float',
      'int',
      'string',
      'slice',
      'bytes',
      'time',
      'func',
      'map',
    ]);
    expect(kindOf(2 ** 60)).toBe('float');
    expect(goTypeName({ [GO_TYPE]: '*semver.Version' })).toBe('*semver.Version');
    expect(goTypeName(new Error('x'))).toBe('*errors.errorString');
    expect(goKindName(new Date())).toBe('struct');
  });

  it('has Go’s truth (Go TestIsTrue)', () => {
    const truthy = [1, -1, 0.5, true, 'x', [0], Buffer.from('a'), { a: 1 }, new Date(0), () => 0];
    const falsy = [0, 0.0, false, '', [], Buffer.from(''), {}, null, undefined, { a: undefined }];
    expect(truthy.map(isTrue)).toEqual(truthy.map(() => true));
    expect(falsy.map(isTrue)).toEqual(falsy.map(() => false));
  });

  it('infers the zero value of a map’s element type', () => {
    expect(zeroValueOf({ a: 'x', b: 'y' })).toBe('');
    expect(zeroValueOf({ a: 1, b: 2.5 })).toBe(0);
    expect(zeroValueOf({ a: true })).toBe(false);
    expect(zeroValueOf({ a: 'x', b: 1 })).toBeNull();
    expect(zeroValueOf({})).toBeNull();
  });

  it('orders strings by UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a), Buffer.from(b));
        expect(Math.sign(compareGoStrings(a, b))).toBe(bytes);
      }),
    );
    expect(sortedKeys({ b: 1, a: 1, B: 1, é: 1, '😀': 1 })).toEqual(['B', 'a', 'b', 'é', '😀']);
  });

  it('slices UTF-8 without exceeding the byte budget or splitting characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(40), fc.nat(40), (s, a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const out = sliceUtf8(s, start, end);
        expect(utf8Length(out)).toBeLessThanOrEqual(end - start);
        expect(Buffer.from(out).toString('utf8')).toBe(out);
        expect(Buffer.from(s).includes(Buffer.from(out))).toBe(true);
      }),
    );
    expect(sliceUtf8('héllo', 0, 2)).toBe('h');
    expect(sliceUtf8('héllo', 1, 3)).toBe('é');
    expect(sliceUtf8('héllo', 2)).toBe('llo');
  });

  it('makes maps where any key is data', () => {
    const m = newMap();
    mapSet(m, '__proto__', 1);
    mapSet(m, 'constructor', 2);
    expect(Object.keys(m)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(m)).toBeNull();
  });
});
