/** The public API, and properties that hold for any input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgTypeError, TemplateError, argString, parseTemplate, sprigFuncs, vaultTemplateFuncs, withArity } from './index.js';
import { goQuote } from './strconv.js';

describe('parseTemplate options', () => {
  it('names the template in messages (default "template")', () => {
    expect(() => parseTemplate('{{foo}}')).toThrow('template: template:1: function "foo" not defined');
    expect(() => parseTemplate('{{foo}}', { name: 'username' })).toThrow('template: username:1: function "foo" not defined');
  });

  it('merges functions over the builtins', () => {
    expect(parseTemplate('{{len "abc"}}', { funcs: { len: () => 'mine' } }).execute(null)).toBe('mine');
    // an `and` from the caller is an ordinary function: no short-circuit
    expect(() => parseTemplate('{{and 0 (die)}}', { funcs: { and: () => 1, die: () => { throw new Error('x'); } } }).execute(null)).toThrow(
      'error calling die: x',
    );
  });

  it('rejects bad options', () => {
    expect(() => parseTemplate('', { funcs: { 'a-b': () => 1 } })).toThrow('function name "a-b" is not a valid identifier');
    expect(() => parseTemplate('', { funcs: { '2': () => 1 } })).toThrow(TemplateError);
    expect(() => parseTemplate('', { funcs: { x: 'nope' as never } })).toThrow('value for x not a function');
    expect(() => parseTemplate('', { missingKey: 'invalid' as never })).toThrow('unrecognized option: missingkey=invalid');
    expect(parseTemplate('{{Ӵ}}', { funcs: { Ӵ: () => 'ok', _: () => 1 } }).execute(null)).toBe('ok');
  });

  it('uses other delimiters', () => {
    expect(parseTemplate('<<.a>> {{.a}}', { leftDelim: '<<', rightDelim: '>>' }).execute({ a: 1 })).toBe('1 {{.a}}');
  });

  it('renders the empty template', () => {
    expect(parseTemplate('').execute(null)).toBe('');
  });
});

describe('function maps', () => {
  it('offer ESO’s Sprig functions', () => {
    const names =
      'b64enc b64dec b32enc b32dec toJson fromJson mustFromJson toPrettyJson toRawJson toYaml fromYaml sha1sum sha256sum sha512sum adler32sum upper lower title untitle trim trimAll trimPrefix trimSuffix trimall nospace repeat substr trunc abbrev contains hasPrefix hasSuffix quote squote cat indent nindent replace plural snakecase camelcase kebabcase swapcase shuffle wrap wrapWith split splitList splitn join sortAlpha default empty coalesce ternary required fail list dict get set unset hasKey pluck keys values dig merge mergeOverwrite pick omit first last rest initial append prepend concat reverse uniq without has compact toString toStrings int int64 float64 atoi add add1 sub mul div mod max min floor ceil round regexMatch regexFind regexFindAll regexReplaceAll regexReplaceAllLiteral regexSplit mustRegexMatch uuidv4 randAlpha randNumeric randAlphaNum randAscii now date dateInZone unixEpoch htpasswd bcrypt urlParse urlJoin semver semverCompare hexdec filterPEM';
    for (const name of names.split(' ')) expect(sprigFuncs[name], name).toBeTypeOf('function');
    expect(sprigFuncs['env']).toBeUndefined();
    expect(sprigFuncs['expandenv']).toBeUndefined();
    expect(Object.isFrozen(sprigFuncs)).toBe(true);
  });

  it('offer Vault’s template functions', () => {
    const names = 'random truncate truncate_sha256 uppercase lowercase replace sha256 base64 decode_base64 hex decode_hex unix_time unix_time_millis timestamp uuid glob';
    expect(Object.keys(vaultTemplateFuncs).sort()).toEqual(names.split(' ').sort());
    expect(Object.isFrozen(vaultTemplateFuncs)).toBe(true);
  });

  it('lets callers declare arity and argument types for their own functions', () => {
    const funcs = {
      greet: withArity(1, 1, (name: unknown) => `hi ${argString(name)}`),
      picky: () => {
        throw new ArgTypeError('wrong type for value; expected secret reference');
      },
    };
    expect(parseTemplate('{{ greet "x" }}', { funcs }).execute(null)).toBe('hi x');
    expect(() => parseTemplate('{{ greet }}', { funcs }).execute(null)).toThrow('wrong number of args for greet: want 1 got 0');
    expect(() => parseTemplate('{{ greet 1 }}', { funcs }).execute(null)).toThrow('at <greet 1>: wrong type for value; expected string; got int');
    expect(() => parseTemplate('{{ picky }}', { funcs }).execute(null)).toThrow(/at <picky>: wrong type for value; expected secret reference$/);
  });

  it('can be combined', () => {
    const t = parseTemplate('{{ .n | upper | truncate 3 }}', { funcs: { ...sprigFuncs, ...vaultTemplateFuncs } });
    expect(t.execute({ n: 'abcdef' })).toBe('ABC');
  });
});

describe('properties', () => {
  it('renders any text without delimiters unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('{{')),
        (s) => {
          expect(parseTemplate(s).execute({ a: 1 })).toBe(s);
        },
      ),
    );
  });

  it('renders any text without custom delimiters unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('[[')),
        (s) => {
          expect(parseTemplate(s, { leftDelim: '[[', rightDelim: ']]' }).execute(null)).toBe(s);
        },
      ),
    );
  });

  it('round-trips any string literal through b64enc | b64dec', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const source = `{{ ${goQuote(s)} | b64enc | b64dec }}`;
        expect(parseTemplate(source, { funcs: sprigFuncs }).execute(null)).toBe(s);
      }),
    );
  });

  it('prints any string data as itself, and %q of it reads back', () => {
    const plain = parseTemplate('{{.}}');
    const quoted = parseTemplate('{{printf "%q" .}}');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(plain.execute(s)).toBe(s);
        const literal = quoted.execute(s);
        expect(parseTemplate(`{{${literal}}}`).execute(null)).toBe(s);
      }),
    );
  });

  it('prints integers with printf "%d" as String(n)', () => {
    const t = parseTemplate('{{printf "%d" .}}');
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(t.execute(n)).toBe(String(n));
        expect(parseTemplate(`{{printf "%d" ${n}}}`).execute(null)).toBe(String(n));
      }),
    );
  });

  it('never fails with anything but a TemplateError, whatever the source', () => {
    const alphabet = fc.constantFrom('{{', '}}', '{{-', '-}}', ' ', '.', '$', 'x', '|', '(', ')', '"', '`', "'", 'if', 'end', 'range', 'else', 'define', 'template', ':=', '=', '1', '/*', '*/', 'print', 'len', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), fc.jsonValue(), (parts, data) => {
        try {
          parseTemplate(parts.join('')).execute(data);
        } catch (err) {
          expect(err).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
