import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, containsCredentialMarker, createRedactor, goPathEscape, renderConnectionUrl } from './connection-url.js';

describe('goPathEscape', () => {
  it("matches Go's url.PathEscape", () => {
    // Values from Go: url.PathEscape(…)
    expect(goPathEscape('abc-_.~XYZ019')).toBe('abc-_.~XYZ019');
    expect(goPathEscape('$&+:=@')).toBe('$&+:=@');
    expect(goPathEscape('/;,?')).toBe('%2F%3B%2C%3F');
    expect(goPathEscape('a b#%"')).toBe('a%20b%23%25%22');
    expect(goPathEscape('pässwörd')).toBe('p%C3%A4ssw%C3%B6rd');
  });

  it('is undone by percent-decoding, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        expect(decodeURIComponent(goPathEscape(value))).toBe(value);
        expect(goPathEscape(value)).toMatch(/^[A-Za-z0-9\-_.~$&+:=@%]*$/);
      }),
    );
  });
});

describe('renderConnectionUrl', () => {
  const template = 'postgres://{{username}}:{{password}}@db:5432/app?sslmode=disable';

  it('path-escapes both credentials by default', () => {
    expect(renderConnectionUrl(template, { username: 'v ault', password: 'p/w?#' }, { escapeUsername: true, escapePassword: true })).toBe(
      'postgres://v%20ault:p%2Fw%3F%23@db:5432/app?sslmode=disable',
    );
  });

  it('inserts raw values when escaping is off (MySQL passwords, disable_escaping)', () => {
    expect(
      renderConnectionUrl('{{username}}:{{password}}@tcp(h:3306)/', { username: 'a b', password: 'p@ss:/w' }, { escapeUsername: true, escapePassword: false }),
    ).toBe('a%20b:p@ss:/w@tcp(h:3306)/');
  });

  it('substitutes once: a password holding {{username}} stays literal', () => {
    expect(renderConnectionUrl('{{username}}|{{password}}', { username: 'u', password: '{{username}}' }, { escapeUsername: false, escapePassword: false })).toBe(
      'u|{{username}}',
    );
  });
});

describe('containsCredentialMarker', () => {
  it('spots the two template variables only', () => {
    expect(containsCredentialMarker('x{{password}}')).toBe(true);
    expect(containsCredentialMarker('{{username}}')).toBe(true);
    expect(containsCredentialMarker('{{name}} {{ password }}')).toBe(false);
  });
});

describe('createRedactor', () => {
  it('removes raw, path-escaped and component-encoded forms', () => {
    const redact = createRedactor(['s3cr/et pw', undefined, '']);
    expect(redact('a s3cr/et pw b s3cr%2Fet%20pw c s3cr%2Fet%20pw')).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED}`);
    expect(createRedactor([])('unchanged')).toBe('unchanged');
  });

  it('removes overlapping secrets whole', () => {
    expect(createRedactor(['abc', 'bcd'])('xabcdx')).toBe(`x${REDACTED}x`);
  });

  it('never leaves a secret in the text', () => {
    // A secret that is part of "[password]" itself would trivially "remain".
    const secret = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[[\]]/.test(s) && !REDACTED.includes(s));
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), (pw, before, after) => {
        const text = `${before}${pw}${after} ${goPathEscape(pw)}`;
        expect(createRedactor([pw])(text)).not.toContain(pw);
      }),
    );
  });
});
