import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch (go-glob)', () => {
  it('matches Vault’s event-type patterns', () => {
    expect(globMatch('*', 'kv-v2/data-write')).toBe(true);
    expect(globMatch('kv*', 'kv-v1/write')).toBe(true);
    expect(globMatch('kv-v2/data-*', 'kv-v2/data-write')).toBe(true);
    expect(globMatch('kv-v2/data-*', 'kv-v2/metadata-write')).toBe(false);
    expect(globMatch('kv-v2/data-write', 'kv-v2/data-write')).toBe(true);
    expect(globMatch('kv-v2/data-write', 'kv-v2/data-writes')).toBe(false);
    expect(globMatch('*write', 'kv-v2/data-write')).toBe(true);
    expect(globMatch('a*b*a', 'aba')).toBe(true);
    expect(globMatch('a*a', 'a')).toBe(false);
  });

  it('agrees with an equivalent regular expression (property)', () => {
    const piece = fc.stringMatching(/^[a-c/-]{0,3}$/);
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-c/-]{0,10}$/), (parts, subject) => {
        const pattern = parts.join('*');
        const regex = new RegExp(`^${parts.map((p) => p.replace(/[-/]/g, '\\$&')).join('.*')}$`, 's');
        expect(globMatch(pattern, subject)).toBe(regex.test(subject));
      }),
    );
  });
});
