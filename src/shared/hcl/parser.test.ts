import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { HclSyntaxError, MAX_HCL_NESTING, parseHcl } from './parser.js';

describe('parseHcl: attributes and values', () => {
  it('parses an empty document, whitespace and comments only', () => {
    expect(parseHcl('')).toEqual({});
    expect(parseHcl('  \n\t\r\n')).toEqual({});
    expect(parseHcl('# hash\n// slashes\n/* block\n comment */\n')).toEqual({});
  });

  it('parses key = value with identifiers and quoted keys', () => {
    expect(parseHcl('a = 1\n"b c" = "d"\nwith-dash.and_dot = true')).toEqual({ a: 1, 'b c': 'd', 'with-dash.and_dot': true });
  });

  it('accepts ":" in place of "="', () => {
    expect(parseHcl('a: 1\n"b": "x"')).toEqual({ a: 1, b: 'x' });
  });

  it('allows items separated by commas, newlines, or nothing', () => {
    expect(parseHcl('a = 1, b = 2,\nc = 3 d = 4')).toEqual({ a: 1, b: 2, c: 3, d: 4 });
  });

  it('skips comments everywhere', () => {
    const doc = parseHcl(`
      # leading
      a = 1 // trailing
      /* between */ b = /* inside */ 2
      c = [ # in a list
        1, // one
        /* two */ 2,
      ]
      d = "# not a comment // either /* nor */"
    `);
    expect(doc).toEqual({ a: 1, b: 2, c: [1, 2], d: '# not a comment // either /* nor */' });
  });

  it('parses booleans and null', () => {
    expect(parseHcl('t = true\nf = false\nn = null')).toEqual({ t: true, f: false, n: null });
  });

  it('parses numbers: ints, negatives, floats, exponents, hex and (as HCL1) octal', () => {
    expect(
      parseHcl('a = 42\nb = -7\nc = 1.5\nd = -2.5e3\ne = 1e-3\nf = 0x1F\ng = -0x10\nh = 0755\ni = 0\nj = 0.25\nk = 33554432'),
    ).toEqual({ a: 42, b: -7, c: 1.5, d: -2500, e: 0.001, f: 31, g: -16, h: 493, i: 0, j: 0.25, k: 33554432 });
  });

  it('never produces -0', () => {
    expect(Object.is(parseHcl('a = -0').a, 0)).toBe(true);
    expect(Object.is(parseHcl('a = -0.0').a, 0)).toBe(true);
  });

  it('decodes string escapes', () => {
    const doc = parseHcl(String.raw`s = "tab\there\nnew \"q\" back\\slash \u00e9 \U0001F600 \ud83d\ude00 \r \'"`);
    expect(doc.s).toBe('tab\there\nnew "q" back\\slash é 😀 😀 \r \'');
  });

  it('keeps non-ASCII text and Vault templates as written', () => {
    const doc = parseHcl('p = "secret/data/{{identity.entity.id}}/*"\nu = "ключ ✓"');
    expect(doc).toEqual({ p: 'secret/data/{{identity.entity.id}}/*', u: 'ключ ✓' });
  });

  it('keeps ${...} interpolations verbatim, with quotes inside them (HCL1)', () => {
    const doc = parseHcl('a = "x-${var.name}-y"\nb = "${lookup(map, "key")}"\nc = "${a{b}c}\\n"');
    expect(doc).toEqual({ a: 'x-${var.name}-y', b: '${lookup(map, "key")}', c: '${a{b}c}\n' });
  });

  it('parses lists: empty, nested, multiline, trailing comma, mixed', () => {
    const doc = parseHcl(`
      a = []
      b = ["x", "y",]
      c = [
        1,
        [2, 3],
        { k = "v" },
        true,
      ]
    `);
    expect(doc).toEqual({ a: [], b: ['x', 'y'], c: [1, [2, 3], { k: 'v' }, true] });
  });

  it('parses object values with "=" or ":", commas or newlines', () => {
    const doc = parseHcl(`
      o1 = { a = 1, b = "x" }
      o2 = {
        "c": 2
        d = [1]
        nested = { deep = { deeper = true } }
      }
      o3 = {}
    `);
    expect(doc).toEqual({
      o1: { a: 1, b: 'x' },
      o2: { c: 2, d: [1], nested: { deep: { deeper: true } } },
      o3: {},
    });
  });

  it('treats keys such as __proto__ and constructor as plain data', () => {
    const doc = parseHcl('__proto__ = { polluted = true }\nconstructor = 1\n"toString" = "x"');
    expect(Object.keys(doc)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(doc.constructor).toBe(1);
  });

  it('skips a byte order mark and handles CRLF line endings', () => {
    expect(parseHcl('\ufeffa = 1\r\nb = "x"\r\n')).toEqual({ a: 1, b: 'x' });
  });
});

describe('parseHcl: blocks', () => {
  it('puts blocks in an array under their type, each label wrapping the body', () => {
    const doc = parseHcl(`
      listener "tcp" { address = "a" }
      listener "tcp" { address = "b" }
      storage "sqlite" {}
      telemetry { disable_hostname = true }
      a "b" "c" { d = 1 }
    `);
    expect(doc).toEqual({
      listener: [{ tcp: { address: 'a' } }, { tcp: { address: 'b' } }],
      storage: [{ sqlite: {} }],
      telemetry: [{ disable_hostname: true }],
      a: [{ b: { c: { d: 1 } } }],
    });
  });

  it('accepts unquoted labels (HCL1)', () => {
    expect(parseHcl('listener tcp { address = "x" }')).toEqual({ listener: [{ tcp: { address: 'x' } }] });
  });

  it('parses nested blocks', () => {
    const doc = parseHcl(`
      listener "tcp" {
        telemetry {
          unauthenticated_metrics_access = true
        }
        custom_response_headers {
          "default" = { "X-A" = ["1"] }
          "307" = { "X-B" = ["2"] }
        }
      }
    `);
    expect(doc).toEqual({
      listener: [
        {
          tcp: {
            telemetry: [{ unauthenticated_metrics_access: true }],
            custom_response_headers: [{ default: { 'X-A': ['1'] }, '307': { 'X-B': ['2'] } }],
          },
        },
      ],
    });
  });

  it('distinguishes "key { }" (a block) from "key = { }" (an object attribute)', () => {
    expect(parseHcl('a { x = 1 }')).toEqual({ a: [{ x: 1 }] });
    expect(parseHcl('a = { x = 1 }')).toEqual({ a: { x: 1 } });
  });

  it('keeps repeated blocks in document order, interleaved with other items', () => {
    const doc = parseHcl('path "a" {}\nx = 1\npath "b" {}\npath "a" { policy = "read" }');
    expect(doc).toEqual({ path: [{ a: {} }, { b: {} }, { a: { policy: 'read' } }], x: 1 });
  });

  it('allows blocks on one line, comma separated', () => {
    expect(parseHcl('a "x" { b = 1, c = 2 }, a "y" {}')).toEqual({ a: [{ x: { b: 1, c: 2 } }, { y: {} }] });
  });
});

describe('parseHcl: heredocs', () => {
  it('keeps <<EOF lines verbatim, each followed by a newline', () => {
    const doc = parseHcl('policy = <<EOF\npath "a" {\n  capabilities = ["read"]\n}\nEOF\nnext = 1\n');
    expect(doc).toEqual({ policy: 'path "a" {\n  capabilities = ["read"]\n}\n', next: 1 });
  });

  it('does not process escapes in heredocs', () => {
    expect(parseHcl('a = <<EOT\n\\n "quoted" ${x}\nEOT').a).toBe('\\n "quoted" ${x}\n');
  });

  it('accepts an indented closing marker for <<EOF without removing indentation', () => {
    expect(parseHcl('a = <<EOF\n    x\n      y\n    EOF\n').a).toBe('    x\n      y\n');
  });

  it('removes the closing marker indentation for <<-EOF', () => {
    const doc = parseHcl('b {\n  a = <<-EOT\n    x\n      y\n\n    z\n    EOT\n}\n');
    expect(doc).toEqual({ b: [{ a: 'x\n  y\n\nz\n' }] });
  });

  it('keeps a <<-EOF text as written when a line is indented less than the marker', () => {
    expect(parseHcl('a = <<-EOT\n    x\n  y\n    EOT\n').a).toBe('    x\n  y\n');
  });

  it('parses an empty heredoc and a heredoc at the end of the input', () => {
    expect(parseHcl('a = <<EOF\nEOF')).toEqual({ a: '' });
    expect(parseHcl('a = <<EOF\nline\nEOF')).toEqual({ a: 'line\n' });
  });

  it('does not end at a line that merely contains the marker', () => {
    expect(parseHcl('a = <<EOF\nNOT EOF\nEOF2\nEOFEOF\nEOF\n').a).toBe('NOT EOF\nEOF2\nEOFEOF\n');
  });

  it('accepts trailing blanks after the closing marker', () => {
    expect(parseHcl('a = <<EOF\nx\nEOF  \t\nb = 1')).toEqual({ a: 'x\n', b: 1 });
  });

  it('handles CRLF heredocs', () => {
    expect(parseHcl('a = <<EOF\r\nx\r\nEOF\r\nb = 1').a).toBe('x\n');
  });

  it('heredocs work inside lists', () => {
    expect(parseHcl('a = [<<EOF\nx\nEOF\n, "y"]').a).toEqual(['x\n', 'y']);
  });
});

describe('parseHcl: duplicates', () => {
  it('rejects a repeated attribute by default, pointing at the second one', () => {
    expect(() => parseHcl('a = 1\n  a = 2')).toThrow('at 2:3: duplicate attribute "a" (first defined at 1:1)');
  });

  it('rejects a repeated attribute inside blocks and objects', () => {
    expect(() => parseHcl('b { x = 1\n x = 1 }')).toThrow(/duplicate attribute "x"/);
    expect(() => parseHcl('o = { x = 1, x = 2 }')).toThrow(/duplicate attribute "x"/);
  });

  it('lets the last one win with duplicateAttributes: last-wins', () => {
    expect(parseHcl('a = 1\na = 2\nb = "x"', { duplicateAttributes: 'last-wins' })).toEqual({ a: 2, b: 'x' });
  });

  it('allows the same key in different bodies', () => {
    expect(parseHcl('a = 1\nb { a = 2 }\nb { a = 3 }')).toEqual({ a: 1, b: [{ a: 2 }, { a: 3 }] });
  });

  it('rejects a name used both as an attribute and as a block', () => {
    expect(() => parseHcl('a = 1\na { }')).toThrow(/at 2:1: "a" is already defined as an attribute at 1:1/);
    expect(() => parseHcl('a { }\na = 1', { duplicateAttributes: 'last-wins' })).toThrow(/at 2:1: "a" is already defined as a block at 1:1/);
  });
});

describe('parseHcl: syntax errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['missing value', 'a = ', /at 1:5: expected a value for "a" .*found the end of the input/],
    ['missing "="', 'a\n', /at 2:1: expected "=" or "\{" after the name at 1:1, found the end of the input/],
    ['missing "{" after labels', 'a "b"\n', /at 2:1: expected "=" or "\{" after the labels at 1:1, found the end of the input/],
    ['labels then "=" on the next line', 'a "b"\n c = 1', /at 2:4: expected "\{" after the labels of block "a"/],
    ['unquoted value', 'a = hello', /at 1:5: the value of "a" is unquoted text; strings must be in double quotes/],
    ['labels before "="', 'a "b" = 1', /at 1:7: expected "\{" after the labels of block "a"/],
    ['unclosed block', 'listener "tcp" {\n  address = "x"\n', /at 3:1: unexpected end of input: missing "\}" to close block "listener" opened at 1:1/],
    ['unclosed object', 'a = {\n', /missing "\}" to close the object "a" opened at 1:5/],
    ['stray }', 'a = 1\n}', /at 2:1: unexpected "\}" with no open block/],
    ['unclosed list', 'a = [1, 2', /at 1:10: unexpected end of input: missing "\]" to close the list opened at 1:5/],
    ['list without commas', 'a = [1 2]', /at 1:8: expected "," or "\]" in the list "a", found a number/],
    ['double comma in list', 'a = [1,,2]', /at 1:8: expected a value .*found ","/],
    ['unterminated string', 'a = "abc', /at 1:5: string not terminated: missing closing quote/],
    ['newline in string', 'a = "abc\ndef"', /at 1:5: string not terminated: a quoted string cannot span lines/],
    ['bad escape', 'a = "x\\qy"', /at 1:7: unknown escape sequence "\\q"/],
    ['short \\u escape', 'a = "\\u12"', /at 1:6: invalid escape sequence: \\u needs 4 hexadecimal digits/],
    ['lone surrogate', 'a = "\\ud800"', /not a Unicode scalar value/],
    ['unterminated comment', 'a = 1 /* oops', /at 1:7: comment not terminated/],
    ['unterminated heredoc', 'a = <<EOF\nx\n', /at 1:5: heredoc not terminated: no closing EOF line/],
    ['heredoc without marker', 'a = <<\nx\n', /at 1:5: expected a heredoc marker/],
    ['heredoc marker followed by text', 'a = <<EOF x\nEOF', /at 1:5: the heredoc marker EOF must be followed by a newline/],
    ['unquoted duration', 'ttl = 30s', /at 1:7: invalid number; .*must be quoted/],
    ['unquoted address', 'a = 127.0.0.1:8200', /at 1:5: invalid number/],
    ['bad octal', 'a = 09', /at 1:5: invalid octal number/],
    ['unexpected character', 'a = @', /at 1:5: unexpected character "@"/],
    ['single quotes', "a = 'x'", /at 1:5: unexpected character "'"/],
    ['value where a key belongs', '= 1', /at 1:1: expected an attribute name or a block type, found "="/],
    ['number as a key', '1 = 2', /at 1:1: expected an attribute name or a block type, found a number/],
    ['lone minus', 'a = -', /at 1:5: unexpected character "-"/],
    ['lone <', 'a = <', /at 1:5: unexpected "<"/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(() => parseHcl(text)).toThrow(message);
  });

  it('throws HclSyntaxError, a UserError, with the position and the source name', () => {
    let caught: unknown;
    try {
      parseHcl('a = 1\nb = {\n  c = \n}', { sourceName: '/etc/coffer/config.hcl' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HclSyntaxError);
    expect(caught).toBeInstanceOf(UserError);
    const err = caught as HclSyntaxError;
    expect(err.code).toBe('ERR_INVALID_REQUEST');
    expect(err.position).toMatchObject({ line: 4, column: 1 });
    expect(err.reason).toMatch(/expected a value for "c"/);
    expect(err.message).toBe(`error parsing /etc/coffer/config.hcl at 4:1: ${err.reason}`);
  });

  it('counts columns after tabs and multi-line comments correctly', () => {
    expect(() => parseHcl('/* a\n b */\ta = hello')).toThrow(/at 2:11:/);
  });

  it('never puts string values or unquoted text from the document in messages', () => {
    const secret = 'hvs.CAESIJ-s3cr3t-t0k3n';
    const docs = [
      `token = ${secret}`,
      `token = "${secret}`,
      `token = "${secret}\n"`,
      `token = "${secret}\\q"`,
      `token = ["${secret}" "x"]`,
      `token = "${secret}" = 1`,
      `token "${secret}" = 1`,
      `token = <<EOF\n${secret}\n`,
      `token = { "${secret}" }`,
    ];
    for (const doc of docs) {
      let message = '';
      try {
        parseHcl(doc);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, doc).not.toBe('');
      expect(message, doc).not.toContain('s3cr3t');
    }
  });

  it('refuses nesting deeper than MAX_HCL_NESTING instead of exhausting the stack', () => {
    const deepList = `a = ${'['.repeat(MAX_HCL_NESTING + 5)}${']'.repeat(MAX_HCL_NESTING + 5)}`;
    expect(() => parseHcl(deepList)).toThrow(/nesting deeper than/);
    const deepBlocks = `${'a {'.repeat(MAX_HCL_NESTING + 5)}${'}'.repeat(MAX_HCL_NESTING + 5)}`;
    expect(() => parseHcl(deepBlocks)).toThrow(/nesting deeper than/);
    const ok = `a = ${'['.repeat(50)}${']'.repeat(50)}`;
    expect(() => parseHcl(ok)).not.toThrow();
  });
});
