import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goJsonFloat, goJsonMarshal, goJsonString } from './go-json.js';

describe('Go JSON encoding', () => {
  it('escapes strings as encoding/json does', () => {
    expect(goJsonString('<a href="x">&</a>', true)).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
    expect(goJsonString('<&>', false)).toBe('"<&>"');
    expect(goJsonString('\b\f\n\r\t\x01\x7f', true)).toBe('"\\b\\f\\n\\r\\t\\u0001\x7f"');
    expect(goJsonString('\u2028\u2029😀\ud800', false)).toBe('"\\u2028\\u2029😀\\ufffd"');
  });

  it('writes floats as Go does', () => {
    expect([1.5, 1e20, 1e21, 1e-6, 1e-7, -0.000001234, 123456789.125].map(goJsonFloat)).toEqual([
      '1.5',
      '100000000000000000000',
      '1e+21',
      '0.000001',
      '1e-7',
      '-0.000001234',
      '123456789.125',
    ]);
    expect(() => goJsonFloat(Infinity)).toThrow('json: unsupported value: +Inf');
  });

  it('sorts keys, writes bytes as base64 and dates as RFC 3339', () => {
    expect(goJsonMarshal({ b: Uint8Array.from([1, 2]), a: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), c: undefined })).toBe(
      '{"a":"2020-01-02T03:04:05Z","b":"AQI="}',
    );
    expect(() => goJsonMarshal({ f: () => 1 })).toThrow('json: unsupported type');
  });

  it('agrees with JSON.parse on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(goJsonMarshal(v))).toEqual(JSON.parse(JSON.stringify(v)));
        expect(JSON.parse(goJsonMarshal(v, { indent: '  ' }))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});
