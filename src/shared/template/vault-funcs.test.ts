/** Vault's sdk/helper/template functions, with cases from its template_test.go. */
import { describe, expect, it } from 'vitest';
import { TemplateError, parseTemplate, vaultTemplateFuncs } from './index.js';
import { glob } from './vault-funcs.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: vaultTemplateFuncs, missingKey: 'error' }).execute(data);
}

describe('username templates', () => {
  const metadata = { DisplayName: 'token', RoleName: 'myrolename' };

  it('renders the PostgreSQL default (Vault docs example)', () => {
    const source = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';
    expect(render(source, metadata)).toMatch(/^v-token-myrolena-[A-Za-z0-9]{20}-\d{10}$/);
  });

  it('renders the MySQL default, cut to 32 bytes', () => {
    const source = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';
    expect(render(source, metadata)).toMatch(/^v-token-myrolename-[A-Za-z0-9]{13}$/);
  });

  it('renders the legacy MySQL default, cut to 16 bytes', () => {
    expect(render('{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}', metadata)).toMatch(/^v-myro-[A-Za-z0-9]{9}$/);
  });

  it('fails on a field the metadata lacks', () => {
    expect(() => render('{{ .Nope }}', metadata)).toThrow('map has no entry for key "Nope"');
  });
});

describe('functions (Vault TestGenerate)', () => {
  it('applies the builtin functions as Vault documents them', () => {
    const source = `{{.String | truncate 10}}
{{.String | uppercase}}
{{.String | lowercase}}
{{.String | replace " " "."}}
{{.String | sha256}}
{{.String | base64}}
{{.String | truncate_sha256 20}}`;
    expect(render(source, { String: 'Some string with Multiple Capitals LETTERS' })).toBe(`Some strin
SOME STRING WITH MULTIPLE CAPITALS LETTERS
some string with multiple capitals letters
Some.string.with.Multiple.Capitals.LETTERS
da9872dd96609c72897defa11fe81017a62c3f44339d9d3b43fe37540ede3601
U29tZSBzdHJpbmcgd2l0aCBNdWx0aXBsZSBDYXBpdGFscyBMRVRURVJT
Some string 6841cf80`);
  });

  it('prints <no value> for a missing field by default', () => {
    expect(parseTemplate('this is a {{.String}}', { funcs: vaultTemplateFuncs }).execute(null)).toBe('this is a <no value>');
  });

  it('generates base62 of the asked length', () => {
    for (let i = 1; i < 100; i++) expect(render(`{{random ${i}}}`)).toMatch(new RegExp(`^[a-zA-Z0-9]{${i}}$`));
    expect(render('{{random 0}}')).toBe('');
  });

  it('gives the time', () => {
    expect(render('{{unix_time}}')).toMatch(/^[0-9]+$/);
    expect(render('{{unix_time_millis}}')).toMatch(/^[0-9]{13,}$/);
    expect(render('{{timestamp "2006-01-02T15:04:05.000Z"}}')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const before = Math.floor(Date.now() / 1000);
    const t = Number(render('{{unix_time}}'));
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(before + 5);
  });

  it('makes UUIDs', () => {
    expect(render('{{uuid}}')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(render('{{uuid}}')).not.toBe(render('{{uuid}}'));
  });

  it('encodes and decodes (OpenBao additions)', () => {
    expect(render('{{ "hello" | hex }} {{ "68656c6c6f" | decode_hex }} {{ "aGVsbG8=" | decode_base64 }}')).toBe('68656c6c6f hello hello');
    expect(() => render('{{ "aGVsbG8" | decode_base64 }}')).toThrow('error calling decode_base64: illegal base64 data at input byte 4');
    expect(() => render('{{ "6g" | decode_hex }}')).toThrow('error calling decode_hex: encoding/hex: invalid byte');
    expect(() => render('{{ "abc" | decode_hex }}')).toThrow('error calling decode_hex: encoding/hex: odd length hex string');
  });

  it('matches globs (OpenBao addition)', () => {
    expect(render('{{ if glob "release/*" .branch }}release{{ end }}', { branch: 'release/1.2' })).toBe('release');
    expect(render('{{ if glob "release/*" .branch }}release{{ else }}other{{ end }}', { branch: 'main' })).toBe('other');
  });

  it('rejects bad lengths as Vault does', () => {
    expect(() => render('{{ "abc" | truncate 0 }}')).toThrow('error calling truncate: max length must be > 0 but was 0');
    expect(() => render('{{ "abc" | truncate_sha256 8 }}')).toThrow('error calling truncate_sha256: max length must be > 8 but was 8');
    expect(() => render('{{ "abc" | truncate "3" }}')).toThrow('wrong type for value; expected int; got string');
    expect(() => render('{{ 3 | uppercase }}')).toThrow('wrong type for value; expected string; got int');
  });

  it('keeps short strings whole', () => {
    expect(render('{{ "abc" | truncate 5 }} {{ "abc" | truncate_sha256 20 }}')).toBe('abc abc');
  });

  it('cuts UTF-8 by bytes without splitting a character', () => {
    // "é" is two bytes: a cut through it keeps the text valid and within the limit
    expect(render('{{ "abcdefgé" | truncate 8 }}')).toBe('abcdefg');
    const out = render('{{ "ééééééééééé" | truncate_sha256 13 }}');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(13);
    expect(out).toMatch(/^éé[0-9a-f]{8}$/);
  });

  it('maps case rune by rune, like Go', () => {
    expect(render('{{ "straße" | uppercase }}')).toBe('STRAßE');
  });

  it('runs custom functions and reports their errors', () => {
    const funcs = {
      ...vaultTemplateFuncs,
      foo: () => 'custom-foo',
      bad: () => {
        throw new Error('an error!');
      },
    };
    expect(parseTemplate('{{foo}}', { funcs }).execute(null)).toBe('custom-foo');
    expect(() => parseTemplate('{{bad}}', { funcs }).execute(null)).toThrow('error calling bad: an error!');
  });

  it('rejects a malformed template at parse time', () => {
    expect(() => parseTemplate('{{.String', { funcs: vaultTemplateFuncs })).toThrow(TemplateError);
    // Vault's "too-large-overflow" case: must fail cleanly, not overflow the stack
    expect(() => parseTemplate(`{{${'('.repeat(1_000_000)}`, { funcs: vaultTemplateFuncs })).toThrow(TemplateError);
  });
});

describe('glob (ryanuber/go-glob)', () => {
  it.each<[string, string, boolean]>([
    ['', '', true],
    ['', 'x', false],
    ['*', 'anything', true],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['a*', 'abc', true],
    ['*c', 'abc', true],
    ['a*c', 'abc', true],
    ['a*c', 'ab', false],
    ['*b*', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['release/*', 'release/1.0', true],
    ['release/*', 'feature/x', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'example.com', false],
  ])('%j matches %j: %s', (pattern, subject, want) => {
    expect(glob(pattern, subject)).toBe(want);
  });
});
