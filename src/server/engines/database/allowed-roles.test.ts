import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, roleAllowed } from './allowed-roles.js';

describe('allowed_roles matching', () => {
  it('matches exact names, * and globs like go-glob', () => {
    expect(roleAllowed(['readonly'], 'readonly')).toBe(true);
    expect(roleAllowed(['readonly'], 'readwrite')).toBe(false);
    expect(roleAllowed(['*'], 'anything')).toBe(true);
    expect(roleAllowed(['app-*'], 'app-web')).toBe(true);
    expect(roleAllowed(['app-*'], 'xapp-web')).toBe(false);
    expect(roleAllowed(['*-ro'], 'billing-ro')).toBe(true);
    expect(roleAllowed(['*-ro'], 'billing-rw')).toBe(false);
    expect(roleAllowed(['a*b*c'], 'a-x-b-y-c')).toBe(true);
    expect(roleAllowed(['a*b*c'], 'a-x-c-y-b')).toBe(false);
    expect(roleAllowed(['x', 'team-*'], 'team-a')).toBe(true);
  });

  it('an empty list allows nobody', () => {
    expect(roleAllowed([], 'readonly')).toBe(false);
  });

  it('a pattern without * matches only itself; "*"+s+"*" matches any string containing s (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9-]{0,12}$/);
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(globMatch(a, b)).toBe(a === b);
        expect(globMatch(`*${a}*`, b)).toBe(b.includes(a));
        expect(globMatch(`${a}*`, b)).toBe(b.startsWith(a));
      }),
    );
  });
});
