import { describe, expect, it } from 'vitest';
import { pageKeys } from './list.js';

describe('pageKeys', () => {
  it('pages like OpenBao: after is exclusive and need not exist; limit ≤ 0 means all', () => {
    const keys = ['c', 'a', 'b', 'd'];
    expect(pageKeys(keys, undefined, undefined)).toEqual(['a', 'b', 'c', 'd']);
    expect(pageKeys(keys, 'b', undefined)).toEqual(['c', 'd']);
    expect(pageKeys(keys, 'bb', 1)).toEqual(['c']);
    expect(pageKeys(keys, '', 2)).toEqual(['a', 'b']);
    expect(pageKeys(keys, undefined, 0)).toEqual(['a', 'b', 'c', 'd']);
    expect(pageKeys(keys, undefined, -3)).toEqual(['a', 'b', 'c', 'd']);
  });
});
