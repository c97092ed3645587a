import { describe, expect, it } from 'vitest';
import { locateJsonError, looksLikeJson, parseHclOrJson } from './json.js';
import { HclSyntaxError } from './parser.js';

describe('looksLikeJson', () => {
  it('is true when the first non-blank character is "{"', () => {
    expect(looksLikeJson('{}')).toBe(true);
    expect(looksLikeJson('\n  \t{"a": 1}')).toBe(true);
    expect(looksLikeJson('\ufeff{}')).toBe(true);
    expect(looksLikeJson('a = 1')).toBe(false);
    expect(looksLikeJson('# {\n')).toBe(false);
    expect(looksLikeJson('')).toBe(false);
  });
});

describe('parseHclOrJson', () => {
  it('parses HCL when the text does not start with "{"', () => {
    expect(parseHclOrJson('a = 1\nb "c" {}')).toEqual({ a: 1, b: [{ c: {} }] });
  });

  it('parses JSON as written, keeping null', () => {
    expect(parseHclOrJson('{"ui": true, "listener": {"tcp": {"address": "x"}}, "n": null}')).toEqual({
      ui: true,
      listener: { tcp: { address: 'x' } },
      n: null,
    });
  });

  it('accepts a byte order mark before JSON', () => {
    expect(parseHclOrJson('\ufeff {"a": 1}')).toEqual({ a: 1 });
  });

  it('keeps __proto__ as data', () => {
    const doc = parseHclOrJson('{"__proto__": {"x": 1}}');
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
  });

  it('reports invalid JSON with a position and without quoting the input', () => {
    const secret = 'hvs.s3cr3t';
    const cases: Array<[string, RegExp]> = [
      [`{"token": "${secret}",}`, /at 1:24: invalid JSON: expected a property name in double quotes, found "\}"/],
      [`{\n  "token": ${secret}\n}`, /at 2:12: invalid JSON: expected a value, found "h"/],
      [`{"token": "${secret}"`, /at 1:23: invalid JSON: expected "," or "\}" after a property value, found the end of the input/],
      [`{"token": "${secret}\n"}`, /at 1:22: invalid JSON: control character in string/],
      [`{"a": [1 2]}`, /at 1:10: invalid JSON: expected "," or "\]" after an array element, found "2"/],
      [`{"a": "\\x"}`, /at 1:8: invalid JSON: invalid escape sequence in string/],
      [`{"a": 1} x`, /at 1:10: invalid JSON: unexpected "x" after the end of the document/],
      [`{"a" 1}`, /at 1:6: invalid JSON: expected ":" after a property name, found "1"/],
      [`{"a": "b`, /at 1:7: invalid JSON: string not terminated/],
      [`{"a": 01}`, /invalid JSON: expected "," or "\}" after a property value, found "1"/],
    ];
    for (const [text, message] of cases) {
      let caught: unknown;
      try {
        parseHclOrJson(text, { sourceName: 'policy.json' });
      } catch (err) {
        caught = err;
      }
      expect(caught, text).toBeInstanceOf(HclSyntaxError);
      const msg = (caught as Error).message;
      expect(msg, text).toMatch(/^error parsing policy\.json at /);
      expect(msg, text).toMatch(message);
      expect(msg, text).not.toContain('s3cr3t');
    }
  });

  it('rejects JSON whose top level is not an object', () => {
    // Only "{" triggers JSON, so a top-level array is HCL (and fails there).
    expect(() => parseHclOrJson('[1]')).toThrow(/expected an attribute name or a block type/);
  });

  it('applies duplicateAttributes to HCL only', () => {
    expect(() => parseHclOrJson('a = 1\na = 2')).toThrow(/duplicate attribute/);
    expect(parseHclOrJson('{"a": 1, "a": 2}')).toEqual({ a: 2 });
  });
});

describe('locateJsonError', () => {
  it('agrees with JSON.parse about what is valid', () => {
    for (const text of ['{}', '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}', ' { "a" : { "b" : [ ] } } ']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(locateJsonError(text).reason).toBe('not valid JSON');
    }
  });
});
