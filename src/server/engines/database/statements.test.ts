import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { parseStatements } from './statements.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('parseStatements', () => {
  it('splits a ;-separated string and trims the pieces', () => {
    expect(parseStatements(`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';  GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`, 'f')).toEqual([
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`,
      'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"',
    ]);
  });

  it('keeps lists as given (items are split by the plugin) and drops empty items', () => {
    expect(parseStatements(['CREATE USER a; GRANT x TO a', '  ', 'ALTER USER a'], 'f')).toEqual(['CREATE USER a; GRANT x TO a', 'ALTER USER a']);
  });

  it('accepts a JSON array in a string, and base64 of either form', () => {
    const list = ['CREATE USER "{{name}}"', 'GRANT ALL TO "{{name}}"'];
    expect(parseStatements(JSON.stringify(list), 'f')).toEqual(list);
    expect(parseStatements(b64(JSON.stringify(list)), 'f')).toEqual(list);
    expect(parseStatements(b64(list.join(';')), 'f')).toEqual(list);
  });

  it('does not split inside quotes', () => {
    expect(parseStatements(`CREATE USER a PASSWORD 'x;y'; DROP USER b`, 'f')).toEqual([`CREATE USER a PASSWORD 'x;y'`, 'DROP USER b']);
  });

  it('keeps a DO block or function body whole', () => {
    const block = `DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN CREATE ROLE "{{name}}"; END IF; END $$;`;
    expect(parseStatements(block, 'f')).toEqual([block]);
  });

  it('does not mistake a plain word made of base64 letters for base64', () => {
    expect(parseStatements('DROP', 'f')).toEqual(['DROP']);
  });

  it('treats empty input as no statements', () => {
    expect(parseStatements('', 'f')).toEqual([]);
    expect(parseStatements('  ;  ; ', 'f')).toEqual([]);
    expect(parseStatements(undefined, 'f')).toEqual([]);
    expect(parseStatements(null, 'f')).toEqual([]);
    expect(parseStatements([], 'f')).toEqual([]);
  });

  it('rejects other types, naming the field', () => {
    expect(() => parseStatements(42, 'creation_statements')).toThrow(UserError);
    expect(() => parseStatements({ a: 1 }, 'creation_statements')).toThrow('creation_statements must be a string or a list of strings');
    expect(() => parseStatements(['ok', 3], 'revocation_statements')).toThrow('revocation_statements must be a string or a list of strings');
  });

  it('every accepted encoding of a statement list parses to the same list (property)', () => {
    // Statements as users write them: words separated by spaces, no separators or quotes inside.
    const word = fc.stringMatching(/^[A-Za-z0-9_{}().,=*]{1,12}$/).filter((w) => !/\b(END|BEGIN)\b/i.test(w));
    const statement = fc.array(word, { minLength: 2, maxLength: 6 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 6 }), (list) => {
        const joined = list.join('; ');
        const json = JSON.stringify(list);
        for (const encoded of [joined, `${joined};`, json, b64(joined), b64(json)]) {
          expect(parseStatements(encoded, 'f')).toEqual(list);
        }
        expect(parseStatements(list, 'f')).toEqual(list);
      }),
    );
  });
});
