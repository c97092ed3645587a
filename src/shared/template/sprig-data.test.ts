/** Sprig encodings, hashes and serialisation, and ESO's YAML and PEM helpers. */
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseTemplate, sprigFuncs } from './index.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: sprigFuncs, missingKey: 'error' }).execute(data);
}

const CERT = '-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nAwQF\n-----END PRIVATE KEY-----\n';

describe('encodings and hashes', () => {
  it.each<[string, string]>([
    ['{{ b64enc "hello" }}', 'aGVsbG8='],
    ['{{ b64dec "aGVsbG8=" }}', 'hello'],
    ['{{ b64dec "aGVsbG8" }}', 'illegal base64 data at input byte 4'],
    ['{{ b64dec "aGVs\\nbG8=" }}', 'hello'],
    ['{{ b32enc "hello" }}', 'NBSWY3DP'],
    ['{{ b32dec "NBSWY3DP" }}', 'hello'],
    ['{{ b32enc "x" }} {{ b32dec "PA======" }}', 'PA====== x'],
    ['{{ b32dec "NBSWY3D" }}', 'illegal base32 data at input byte 0'],
    ['{{ hexdec "68656c6c6f" }}', 'hello'],
    ['{{ hexdec "6" }}', 'encoding/hex: odd length hex string'],
    ['{{ sha1sum "Hello world!" }}', 'd3486ae9136e7856bc42212385ea797094475802'],
    ['{{ sha256sum "Hello world!" }}', 'c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a'],
    ['{{ sha512sum "abc" | trunc 16 }}', 'ddaf35a193617aba'],
    ['{{ adler32sum "Hello world!" }}', '487130206'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it('round-trips any string through b64enc/b64dec and b32enc/b32dec', () => {
    const t = parseTemplate('{{ .s | b64enc | b64dec }}|{{ .s | b32enc | b32dec }}', { funcs: sprigFuncs });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(t.execute({ s })).toBe(`${s}|${s}`);
      }),
    );
  });
});

describe('JSON', () => {
  it.each<[string, unknown, string]>([
    ['{{ toJson . }}', { b: 1, a: [true, null, 'x', 1.5] }, '{"a":[true,null,"x",1.5],"b":1}'],
    ['{{ toJson . }}', '<tag>&', '"\\u003ctag\\u003e\\u0026"'],
    ['{{ toRawJson . }}', '<tag>&', '"<tag>&"'],
    ['{{ toJson . }}', 'a\u2028b\u0001', '"a\\u2028b\\u0001"'],
    ['{{ toJson . }}', 1e-7, '1e-7'],
    ['{{ toJson . }}', 1e21, '1e+21'],
    ['{{ toJson . }}', 123456789.5, '123456789.5'],
    ['{{ toJson . }}', null, 'null'],
    ['{{ toJson . }}', {}, '{}'],
    ['{{ toPrettyJson . }}', { a: [1, 2], b: {} }, '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}'],
    ['{{ toJson . }}', Buffer.from('hi'), '"aGk="'],
    ['{{ toJson (semver "1.2.3") }}', null, '"1.2.3"'],
    ['{{ (fromJson "{\\"a\\":{\\"b\\":[1,2]}}").a.b }}', null, '[1 2]'],
    ['{{ fromJson "not json" }}', null, '<no value>'],
  ])('%s %j', (source, data, want) => {
    expect(render(source, data)).toBe(want);
  });

  it('fails mustFromJson without quoting the input', () => {
    expect(() => render('{{ mustFromJson "{secret" }}')).toThrow(/error calling mustFromJson: invalid JSON$/);
  });

  it('returns "" from toJson and fails mustToJson on unsupported values', () => {
    const data = { f: () => 1, n: NaN };
    expect(render('[{{ toJson .f }}][{{ toJson .n }}]', data)).toBe('[][]');
    expect(() => render('{{ mustToJson .n }}', data)).toThrow('json: unsupported value: NaN');
  });

  it('parses JSON object keys as data, never as prototypes', () => {
    expect(render('{{ $m := fromJson "{\\"__proto__\\":{\\"x\\":1}}" }}{{ index $m "__proto__" "x" }}')).toBe('1');
  });

  it('round-trips JSON documents through fromJson and toJson', () => {
    const t = parseTemplate('{{ .s | fromJson | toRawJson }}', { funcs: sprigFuncs });
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (v) => {
        const json = JSON.stringify(v);
        expect(JSON.parse(t.execute({ s: json }))).toEqual(JSON.parse(json));
      }),
    );
  });
});

describe('YAML (ESO toYaml/fromYaml)', () => {
  it('writes sorted YAML without a trailing newline', () => {
    expect(render('{{ toYaml . }}', { b: [1, 2], a: { c: 'x y' } })).toBe('a:\n  c: x y\nb:\n- 1\n- 2');
    expect(render('{{ toYaml . }}', null)).toBe('null');
  });

  it('quotes strings YAML 1.1 would read as something else', () => {
    expect(parseYaml(render('{{ toYaml . }}', { a: 'yes', b: 'on', c: '1.0', d: 'null' }), { version: '1.1' })).toEqual({
      a: 'yes',
      b: 'on',
      c: '1.0',
      d: 'null',
    });
  });

  it('reads YAML into a map, with YAML 1.1 booleans', () => {
    expect(render('{{ $m := fromYaml "a: 1\\nb: [x, z]\\nc: yes" }}{{ $m.a }} {{ $m.b }} {{ $m.c }}')).toBe('1 [x z] true');
  });

  it('reports a bad document under "Error", without echoing it', () => {
    const out = render('{{ (fromYaml "a: [secret").Error }}');
    expect(out).toMatch(/^error converting YAML to JSON/);
    expect(out).not.toContain('secret');
    expect(render('{{ (fromYaml "- a\\n- b").Error }}')).toMatch(/not a map/);
  });

  it('round-trips maps through toYaml and fromYaml', () => {
    const t = parseTemplate('{{ .m | toYaml | fromYaml | toRawJson }}', { funcs: sprigFuncs });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))), (m) => {
        expect(JSON.parse(t.execute({ m }))).toEqual(JSON.parse(JSON.stringify(m)));
      }),
    );
  });
});

describe('filterPEM', () => {
  it('keeps the blocks of one type', () => {
    expect(render('{{ filterPEM "CERTIFICATE" .p }}', { p: `junk\n${CERT}${KEY}${CERT}` })).toBe(CERT + CERT);
    expect(render('{{ filterPEM "private key" .p }}', { p: CERT + KEY })).toBe(KEY);
  });

  it('fails on input without PEM blocks', () => {
    expect(() => render('{{ filterPEM "CERTIFICATE" "junk" }}')).toThrow('error calling filterPEM: error filtering pem: found junk');
    expect(render('[{{ filterPEM "CERTIFICATE" .p }}]', { p: KEY })).toBe('[]');
  });

  it('re-wraps base64 at 64 columns and keeps headers', () => {
    const long = Buffer.alloc(100, 7).toString('base64');
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${long}\n-----END RSA PRIVATE KEY-----\n`;
    const out = render('{{ filterPEM "RSA PRIVATE KEY" .p }}', { p: pem });
    expect(out).toBe(
      `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${long.slice(0, 64)}\n${long.slice(64, 128)}\n${long.slice(128)}\n-----END RSA PRIVATE KEY-----\n`,
    );
  });
});
