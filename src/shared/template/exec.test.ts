/**
 * Execution tests, most taken from Go's text/template/exec_test.go (the cases that do not
 * depend on Go methods, pointers, channels or complex numbers), with Go's expected output.
 */
import { describe, expect, it } from 'vitest';
import { argString, withArity } from './func-args.js';
import { MAX_EXEC_DEPTH } from './exec.js';
import { TemplateError, parseTemplate } from './index.js';
import type { FuncMap, TemplateOptions } from './types.js';
import { UserError } from '../errors.js';

const tVal = {
  True: true,
  I: 17,
  U16: 16,
  X: 'x',
  S: 'xyz',
  FloatZero: 0,
  U: { V: 'v' },
  SI: [3, 4, 5],
  AI: [3, 4, 5],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1, two: 2, three: 3 },
  MSIone: { one: 1 },
  MSIEmpty: {},
  MXI: { one: 1 },
  SMSI: [
    { one: 1, two: 2 },
    { eleven: 11, twelve: 12 },
  ],
  Empty0: null,
  Empty1: 3,
  Empty2: 'empty2',
  Empty3: [7, 8],
  Empty4: { V: 'UinEmpty' },
  PS: 'a string',
  PSI: [21, 22, 23],
  NIL: null,
  BinaryFunc: (a: unknown, b: unknown) => `[${argString(a)}=${argString(b)}]`,
  VariadicFunc: (...s: unknown[]) => `<${s.map(argString).join('+')}>`,
  VariadicFuncInt: (a: unknown, ...s: unknown[]) => `${String(a)}=<${s.map(argString).join('+')}>`,
  NilOKFunc: (s: unknown) => s === null,
  ErrFunc: () => 'bla',
  PanicFunc: () => {
    throw new Error('test panic');
  },
};

const funcs: FuncMap = {
  add: (...args: unknown[]) => args.reduce<number>((s, x) => s + (x as number), 0),
  die: () => {
    throw new Error('die');
  },
  echo: (arg: unknown) => arg,
  makemap: (...args: unknown[]) => {
    const m: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) m[args[i] as string] = args[i + 1];
    return m;
  },
  mapOfThree: () => ({ three: 3 }),
  oneArg: withArity(1, 1, (a: unknown) => `oneArg=${argString(a)}`),
  twoArgs: withArity(2, 2, (a: unknown, b: unknown) => `twoArgs=${argString(a)}${argString(b)}`),
  zeroArgs: withArity(0, 0, () => 'zeroArgs'),
  count: (n: number) => Array.from({ length: n }, (_, i) => 'abcdefghijklmnop'[i]),
};

type Case = [name: string, input: string, output: string, data: unknown, ok: boolean];

const execTests: Case[] = [
  // trivial cases
  ['empty', '', '', null, true],
  ['text', 'some text', 'some text', null, true],
  ['nil action', '{{nil}}', '', null, false],
  // fields of structs (maps here)
  ['.X', '-{{.X}}-', '-x-', tVal, true],
  ['.U.V', '-{{.U.V}}-', '-v-', tVal, true],
  // fields on maps
  ['map .one', '{{.MSI.one}}', '1', tVal, true],
  ['map .two', '{{.MSI.two}}', '2', tVal, true],
  ['map .NO', '{{.MSI.NO}}', '<no value>', tVal, true],
  ['map .one interface', '{{.MXI.one}}', '1', tVal, true],
  ['map .WRONG args', '{{.MSI.one 1}}', '', tVal, false],
  // dots of all kinds
  ['dot int', '<{{.}}>', '<13>', 13, true],
  ['dot float', '<{{.}}>', '<15.1>', 15.1, true],
  ['dot bool', '<{{.}}>', '<true>', true, true],
  ['dot string', '<{{.}}>', '<hello>', 'hello', true],
  ['dot slice', '<{{.}}>', '<[-1 -2 -3]>', [-1, -2, -3], true],
  ['dot map', '<{{.}}>', '<map[two:22]>', { two: 22 }, true],
  // variables
  ['$ int', '{{$}}', '123', 123, true],
  ['$.I', '{{$.I}}', '17', tVal, true],
  ['$.U.V', '{{$.U.V}}', 'v', tVal, true],
  ['declare in action', '{{$x := $.U.V}}{{$x}}', 'v', tVal, true],
  ['simple assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', '3', tVal, true],
  ['nested assignment', '{{$x := 2}}{{if true}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '3', tVal, true],
  ['nested assignment changes the last declaration', '{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '1', tVal, true],
  // nil values
  ['NIL', '{{.NIL}}', '<no value>', tVal, true],
  ['empty nil', '{{.Empty0}}', '<no value>', tVal, true],
  ['empty with int', '{{.Empty1}}', '3', tVal, true],
  ['empty with string', '{{.Empty2}}', 'empty2', tVal, true],
  ['empty with slice', '{{.Empty3}}', '[7 8]', tVal, true],
  ['empty with struct', '{{.Empty4}}', 'map[V:UinEmpty]', tVal, true],
  ['empty with struct, field', '{{.Empty4.V}}', 'UinEmpty', tVal, true],
  // function calls
  ['.NilOKFunc not nil', '{{call .NilOKFunc .PSI}}', 'false', tVal, true],
  ['.NilOKFunc nil', '{{call .NilOKFunc nil}}', 'true', tVal, true],
  ['.BinaryFunc', '{{call .BinaryFunc `1` `2`}}', '[1=2]', tVal, true],
  ['.VariadicFunc0', '{{call .VariadicFunc}}', '<>', tVal, true],
  ['.VariadicFunc2', '{{call .VariadicFunc `he` `llo`}}', '<he+llo>', tVal, true],
  ['.VariadicFuncInt', '{{call .VariadicFuncInt 33 `he` `llo`}}', '33=<he+llo>', tVal, true],
  ['if .BinaryFunc call', '{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}', '[1=2]', tVal, true],
  ['if not .BinaryFunc call', '{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}', 'No', tVal, true],
  ['.ErrFunc', '{{call .ErrFunc}}', 'bla', tVal, true],
  ['call nil', '{{call nil}}', '', tVal, false],
  ['.BinaryFuncBad0', '{{call .BinaryFunc 1 3}}', '', tVal, false],
  ['.VariadicFuncBad0', '{{call .VariadicFunc 3}}', '', tVal, false],
  // pipelines
  ['pipeline func', '-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-', '-<he+<llo>>-', tVal, true],
  // parenthesized expressions
  ['parens in pipeline', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', '1 5 15', tVal, true],
  ['parens: $ in paren', '{{($).X}}', 'x', tVal, true],
  ['parens: $ in paren in pipe', '{{($ | echo).X}}', 'x', tVal, true],
  ['parens: spaces and args', '{{(makemap "up" "down" "left" "right").left}}', 'right', tVal, true],
  // if
  ['if true', '{{if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['if nil', '{{if nil}}TRUE{{end}}', '', tVal, false],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if nilPointer', '{{if .NIL}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if map unset', '{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if map not unset', '{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO', tVal, true],
  ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17', tVal, true],
  ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true', tVal, true],
  ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3', tVal, true],
  // print etc.
  ['print', '{{print "hello, print"}}', 'hello, print', tVal, true],
  ['print 123', '{{print 1 2 3}}', '1 2 3', tVal, true],
  ['print nil', '{{print nil}}', '<nil>', tVal, true],
  ['println', '{{println 1 2 3}}', '1 2 3\n', tVal, true],
  ['printf int', '{{printf "%04x" 127}}', '007f', tVal, true],
  ['printf float', '{{printf "%g" 3.5}}', '3.5', tVal, true],
  ['printf string', '{{printf "%s" "hello"}}', 'hello', tVal, true],
  ['printf function', '{{printf "%#q" zeroArgs}}', '`zeroArgs`', tVal, true],
  ['printf field', '{{printf "%s" .U.V}}', 'v', tVal, true],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17', tVal, true],
  ['printf var', '{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17', tVal, true],
  ['printf lots', '{{printf "%d %s %g %s" 127 "hello" 7.5 .X}}', '127 hello 7.5 x', tVal, true],
  // HTML
  ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  ['html pipeline', '{{printf "<script>alert(\\"XSS\\");</script>" | html}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  ['html', '{{html .PS}}', 'a string', tVal, true],
  ['html untyped nil', '{{html .Empty0}}', '&lt;no value&gt;', tVal, true],
  // JavaScript
  ['js', '{{js .}}', "It\\'d be nice.", "It'd be nice.", true],
  // URL query
  ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F', null, true],
  // booleans
  ['not', '{{not true}} {{not false}}', 'false true', null, true],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1', null, true],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1', null, true],
  ['or short-circuit', '{{or 0 1 (die)}}', '1', null, true],
  ['and short-circuit', '{{and 1 0 (die)}}', '0', null, true],
  ['or short-circuit2', '{{or 0 0 (die)}}', '', null, false],
  ['and short-circuit2', '{{and 1 1 (die)}}', '', null, false],
  ['and pipe-true', '{{1 | and 1}}', '1', null, true],
  ['and pipe-false', '{{0 | and 1}}', '0', null, true],
  ['or pipe-true', '{{1 | or 0}}', '1', null, true],
  ['or pipe-false', '{{0 | or 0}}', '0', null, true],
  ['and undef', '{{and 1 .Unknown}}', '<no value>', null, true],
  ['or undef', '{{or 0 .Unknown}}', '<no value>', null, true],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE', tVal, true],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE', null, true],
  ['boolean if pipe', '{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}', 'FALSE', null, true],
  // indexing
  ['slice[0]', '{{index .SI 0}}', '3', tVal, true],
  ['slice[1]', '{{index .SI 1}}', '4', tVal, true],
  ['slice[HUGE]', '{{index .SI 10}}', '', tVal, false],
  ['slice[WRONG]', '{{index .SI `hello`}}', '', tVal, false],
  ['slice[nil]', '{{index .SI nil}}', '', tVal, false],
  ['map[one]', '{{index .MSI `one`}}', '1', tVal, true],
  ['map[two]', '{{index .MSI `two`}}', '2', tVal, true],
  ['map[NO]', '{{index .MSI `XXX`}}', '0', tVal, true],
  ['map[nil]', '{{index .MSI nil}}', '', tVal, false],
  ['map[``]', '{{index .MSI ``}}', '0', tVal, true],
  ['map[WRONG]', '{{index .MSI 10}}', '', tVal, false],
  ['double index', '{{index .SMSI 1 `eleven`}}', '11', tVal, true],
  ['nil[1]', '{{index nil 1}}', '', tVal, false],
  ['index of an interface field', '{{index .Empty3 0}}', '7', tVal, true],
  ['index of a string', '{{index "hi" 1}}', '105', tVal, true],
  // slicing
  ['slice[:]', '{{slice .SI}}', '[3 4 5]', tVal, true],
  ['slice[1:]', '{{slice .SI 1}}', '[4 5]', tVal, true],
  ['slice[1:2]', '{{slice .SI 1 2}}', '[4]', tVal, true],
  ['slice[-1:]', '{{slice .SI -1}}', '', tVal, false],
  ['slice[1:-2]', '{{slice .SI 1 -2}}', '', tVal, false],
  ['slice[1:2:-1]', '{{slice .SI 1 2 -1}}', '', tVal, false],
  ['slice[2:1]', '{{slice .SI 2 1}}', '', tVal, false],
  ['slice[2:2:1]', '{{slice .SI 2 2 1}}', '', tVal, false],
  ['out of range', '{{slice .SI 4 5}}', '', tVal, false],
  ['array[:]', '{{slice .AI}}', '[3 4 5]', tVal, true],
  ['string[:]', '{{slice .S}}', 'xyz', tVal, true],
  ['string[0:1]', '{{slice .S 0 1}}', 'x', tVal, true],
  ['string[1:]', '{{slice .S 1}}', 'yz', tVal, true],
  ['string[1:2]', '{{slice .S 1 2}}', 'y', tVal, true],
  ['out of range string', '{{slice .S 1 5}}', '', tVal, false],
  ['3-index slice of string', '{{slice .S 1 2 2}}', '', tVal, false],
  ['slice of an interface field', '{{slice .Empty3 0 1}}', '[7]', tVal, true],
  // len
  ['slice', '{{len .SI}}', '3', tVal, true],
  ['map', '{{len .MSI }}', '3', tVal, true],
  ['len of int', '{{len 3}}', '', tVal, false],
  ['len of nothing', '{{len .Empty0}}', '', tVal, false],
  ['len of an interface field', '{{len .Empty3}}', '2', tVal, true],
  ['len of a string counts bytes', '{{len "héllo"}}', '6', tVal, true],
  // with
  ['with true', '{{with true}}{{.}}{{end}}', 'true', tVal, true],
  ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['with 1', '{{with 1}}{{.}}{{else}}ZERO{{end}}', '1', tVal, true],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5', tVal, true],
  ['with 0.0', '{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with emptystring', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with string', '{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}', 'notempty', tVal, true],
  ['with emptyslice', '{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]', tVal, true],
  ['with emptymap', '{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]', tVal, true],
  ['with empty interface, struct field', '{{with .Empty4}}{{.V}}{{end}}', 'UinEmpty', tVal, true],
  ['with $x int', '{{with $x := .I}}{{$x}}{{end}}', '17', tVal, true],
  ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v', tVal, true],
  ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v', tVal, true],
  ['with else with', '{{with 0}}{{.}}{{else with true}}{{.}}{{end}}', 'true', tVal, true],
  ['with else with chain', '{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}', 'notempty', tVal, true],
  // range
  ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-', tVal, true],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range []int break else', '{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}', '-3-', tVal, true],
  ['range []int continue else', '{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-', tVal, true],
  ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-', tVal, true],
  ['range empty map no else', '{{range .MSIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range map else', '{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}', '-1--3--2-', tVal, true],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range empty interface', '{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}', '-7--8-', tVal, true],
  ['range empty nil', '{{range .Empty0}}-{{.}}-{{end}}', '', tVal, true],
  ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>', tVal, true],
  ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>', tVal, true],
  ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>', tVal, true],
  ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>', tVal, true],
  ['range $x PSI', '{{range $x := .PSI}}<{{$x}}>{{end}}', '<21><22><23>', tVal, true],
  ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>', tVal, true],
  ['range count', '{{range $i, $x := count 5}}[{{$i}}]{{$x}}{{end}}', '[0]a[1]b[2]c[3]d[4]e', tVal, true],
  ['range nil count', '{{range $i, $x := count 0}}{{else}}empty{{end}}', 'empty', tVal, true],
  ['range 5', '{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}', 'int0int1int2int3int4', null, true],
  ['range int with two variables', '{{range $i, $v := 5}}{{end}}', '', null, false],
  ['range 0 else', '{{range 0}}x{{else}}none{{end}}', 'none', null, true],
  ['range over a string', '{{range "abc"}}{{.}}{{end}}', '', null, false],
  ['range over a float', '{{range 1.5}}{{.}}{{end}}', '', null, false],
  // cute examples
  ['or as if true', '{{or .SI "slice is empty"}}', '[3 4 5]', tVal, true],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', 'slice is empty', tVal, true],
  // numbers
  ['decimal', '{{print 1234}}', '1234', tVal, true],
  ['decimal _', '{{print 12_34}}', '1234', tVal, true],
  ['binary', '{{print 0b101}}', '5', tVal, true],
  ['binary _', '{{print 0b_1_0_1}}', '5', tVal, true],
  ['BINARY', '{{print 0B101}}', '5', tVal, true],
  ['octal0', '{{print 0377}}', '255', tVal, true],
  ['octal', '{{print 0o377}}', '255', tVal, true],
  ['octal _', '{{print 0o_3_7_7}}', '255', tVal, true],
  ['OCTAL', '{{print 0O377}}', '255', tVal, true],
  ['hex', '{{print 0x123}}', '291', tVal, true],
  ['hex _', '{{print 0x1_23}}', '291', tVal, true],
  ['HEX', '{{print 0X123ABC}}', '1194684', tVal, true],
  ['float', '{{print 123.4}}', '123.4', tVal, true],
  ['float _', '{{print 0_0_1_2_3.4}}', '123.4', tVal, true],
  ['hex float', '{{print +0x1.ep+2}}', '7.5', tVal, true],
  ['hex float _', '{{print +0x_1.e_0p+0_2}}', '7.5', tVal, true],
  ['HEX float', '{{print +0X1.EP+2}}', '7.5', tVal, true],
  ['print multi', '{{print 1_2_3_4 7.5_00_00_00}}', '1234 7.5', tVal, true],
  ['print multi2', '{{print 1234 0x0_1.e_0p+02}}', '1234 7.5', tVal, true],
  ['char constant', "{{print 'a' '\\n'}}", '97 10', tVal, true],
  // fixed bugs
  ['bug0', '{{range .MSIone}}{{if $.MSIone.one}}X{{end}}{{end}}', 'X', tVal, true],
  ['bug4', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil', tVal, true],
  ['bug7a', '{{3 2}}', '', tVal, false],
  ['bug7b', '{{$x := 1}}{{$x 2}}', '', tVal, false],
  ['bug7c', '{{$x := 1}}{{3 | $x}}', '', tVal, false],
  ['bug8a', '{{3|oneArg}}', '', tVal, false],
  ['bug9', '{{.cause}}', 'neglect', { cause: 'neglect' }, true],
  ['bug10', '{{mapOfThree.three}}-{{(mapOfThree).three}}', '3-3', 0, true],
  ['bug12xe', '{{printf `%T` 0xef}}', 'int', null, true],
  ['bug14a', '{{(nil).True}}', '', tVal, false],
  ['bug14b', '{{$x := nil}}{{$x.anything}}', '', tVal, false],
  ['bug14c', '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', '', tVal, false],
  ['bug16a', '{{true|printf}}', '', tVal, false],
  ['bug16b', '{{1|printf}}', '', tVal, false],
  ['bug16c', '{{1.1|printf}}', '', tVal, false],
  ['bug16d', "{{'x'|printf}}", '', tVal, false],
  ['bug16f', '{{true|twoArgs "xxx"}}', '', tVal, false],
  ['bug16g', '{{"aaa" |twoArgs "bbb"}}', 'twoArgs=bbbaaa', tVal, true],
  ['bug16h', '{{1|oneArg}}', '', tVal, false],
  ['bug16i', '{{"aaa"|oneArg}}', 'oneArg=aaa', tVal, true],
  ['bug16k', '{{"aaa"|printf }}', 'aaa', tVal, true],
  ['bug18a', "{{eq . '.'}}", 'true', 46, true],
  ['issue56490', '{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}', '5', tVal, true],
  ['issue60801', '{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}', '0=3 1=4 2=5 ', tVal, true],
];

function run(input: string, data: unknown, options: TemplateOptions = {}): string {
  return parseTemplate(input, { funcs, ...options }).execute(data);
}

describe('Go exec tests', () => {
  it.each(execTests)('%s: %s', (_name, input, output, data, ok) => {
    if (ok) {
      expect(run(input, data)).toBe(output);
    } else {
      expect(() => run(input, data)).toThrow(TemplateError);
    }
  });
});

describe('comparisons (Go cmpTests)', () => {
  const data = { Uthree: 3, Ufour: 4, NegOne: -1, Three: 3, List: [1], Map: { a: 1 } };
  const cmpTests: [string, string, boolean][] = [
    ['eq true true', 'true', true],
    ['eq true false', 'false', true],
    ['eq 1.5 1.5', 'true', true],
    ['eq 1.5 2.5', 'false', true],
    ['eq 1 1', 'true', true],
    ['eq 1 2', 'false', true],
    ['eq `xy` `xy`', 'true', true],
    ['eq `xy` `xyz`', 'false', true],
    ['eq .Uthree .Uthree', 'true', true],
    ['eq .Uthree .Ufour', 'false', true],
    ['eq 3 4 5 6 3', 'true', true],
    ['eq 3 4 5 6 7', 'false', true],
    ['ne true true', 'false', true],
    ['ne true false', 'true', true],
    ['ne 1.5 1.5', 'false', true],
    ['ne 1 2', 'true', true],
    ['ne `xy` `xy`', 'false', true],
    ['lt 1.5 1.5', 'false', true],
    ['lt 1.5 2.5', 'true', true],
    ['lt 1 2', 'true', true],
    ['lt `xy` `xy`', 'false', true],
    ['lt `xy` `xyz`', 'true', true],
    ['le 1.5 1.5', 'true', true],
    ['le 2.5 1.5', 'false', true],
    ['le `xyz` `xy`', 'false', true],
    ['gt 2 1', 'true', true],
    ['gt `xy` `xyz`', 'false', true],
    ['ge 1.5 2.5', 'false', true],
    ['ge `xyz` `xy`', 'true', true],
    ['eq .Uthree .Three', 'true', true],
    ['lt .NegOne .Uthree', 'true', true],
    ['gt .Uthree .NegOne', 'true', true],
    ['eq (index `x` 0) 120', 'true', true],
    ["eq (index `x` 0) 'x'", 'true', true],
    ["eq (index `x` 0) 'y'", 'false', true],
    ['eq .Missing .Missing', 'true', true],
    ['eq .Missing 0', 'false', true],
    ['eq 0 .Missing', 'false', true],
    // errors
    ['eq `xy` 1', '', false],
    ['lt true true', '', false],
    ['lt .Missing 1', '', false],
    ['eq .List .List', '', false],
    ['eq .Map .Map', '', false],
    ['eq 1', '', false],
  ];
  it.each(cmpTests)('%s', (expr, truth, ok) => {
    const t = parseTemplate(`{{if ${expr}}}true{{else}}false{{end}}`);
    if (ok) expect(t.execute(data)).toBe(truth);
    else expect(() => t.execute(data)).toThrow(TemplateError);
  });

  it('compares strings in UTF-8 byte order, as Go does', () => {
    // U+FF61 sorts before U+1F600 in UTF-8, but after its UTF-16 surrogates
    expect(run('{{lt .a .b}}', { a: '\uFF61', b: '😀' })).toBe('true');
  });
});

describe('error messages', () => {
  it('names the template, position and node of a failing call (Go TestExecError)', () => {
    const text = `line 1
line 2
line 3
{{template "one" .}}
{{define "one"}}{{template "two" .}}{{end}}
{{define "two"}}{{template "three" .}}{{end}}
{{define "three"}}{{index "hi" $}}{{end}}`;
    expect(() => run(text, 5, { name: 'top' })).toThrow(
      'template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5',
    );
  });

  it('reports a function that throws as "error calling" (Go TestExecutePanicDuringCall)', () => {
    const doPanic: FuncMap = {
      doPanic: () => {
        throw new Error('custom panic string');
      },
    };
    expect(() => run('{{doPanic}}', null, { name: 't', funcs: doPanic })).toThrow(
      'template: t:1:2: executing "t" at <doPanic>: error calling doPanic: custom panic string',
    );
    expect(() => run('{{call doPanic}}', null, { name: 't', funcs: doPanic })).toThrow(
      'template: t:1:7: executing "t" at <doPanic>: error calling doPanic: custom panic string',
    );
    expect(() => run('{{call .PanicFunc}}', tVal, { name: 't' })).toThrow(
      'template: t:1:2: executing "t" at <call .PanicFunc>: error calling call: test panic',
    );
  });

  it('checks call (Go TestFunctionCheckDuringCall)', () => {
    expect(() => run('{{call}}', tVal)).toThrow('wrong number of args for call: want at least 1 got 0');
    expect(() => run('{{call .True}}', tVal)).toThrow('error calling call: non-function .True of type bool');
  });

  it('checks argument counts and types before calling', () => {
    expect(() => run('{{twoArgs "a"}}', null)).toThrow(
      'template: template:1:2: executing "template" at <twoArgs>: wrong number of args for twoArgs: want 2 got 1',
    );
    expect(() => run('{{3 | oneArg}}', null)).toThrow('wrong type for value; expected string; got int');
    expect(() => run('{{.missing | oneArg}}', {})).toThrow('invalid value; expected string');
  });

  it('explains a field on a non-map (Go TestExecuteGivesExecError)', () => {
    expect(() => run('hello, {{.X.Y}}', 0, { name: 'X' })).toThrow(
      // Go positions a field chain at its second field
      'template: X:1:11: executing "X" at <.X.Y>: can\'t evaluate field X in type int',
    );
  });

  it('truncates long node text to 20 characters', () => {
    expect(() => run('{{index .SI 1000000000000000}}', tVal)).toThrow('at <index .SI 1000000000...>: error calling index');
  });

  it('counts columns in bytes, like Go', () => {
    expect(() => run('é{{.a.b}}', { a: 1 })).toThrow('template: template:1:6: executing');
  });

  it('reports a missing template', () => {
    expect(() => run('{{template "nope"}}', null)).toThrow('template "nope" not defined');
  });

  it('refuses to print a function', () => {
    expect(() => run('{{.BinaryFunc}}', tVal)).toThrow("at <{{.BinaryFunc}}>: can't print {{.BinaryFunc}} of type");
  });

  it('rejects a function that returns a Promise', () => {
    expect(() => run('{{later}}', null, { funcs: { later: async () => 'x' } })).toThrow(
      'error calling later: function returned a Promise; template functions must be synchronous',
    );
  });

  it('throws TemplateError, a UserError (HTTP 400)', () => {
    try {
      run('{{.a.b}}', { a: 1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateError);
      expect(err).toBeInstanceOf(UserError);
      expect((err as TemplateError).code).toBe('ERR_INVALID_REQUEST');
    }
  });
});

describe('missingkey (Go TestMissingMapKey)', () => {
  const data = { x: 99 };
  it('prints <no value> by default', () => {
    expect(run('{{.x}} {{.y}}', data)).toBe('99 <no value>');
    expect(run('{{.x}} {{.y}}', data, { missingKey: 'default' })).toBe('99 <no value>');
  });

  it('gives the zero value of the map element type', () => {
    expect(run('{{.x}} {{.y}}', data, { missingKey: 'zero' })).toBe('99 0');
    expect(run('[{{.y}}]', { x: 'a' }, { missingKey: 'zero' })).toBe('[]');
    expect(run('[{{.y}}]', { x: 'a', n: 1 }, { missingKey: 'zero' })).toBe('[<no value>]');
  });

  it('fails with missingkey=error, also on nil data', () => {
    expect(() => run('{{.x}} {{.y}}', data, { missingKey: 'error', name: 't1' })).toThrow(
      'template: t1:1:9: executing "t1" at <.y>: map has no entry for key "y"',
    );
    expect(() => run('{{.y}}', null, { missingKey: 'error' })).toThrow('nil data; no entry for key "y"');
    expect(run('{{.y}}', { y: null }, { missingKey: 'error' })).toBe('<no value>');
  });

  it('does not apply to index, which gives the zero value (ESO relies on this)', () => {
    expect(run('[{{index . "a-b"}}][{{index . "c"}}]', { 'a-b': 'x' }, { missingKey: 'error' })).toBe('[x][]');
  });

  it('never reads inherited properties', () => {
    expect(run('{{.constructor}}|{{.toString}}|{{.__proto__}}', {})).toBe('<no value>|<no value>|<no value>');
    expect(() => run('{{.constructor}}', {}, { missingKey: 'error' })).toThrow('map has no entry for key "constructor"');
  });
});

describe('templates', () => {
  it('uses custom delimiters (Go TestDelims)', () => {
    const pairs: [string, string][] = [
      ['{{', '}}'],
      ['<<', '>>'],
      ['|', '|'],
      ['(日)', '(本)'],
    ];
    for (const [left, right] of pairs) {
      const text = `${left}.Str${right}${left}/*comment*/${right}${left}"${left}"${right}`;
      expect(parseTemplate(text, { leftDelim: left, rightDelim: right }).execute({ Str: 'Hello, world' })).toBe(`Hello, world${left}`);
    }
  });

  it('walks a tree with define and trim markers (Go TestTree)', () => {
    const treeTemplate = `
	(- define "tree" -)
	[
		(- .Val -)
		(- with .Left -)
			(template "tree" . -)
		(- end -)
		(- with .Right -)
			(- template "tree" . -)
		(- end -)
	]
	(- end -)
(- template "tree" . -)`;
    const leaf = (v: number): unknown => ({ Val: v, Left: null, Right: null });
    const tree = {
      Val: 1,
      Left: { Val: 2, Left: { Val: 3, Left: leaf(4), Right: null }, Right: { Val: 5, Left: leaf(6), Right: null } },
      Right: { Val: 7, Left: { Val: 8, Left: leaf(9), Right: null }, Right: { Val: 10, Left: leaf(11), Right: null } },
    };
    expect(parseTemplate(treeTemplate, { leftDelim: '(', rightDelim: ')' }).execute(tree)).toBe('[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]');
  });

  it('renders a block with its own body (Go TestBlock)', () => {
    expect(run('a({{block "inner" .}}bar({{.}})baz{{end}})b', 'hello')).toBe('a(bar(hello)baz)b');
  });

  it('passes no variables into an invoked template', () => {
    expect(run('{{define "t"}}{{$}}{{end}}{{$x := 1}}{{template "t" 2}}', null)).toBe('2');
    expect(run('{{define "t"}}[{{.}}]{{end}}{{template "t"}}', 'dot')).toBe('[<no value>]');
  });

  it('lets a define with the main name stand for an empty main template', () => {
    expect(run('{{define "template"}}defined{{end}}', null)).toBe('defined');
  });

  it('stops runaway recursion (Go TestMaxExecDepth)', () => {
    expect(() => run('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', null)).toThrow(
      `exceeded maximum template depth (${MAX_EXEC_DEPTH})`,
    );
  });

  it('scopes variables to their control structure', () => {
    expect(run('{{with $x := 1}}{{$x}}{{end}}{{$x := 2}}{{$x}}', null)).toBe('12');
    expect(run('{{range $i, $e := .}}{{$y := $e}}{{$y}}{{end}}', ['a', 'b'])).toBe('ab');
  });

  it('continues and breaks from inside nested ifs', () => {
    expect(run('{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4, 5])).toBe('13');
    expect(run('{{range .}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}', [[1, 2, 3], [4]])).toBe('1;4;');
  });

  it('lets a function named break shadow the keyword (Go TestKeywordsAndFuncs)', () => {
    expect(run('{{range .}}{{break 20}}{{end}}', [1], { funcs: { break: (x: unknown) => x } })).toBe('20');
  });

  it('ranges over map keys in sorted order', () => {
    expect(run('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { b: 2, a: 1, '10': 'x', '9': 'y' })).toBe('10=x;9=y;a=1;b=2;');
  });

  it('treats a JavaScript function in the data as a value for call', () => {
    expect(run('{{call .f 2 3}}', { f: (a: number, b: number) => a * b })).toBe('6');
  });

  it('renders bytes and dates like Go', () => {
    expect(run('{{.b}} {{printf "%s" .b}}', { b: Buffer.from('hi') })).toBe('[104 105] hi');
    expect(run('{{.}}', new Date(Date.UTC(2009, 10, 10, 23, 0, 0)))).toMatch(/^2009-11-1\d \d\d:00:00 [+-]\d{4} \S+$/);
  });

  it('can be executed many times with different data', () => {
    const t = parseTemplate('{{.n}}');
    expect([1, 2, 3].map((n) => t.execute({ n }))).toEqual(['1', '2', '3']);
  });
});
