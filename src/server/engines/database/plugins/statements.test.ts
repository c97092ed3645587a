import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containsMultilineStatement,
  expandStatements,
  formatExpiration,
  parseStatementList,
  quoteIdentifier,
  substituteStatement,
} from './statements.js';

describe('parseStatementList', () => {
  it('splits on ; and drops empty pieces', () => {
    expect(parseStatementList(` CREATE ROLE "{{name}}";\n GRANT x TO "{{name}}" ;; `)).toEqual([
      'CREATE ROLE "{{name}}"',
      'GRANT x TO "{{name}}"',
    ]);
    expect(parseStatementList('   ')).toEqual([]);
  });

  it('takes a JSON array of strings as it is (no splitting inside items)', () => {
    expect(parseStatementList('["SELECT 1; SELECT 2", " SELECT 3 "]')).toEqual(['SELECT 1; SELECT 2', 'SELECT 3']);
    expect(parseStatementList('null')).toEqual([]);
  });

  it('splits JSON that is not an array of strings like any other text', () => {
    expect(parseStatementList('[1, 2]')).toEqual(['[1, 2]']);
  });

  it('decodes base64 text (a string or a JSON array)', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    expect(parseStatementList(b64('CREATE ROLE a; GRANT b TO a;'))).toEqual(['CREATE ROLE a', 'GRANT b TO a']);
    expect(parseStatementList(b64('["SELECT 1; SELECT 2"]'))).toEqual(['SELECT 1; SELECT 2']);
  });

  it('does not decode a statement that merely looks like base64', () => {
    expect(parseStatementList('ROLLBACK')).toEqual(['ROLLBACK']);
    expect(parseStatementList('COMMIT;ROLLBACK')).toEqual(['COMMIT', 'ROLLBACK']);
  });

  it('never returns empty or untrimmed statements', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        for (const statement of parseStatementList(input)) {
          expect(statement).not.toBe('');
          expect(statement).toBe(statement.trim());
        }
      }),
    );
  });

  it('keeps every non-blank piece of a ;-separated list, in order', () => {
    const piece = fc.stringMatching(/^[a-z ]{1,12}$/).filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const text = pieces.join(';');
        fc.pre(!/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()));
        expect(parseStatementList(text)).toEqual(pieces.map((p) => p.trim()));
      }),
    );
  });
});

describe('containsMultilineStatement', () => {
  it('detects a word-boundary END outside quotes', () => {
    expect(containsMultilineStatement('DO $$ BEGIN CREATE ROLE x; END $$;')).toBe(true);
    expect(containsMultilineStatement('CREATE FUNCTION f() ... BEGIN\n  RETURN 1;\nEND;')).toBe(true);
  });

  it('ignores END inside other words and inside quoted text', () => {
    expect(containsMultilineStatement('ALTER TABLE t APPEND x; SELECT 1')).toBe(false);
    expect(containsMultilineStatement(`CREATE ROLE "END" PASSWORD 'END'; SELECT 1`)).toBe(false);
    expect(containsMultilineStatement('select 1; -- end')).toBe(false);
  });
});

describe('expandStatements', () => {
  it('runs multi-line commands whole and splits the others, in order', () => {
    const block = 'DO $$ BEGIN CREATE ROLE "{{name}}"; END $$;';
    expect(expandStatements(['CREATE ROLE a; GRANT b TO a', block, '', 'SELECT 1'])).toEqual([
      'CREATE ROLE a',
      'GRANT b TO a',
      block,
      'SELECT 1',
    ]);
  });
});

describe('substituteStatement', () => {
  it('replaces every occurrence of each known placeholder, with no quoting', () => {
    expect(
      substituteStatement(`CREATE ROLE "{{name}}" PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT r TO "{{username}}" "{{name}}"`, {
        name: 'v-x',
        username: 'v-x',
        password: "it's",
        expiration: '2026-05-01 12:34:56+0000',
      }),
    ).toBe(`CREATE ROLE "v-x" PASSWORD 'it's' VALID UNTIL '2026-05-01 12:34:56+0000'; GRANT r TO "v-x" "v-x"`);
  });

  it('leaves placeholders without a value and unknown ones alone', () => {
    expect(substituteStatement('{{name}} {{password}} {{other}}', { name: 'n' })).toBe('n {{password}} {{other}}');
  });

  it('does not expand placeholders that appear inside a substituted value', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (name, password) => {
        const out = substituteStatement('[{{name}}|{{password}}]', { name, password });
        expect(out).toBe(`[${name}|${password}]`);
      }),
    );
  });
});

describe('formatExpiration', () => {
  it("uses Go's 2006-01-02 15:04:05-0700 layout in UTC", () => {
    expect(formatExpiration(new Date('2026-05-01T12:34:56.789Z'))).toBe('2026-05-01 12:34:56+0000');
    expect(formatExpiration(new Date('2001-02-03T04:05:06+02:00'))).toBe('2001-02-03 02:05:06+0000');
  });

  it('round-trips to the same second', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const text = formatExpiration(date);
        expect(text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000$/);
        const parsed = new Date(`${text.slice(0, 10)}T${text.slice(11, 19)}Z`);
        expect(parsed.getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
      }),
    );
  });
});

describe('quoteIdentifier', () => {
  it('double-quotes and doubles embedded quotes', () => {
    expect(quoteIdentifier('v-token')).toBe('"v-token"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
