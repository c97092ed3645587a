import { describe, expect, it } from 'vitest';
import { assignOwn, putOwn } from './own-record.js';

describe('putOwn / assignOwn', () => {
  it('keeps __proto__ as an ordinary entry and leaves the prototype alone', () => {
    const out: Record<string, number> = {};
    putOwn(out, '__proto__', 1);
    assignOwn(out, Object.fromEntries([['constructor', 2], ['a', 3]]));
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'a']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out['__proto__']).toBe(1);
  });
});
