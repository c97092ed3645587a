/** Parser tests, taken from Go's text/template/parse/parse_test.go. */
import { describe, expect, it } from 'vitest';
import { type ListNode, type Node, nodeString } from './ast.js';
import { MAX_PARSE_DEPTH, parse } from './parser.js';
import { goQuote } from './strconv.js';
import { TemplateError } from './template-error.js';

const FUNCS = new Set(['printf', 'contains']);

function parseRoot(input: string, name = 'test'): ListNode {
  const trees = parse(input, { name, leftDelim: '{{', rightDelim: '}}', hasFunction: (f) => FUNCS.has(f) });
  return (trees.get(name) as { root: ListNode }).root;
}

/** Go's test rendering: like Node.String() but with text nodes quoted (textFormat = "%q"). */
function show(node: Node): string {
  switch (node.type) {
    case 'list':
      return node.nodes.map(show).join('');
    case 'text':
      return goQuote(node.text);
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${node.type} ${nodeString(node.pipe)}}}${show(node.list)}`;
      if (node.elseList !== undefined) s += `{{else}}${show(node.elseList)}`;
      return `${s}{{end}}`;
    }
    default:
      return nodeString(node);
  }
}

const parseTests: [name: string, input: string, result: string][] = [
  ['empty', '', ''],
  ['comment', '{{/*\n\n\n*/}}', ''],
  ['spaces', ' \t\n', '" \\t\\n"'],
  ['text', 'some text', '"some text"'],
  ['field', '{{.X}}', '{{.X}}'],
  ['simple command', '{{printf}}', '{{printf}}'],
  ['$ invocation', '{{$}}', '{{$}}'],
  ['variable invocation', '{{with $x := 3}}{{$x 23}}{{end}}', '{{with $x := 3}}{{$x 23}}{{end}}'],
  ['variable with fields', '{{$.I}}', '{{$.I}}'],
  ['multi-word command', '{{printf `%d` 23}}', '{{printf `%d` 23}}'],
  ['pipeline', '{{.X|.Y}}', '{{.X | .Y}}'],
  ['pipeline with decl', '{{$x := .X|.Y}}', '{{$x := .X | .Y}}'],
  ['nested pipeline', '{{.X (.Y .Z) (.A | .B .C) (.E)}}', '{{.X (.Y .Z) (.A | .B .C) (.E)}}'],
  ['field applied to parentheses', '{{(.Y .Z).Field}}', '{{(.Y .Z).Field}}'],
  ['simple if', '{{if .X}}hello{{end}}', '{{if .X}}"hello"{{end}}'],
  ['if with else', '{{if .X}}true{{else}}false{{end}}', '{{if .X}}"true"{{else}}"false"{{end}}'],
  ['if with else if', '{{if .X}}true{{else if .Y}}false{{end}}', '{{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}}'],
  [
    'if else chain',
    '+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+',
    '"+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+"',
  ],
  ['simple range', '{{range .X}}hello{{end}}', '{{range .X}}"hello"{{end}}'],
  ['chained field range', '{{range .X.Y.Z}}hello{{end}}', '{{range .X.Y.Z}}"hello"{{end}}'],
  ['nested range', '{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}', '{{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}}'],
  ['range with else', '{{range .X}}true{{else}}false{{end}}', '{{range .X}}"true"{{else}}"false"{{end}}'],
  ['range over pipeline', '{{range .X|.M}}true{{else}}false{{end}}', '{{range .X | .M}}"true"{{else}}"false"{{end}}'],
  ['range 1 var', '{{range $x := .SI}}{{.}}{{end}}', '{{range $x := .SI}}{{.}}{{end}}'],
  ['range 2 vars', '{{range $x, $y := .SI}}{{.}}{{end}}', '{{range $x, $y := .SI}}{{.}}{{end}}'],
  ['range with break', '{{range .SI}}{{.}}{{break}}{{end}}', '{{range .SI}}{{.}}{{break}}{{end}}'],
  ['range with continue', '{{range .SI}}{{.}}{{continue}}{{end}}', '{{range .SI}}{{.}}{{continue}}{{end}}'],
  ['constants', "{{range .SI 1 true false 'a' nil}}{{end}}", "{{range .SI 1 true false 'a' nil}}{{end}}"],
  ['template', '{{template `x`}}', '{{template "x"}}'],
  ['template with arg', '{{template `x` .Y}}', '{{template "x" .Y}}'],
  ['with', '{{with .X}}hello{{end}}', '{{with .X}}"hello"{{end}}'],
  ['with with else', '{{with .X}}hello{{else}}goodbye{{end}}', '{{with .X}}"hello"{{else}}"goodbye"{{end}}'],
  ['with with else with', '{{with .X}}hello{{else with .Y}}goodbye{{end}}', '{{with .X}}"hello"{{else}}{{with .Y}}"goodbye"{{end}}{{end}}'],
  [
    'with else chain',
    '{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}',
    '{{with .X}}"X"{{else}}{{with .Y}}"Y"{{else}}{{with .Z}}"Z"{{end}}{{end}}{{end}}',
  ],
  ['trim left', 'x \r\n\t{{- 3}}', '"x"{{3}}'],
  ['trim right', '{{3 -}}\n\n\ty', '{{3}}"y"'],
  ['trim left and right', 'x \r\n\t{{- 3 -}}\n\n\ty', '"x"{{3}}"y"'],
  ['trim with extra spaces', 'x\n{{-  3   -}}\ny', '"x"{{3}}"y"'],
  ['comment trim left', 'x \r\n\t{{- /* hi */}}', '"x"'],
  ['comment trim right', '{{/* hi */ -}}\n\n\ty', '"y"'],
  ['comment trim left and right', 'x \r\n\t{{- /* */ -}}\n\n\ty', '"x""y"'],
  ['block definition', '{{block "foo" .}}hello{{end}}', '{{template "foo" .}}'],
  ['newline in assignment', '{{ $x \n := \n 1 \n }}', '{{$x := 1}}'],
  ['newline in pipeline', '{{\n"x"\n|\nprintf\n}}', '{{"x" | printf}}'],
  ['newline in comment', '{{/*\nhello\n*/}}', ''],
  ['newline in trimmed comment', '{{-\n/*\nhello\n*/\n-}}', ''],
  ['spaces around continue', '{{range .SI}}{{.}}{{ continue }}{{end}}', '{{range .SI}}{{.}}{{continue}}{{end}}'],
  ['spaces around break', '{{range .SI}}{{.}}{{ break }}{{end}}', '{{range .SI}}{{.}}{{break}}{{end}}'],
  ['bug0a', '{{$x := 0}}{{$x}}', '{{$x := 0}}{{$x}}'],
  ['bug1c', '{{$x:=.}}{{$x +2}}', '{{$x := .}}{{$x +2}}'],
  ['bug2a', '{{range $x := 0}}{{$x}}{{end}}', '{{range $x := 0}}{{$x}}{{end}}'],
  ['paren nesting normal', '{{ (( 1 )) }}', '{{((1))}}'],
  ['paren nesting in pipeline', '{{ ((( 1 ))) | printf }}', '{{(((1))) | printf}}'],
  ['paren nesting with other constructs', '{{ if ((( true ))) }}YES{{ end }}', '{{if (((true)))}}"YES"{{end}}'],
];

const errorTests: [name: string, input: string][] = [
  ['emptyAction', '{{}}'],
  ['unclosed action', 'hello{{range'],
  ['unmatched end', '{{end}}'],
  ['unmatched else', '{{else}}'],
  ['unmatched else after if', '{{if .X}}hello{{end}}{{else}}'],
  ['multiple else', '{{if .X}}1{{else}}2{{else}}3{{end}}'],
  ['missing end', 'hello{{range .x}}'],
  ['missing end after else', 'hello{{range .x}}{{else}}'],
  ['undefined function', 'hello{{undefined}}'],
  ['undefined variable', '{{$x}}'],
  ['variable undefined after end', '{{with $x := 4}}{{end}}{{$x}}'],
  ['variable undefined in template', '{{template $v}}'],
  ['declare with field', '{{with $x.Y := 4}}{{end}}'],
  ['template with field ref', '{{template .X}}'],
  ['invalid punctuation', '{{printf 3, 4}}'],
  ['multidecl outside range', '{{with $v, $u := 3}}{{end}}'],
  ['too many decls in range', '{{range $u, $v, $w := 3}}{{end}}'],
  ['dot applied to parentheses', '{{printf (printf .).}}'],
  ['adjacent args', '{{printf 3`x`}}'],
  ['adjacent args with .', '{{printf `x`.}}'],
  ['extra end after if', '{{if .X}}a{{else if .Y}}b{{end}}{{end}}'],
  ['break outside range', '{{range .}}{{end}} {{break}}'],
  ['continue outside range', '{{range .}}{{end}} {{continue}}'],
  ['break in range else', '{{range .}}{{else}}{{break}}{{end}}'],
  ['continue in range else', '{{range .}}{{else}}{{continue}}{{end}}'],
  ['bug0b', '{{$x += 1}}{{$x}}'],
  ['bug0c', '{{$x ! 2}}{{$x}}'],
  ['bug0d', '{{$x % 3}}{{$x}}'],
  ['bug0e', '{{range $x := $y := 3}}{{end}}'],
  ['bug1a', '{{$x:=.}}{{$x!2}}'],
  ['bug1b', '{{$x:=.}}{{$x+2}}'],
  ['dot after integer', '{{1.E}}'],
  ['dot after float', '{{0.1.E}}'],
  ['dot after boolean', '{{true.E}}'],
  ['dot after char', "{{'a'.any}}"],
  ['dot after string', '{{"hello".guys}}'],
  ['dot after dot', '{{..E}}'],
  ['dot after nil', '{{nil.E}}'],
  ['wrong pipeline dot', '{{12|.}}'],
  ['wrong pipeline number', '{{.|12|printf}}'],
  ['wrong pipeline string', '{{.|printf|"error"}}'],
  ['wrong pipeline char', "{{12|printf|'e'}}"],
  ['wrong pipeline boolean', '{{.|true}}'],
  ['wrong pipeline nil', "{{'c'|nil}}"],
  ['empty pipeline', '{{printf "%d" ( ) }}'],
  ['block without pipeline', '{{block "foo"}}hello{{end}}'],
  ['newline in empty action', '{{\n}}'],
  ['assignment to an undeclared variable', '{{$x = 1}}'],
  ['define inside an action', '{{if true}}{{define "x"}}{{end}}{{end}}'],
  ['duplicate definition', '{{define "x"}}a{{end}}{{define "x"}}b{{end}}'],
  ['complex constant', '{{printf "%v" 1+2i}}'],
  ['integer too large for a double', '{{9007199254740993}}'],
  ['bad escape in a string', '{{"\\q"}}'],
];

describe('parse (Go parseTests)', () => {
  it.each(parseTests)('%s', (_name, input, result) => {
    expect(show(parseRoot(input))).toBe(result);
  });

  it.each(errorTests)('%s is an error', (_name, input) => {
    expect(() => parseRoot(input)).toThrow(TemplateError);
  });
});

describe('parse error messages', () => {
  const message = (input: string): string => {
    try {
      parseRoot(input, 'x');
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  it.each([
    ['{{.String', 'template: x:1: unclosed action'],
    ['{{foo}}', 'template: x:1: function "foo" not defined'],
    ['{{if}}', 'template: x:1: missing value for if'],
    ['{{end}}', 'template: x:1: unexpected {{end}}'],
    ['{{range .}}{{else}}{{break}}{{end}}', 'template: x:1: {{break}} outside {{range}}'],
    ['{{"abc}}', 'template: x:1: unterminated quoted string'],
    ["{{'a}}", 'template: x:1: unterminated character constant'],
    ['{{(1}}', 'template: x:1: unclosed left paren'],
    ['{{1)}}', 'template: x:1: unexpected right paren'],
    ['{{/* x */ y}}', 'template: x:1: comment ends before closing delimiter'],
    ['{{/* x', 'template: x:1: unclosed comment'],
    ['{{$x}}', 'template: x:1: undefined variable "$x"'],
    ['{{printf 3, 4}}', 'template: x:1: unexpected "," in operand'],
    ['{{.a-b}}', "template: x:1: bad character U+002D '-'"],
    ['{{#}}', "template: x:1: unexpected \"#\" in command"],
    ['{{1.E}}', 'template: x:1: illegal number syntax: "1.E"'],
    ['{{3x}}', 'template: x:1: bad number syntax: "3x"'],
    ['{{if .X}}a', 'template: x:1: unexpected EOF'],
    ['{{with $v, $u := 3}}{{end}}', 'template: x:1: too many declarations in with'],
    ['{{range $u, $v, $w := 3}}{{end}}', 'template: x:1: too many declarations in range'],
    ['{{12|.}}', 'template: x:1: non executable command in pipeline stage 2'],
    ['{{"hello".guys}}', 'template: x:1: unexpected . after term "\\"hello\\""'],
    ['{{define "d"}}a{{end}}{{define "d"}}b{{end}}', 'template: x:1: template: multiple definition of template "d"'],
    ['a\n{{if .X}}\n{{else}}\n{{else}}', 'template: x:4: expected end; found {{else}}'],
  ])('%j', (input, expected) => {
    expect(message(input)).toBe(expected);
  });

  it('reports a multi-line action error at the line the action started (Go TestUnterminatedStringError)', () => {
    expect(message('hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n')).toContain('x:3: unterminated raw quoted string');
    expect(message('{{\n.X\n')).toBe('template: x:3: unclosed action started at x:1');
  });
});

describe('parse limits', () => {
  it('stops deep nesting with an error instead of overflowing the stack', () => {
    expect(() => parseRoot(`{{${'('.repeat(1_000_000)}`)).toThrow('max expression depth exceeded');
    expect(() => parseRoot(`{{${'('.repeat(MAX_PARSE_DEPTH + 1)}1${')'.repeat(MAX_PARSE_DEPTH + 1)}}}`)).toThrow(
      'max expression depth exceeded',
    );
    expect(() => parseRoot('{{if 1}}'.repeat(MAX_PARSE_DEPTH + 1))).toThrow('max expression depth exceeded');
    expect(show(parseRoot(`{{${'('.repeat(100)}1${')'.repeat(100)}}}`))).toBe(`{{${'('.repeat(100)}1${')'.repeat(100)}}}`);
  });
});

describe('trees', () => {
  it('collects define and block bodies as named trees', () => {
    const trees = parse('{{define "a"}}A{{end}}main{{block "b" .}}B{{end}}', {
      name: 'm',
      leftDelim: '{{',
      rightDelim: '}}',
      hasFunction: () => false,
    });
    expect([...trees.keys()].sort()).toEqual(['a', 'b', 'm']);
    expect(show(trees.get('m')?.root as ListNode)).toBe('"main"{{template "b" .}}');
  });

  it('lets a later non-empty definition replace an empty one (Go IsEmptyTree rule)', () => {
    const trees = parse('{{define "a"}} {{end}}{{define "a"}}A{{end}}', { name: 'm', leftDelim: '{{', rightDelim: '}}', hasFunction: () => false });
    expect(show(trees.get('a')?.root as ListNode)).toBe('"A"');
  });

  it('round-trips node strings with custom delimiters (Go TestDelimsStringRoundtrip)', () => {
    for (const input of ['[[.X]]', '[[if .X]]y[[else]]z[[end]]', '[[range .X]][[break]][[continue]][[end]]', '[[template "name" .]]']) {
      const trees = parse(input, { name: 't', leftDelim: '[[', rightDelim: ']]', hasFunction: () => false });
      expect(nodeString(trees.get('t')?.root as ListNode).replaceAll('{{', '[[').replaceAll('}}', ']]')).toBe(input);
    }
  });
});
