import { describe, expect, it } from 'vitest';
import { decodePem, encodePem, filterPem } from './pem.js';

const block = (type: string, body: string): string => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;

describe('PEM', () => {
  it('decodes a block and returns the rest', () => {
    const { block: b, rest } = decodePem(`${block('CERTIFICATE', 'AAEC')}tail`);
    expect(b?.type).toBe('CERTIFICATE');
    expect(b?.bytes).toEqual(Buffer.from([0, 1, 2]));
    expect(rest).toBe('tail');
  });

  it('skips blocks whose body is not base64, and mismatched END lines', () => {
    expect(decodePem(block('X', '!!!')).block).toBeUndefined();
    expect(decodePem('-----BEGIN A-----\nAAEC\n-----END B-----\n').block).toBeUndefined();
  });

  it('accepts CRLF line endings', () => {
    expect(decodePem('-----BEGIN A-----\r\nAAEC\r\n-----END A-----\r\n').block?.bytes).toEqual(Buffer.from([0, 1, 2]));
  });

  it('encodes with 64-column lines', () => {
    const out = encodePem({ type: 'T', headers: [], bytes: Buffer.alloc(60, 1) });
    expect(out.split('\n').map((l) => l.length)).toEqual([17, 64, 16, 15, 0]);
  });

  it('filters by type, case-insensitively', () => {
    const input = `leading junk\n${block('CERTIFICATE', 'AAEC')}${block('PRIVATE KEY', 'AwQF')}`;
    expect(filterPem('certificate', input)).toBe(block('CERTIFICATE', 'AAEC'));
    expect(() => filterPem('CERTIFICATE', 'no pem here')).toThrow('error filtering pem: found junk');
  });
});
