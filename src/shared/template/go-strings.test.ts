import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goReplaceAll, goSplitN, goTitle, isGoSpace, mapCase, trimCutset, trimSpace } from './go-strings.js';

describe('Go strings', () => {
  it('maps case rune by rune', () => {
    expect(mapCase('straße', true)).toBe('STRAßE');
    expect(mapCase('Hello', false)).toBe('hello');
  });

  it('trims Unicode spaces but not the BOM, as TrimSpace does', () => {
    expect(trimSpace('\u00a0\t x y \n\u2003')).toBe('x y');
    expect(trimSpace('\ufeffx')).toBe('\ufeffx');
    expect(isGoSpace('\u0085')).toBe(true);
  });

  it('trims a cutset of runes', () => {
    expect(trimCutset('$$5.00$', '$')).toBe('5.00');
    expect(trimCutset('xyhixy', 'yx')).toBe('hi');
    expect(trimCutset('😀a😀', '😀')).toBe('a');
  });

  it('title-cases words', () => {
    expect(goTitle('her royal highness')).toBe('Her Royal Highness');
    expect(goTitle('loud noises')).toBe('Loud Noises');
    expect(goTitle('хлеб')).toBe('Хлеб');
  });

  it('splits like strings.SplitN', () => {
    expect(goSplitN('a,b,c', ',')).toEqual(['a', 'b', 'c']);
    expect(goSplitN('a,b,c', ',', 2)).toEqual(['a', 'b,c']);
    expect(goSplitN('a,b,c', ',', 0)).toEqual([]);
    expect(goSplitN('', ',')).toEqual(['']);
    expect(goSplitN('', '')).toEqual([]);
    expect(goSplitN('a😀b', '')).toEqual(['a', '😀', 'b']);
    expect(goSplitN('abc', '', 2)).toEqual(['a', 'bc']);
  });

  it('replaces like strings.ReplaceAll, rejoining what Split took apart', () => {
    expect(goReplaceAll('aaa', 'a', 'b')).toBe('bbb');
    expect(goReplaceAll('ab', '', '-')).toBe('-a-b-');
    expect(goReplaceAll('', '', '-')).toBe('-');
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (s, sep) => {
        expect(goReplaceAll(s, sep, sep)).toBe(s);
        expect(goSplitN(s, sep).join(sep)).toBe(s);
      }),
    );
  });
});
