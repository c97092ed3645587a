/** Lexer tests, after Go's text/template/parse/lex_test.go. */
import { describe, expect, it } from 'vitest';
import { type ItemType, formatRuneU, itemString, lexAll } from './lexer.js';

function items(input: string, left = '{{', right = '}}'): [ItemType, string][] {
  return lexAll(input, left, right).map((i) => [i.type, i.val]);
}

describe('lexer', () => {
  it.each<[string, string, [ItemType, string][]]>([
    ['empty', '', [['eof', '']]],
    ['spaces', ' \t\n', [['text', ' \t\n'], ['eof', '']]],
    ['text', 'now is the time', [['text', 'now is the time'], ['eof', '']]],
    ['text with comment', 'hello-{{/* this is a comment */}}-world', [['text', 'hello-'], ['text', '-world'], ['eof', '']]],
    ['punctuation', '{{,@% }}', [['leftDelim', '{{'], ['char', ','], ['char', '@'], ['char', '%'], ['space', ' '], ['rightDelim', '}}'], ['eof', '']]],
    ['parens', '{{((3))}}', [['leftDelim', '{{'], ['leftParen', '('], ['leftParen', '('], ['number', '3'], ['rightParen', ')'], ['rightParen', ')'], ['rightDelim', '}}'], ['eof', '']]],
    ['empty action', '{{}}', [['leftDelim', '{{'], ['rightDelim', '}}'], ['eof', '']]],
    ['for', '{{for}}', [['leftDelim', '{{'], ['identifier', 'for'], ['rightDelim', '}}'], ['eof', '']]],
    ['block', '{{block "foo" .}}', [['leftDelim', '{{'], ['block', 'block'], ['space', ' '], ['string', '"foo"'], ['space', ' '], ['dot', '.'], ['rightDelim', '}}'], ['eof', '']]],
    ['quote', '{{"abc \\n\\t\\" "}}', [['leftDelim', '{{'], ['string', '"abc \\n\\t\\" "'], ['rightDelim', '}}'], ['eof', '']]],
    ['raw quote with newline', '{{`now is{{\n}}the time`}}', [['leftDelim', '{{'], ['rawString', '`now is{{\n}}the time`'], ['rightDelim', '}}'], ['eof', '']]],
    ['numbers', '{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}', [
      ['leftDelim', '{{'], ['number', '1'], ['space', ' '], ['number', '02'], ['space', ' '], ['number', '0x14'], ['space', ' '],
      ['number', '0X14'], ['space', ' '], ['number', '-7.2i'], ['space', ' '], ['number', '1e3'], ['space', ' '], ['number', '1E3'],
      ['space', ' '], ['number', '+1.2e-4'], ['space', ' '], ['number', '4.2i'], ['space', ' '], ['complex', '1+2i'], ['space', ' '],
      ['number', '1_2'], ['space', ' '], ['number', '0x1.e_fp4'], ['space', ' '], ['number', '0X1.E_FP4'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['characters', "{{'a' '\\n' '\\'' '\\\\' '\\u00FF' '\\xFF' '本'}}", [
      ['leftDelim', '{{'], ['charConstant', "'a'"], ['space', ' '], ['charConstant', "'\\n'"], ['space', ' '], ['charConstant', "'\\''"],
      ['space', ' '], ['charConstant', "'\\\\'"], ['space', ' '], ['charConstant', "'\\u00FF'"], ['space', ' '], ['charConstant', "'\\xFF'"],
      ['space', ' '], ['charConstant', "'本'"], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['bools', '{{true false}}', [['leftDelim', '{{'], ['bool', 'true'], ['space', ' '], ['bool', 'false'], ['rightDelim', '}}'], ['eof', '']]],
    ['dot', '{{.}}', [['leftDelim', '{{'], ['dot', '.'], ['rightDelim', '}}'], ['eof', '']]],
    ['nil', '{{nil}}', [['leftDelim', '{{'], ['nil', 'nil'], ['rightDelim', '}}'], ['eof', '']]],
    ['dots', '{{.x . .2 .x.y.z}}', [
      ['leftDelim', '{{'], ['field', '.x'], ['space', ' '], ['dot', '.'], ['space', ' '], ['number', '.2'], ['space', ' '],
      ['field', '.x'], ['field', '.y'], ['field', '.z'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['keywords', '{{range if else end with}}', [
      ['leftDelim', '{{'], ['range', 'range'], ['space', ' '], ['if', 'if'], ['space', ' '], ['else', 'else'], ['space', ' '],
      ['end', 'end'], ['space', ' '], ['with', 'with'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['variables', '{{$c := printf $ $hello $23 $ $var.Field .Method}}', [
      ['leftDelim', '{{'], ['variable', '$c'], ['space', ' '], ['declare', ':='], ['space', ' '], ['identifier', 'printf'], ['space', ' '],
      ['variable', '$'], ['space', ' '], ['variable', '$hello'], ['space', ' '], ['variable', '$23'], ['space', ' '], ['variable', '$'],
      ['space', ' '], ['variable', '$var'], ['field', '.Field'], ['space', ' '], ['field', '.Method'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['variable invocation', '{{$x 23}}', [['leftDelim', '{{'], ['variable', '$x'], ['space', ' '], ['number', '23'], ['rightDelim', '}}'], ['eof', '']]],
    ['pipeline', 'intro {{echo hi 1.2 |noargs|args 1 "hi"}} outro', [
      ['text', 'intro '], ['leftDelim', '{{'], ['identifier', 'echo'], ['space', ' '], ['identifier', 'hi'], ['space', ' '], ['number', '1.2'],
      ['space', ' '], ['pipe', '|'], ['identifier', 'noargs'], ['pipe', '|'], ['identifier', 'args'], ['space', ' '], ['number', '1'],
      ['space', ' '], ['string', '"hi"'], ['rightDelim', '}}'], ['text', ' outro'], ['eof', ''],
    ]],
    ['declaration', '{{$v := 3}}', [['leftDelim', '{{'], ['variable', '$v'], ['space', ' '], ['declare', ':='], ['space', ' '], ['number', '3'], ['rightDelim', '}}'], ['eof', '']]],
    ['2 declarations', '{{$v , $w := 3}}', [
      ['leftDelim', '{{'], ['variable', '$v'], ['space', ' '], ['char', ','], ['space', ' '], ['variable', '$w'], ['space', ' '],
      ['declare', ':='], ['space', ' '], ['number', '3'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['field of parenthesized expression', '{{(.X).Y}}', [['leftDelim', '{{'], ['leftParen', '('], ['field', '.X'], ['rightParen', ')'], ['field', '.Y'], ['rightDelim', '}}'], ['eof', '']]],
    ['trimming spaces before and after', 'hello- {{- 3 -}} -world', [['text', 'hello-'], ['leftDelim', '{{'], ['number', '3'], ['rightDelim', '}}'], ['text', '-world'], ['eof', '']]],
    ['trimming spaces before and after comment', 'hello- {{- /* hello */ -}} -world', [['text', 'hello-'], ['text', '-world'], ['eof', '']]],
    ['a minus without a space is a number', '{{-3}}', [['leftDelim', '{{'], ['number', '-3'], ['rightDelim', '}}'], ['eof', '']]],
    ['unicode identifier', '{{Ӵ}}', [['leftDelim', '{{'], ['identifier', 'Ӵ'], ['rightDelim', '}}'], ['eof', '']]],
    // errors
    ['badchar', '#{{\x01}}', [['text', '#'], ['leftDelim', '{{'], ['error', 'unrecognized character in action: U+0001']]],
    ['unclosed action', '{{', [['leftDelim', '{{'], ['error', 'unclosed action']]],
    ['EOF in action', '{{range', [['leftDelim', '{{'], ['range', 'range'], ['error', 'unclosed action']]],
    ['unclosed quote', '{{"\n"}}', [['leftDelim', '{{'], ['error', 'unterminated quoted string']]],
    ['unclosed raw quote', '{{`xx}}', [['leftDelim', '{{'], ['error', 'unterminated raw quoted string']]],
    ['unclosed char constant', "{{'\n}}", [['leftDelim', '{{'], ['error', 'unterminated character constant']]],
    ['bad number', '{{3k}}', [['leftDelim', '{{'], ['error', 'bad number syntax: "3k"']]],
    ['unclosed paren', '{{(3}}', [['leftDelim', '{{'], ['leftParen', '('], ['number', '3'], ['error', 'unclosed left paren']]],
    ['extra right paren', '{{3)}}', [['leftDelim', '{{'], ['number', '3'], ['error', 'unexpected right paren']]],
    ['long pipeline deadlock', '{{|||||}}', [
      ['leftDelim', '{{'], ['pipe', '|'], ['pipe', '|'], ['pipe', '|'], ['pipe', '|'], ['pipe', '|'], ['rightDelim', '}}'], ['eof', ''],
    ]],
    ['text with bad comment', 'hello-{{/*/}}-world', [['text', 'hello-'], ['error', 'unclosed comment']]],
    ['text with comment close separated from delim', 'hello-{{/* */ }}-world', [['text', 'hello-'], ['error', 'comment ends before closing delimiter']]],
  ])('%s', (_name, input, expected) => {
    expect(items(input)).toEqual(expected);
  });

  it('lexes with other delimiters', () => {
    expect(items('$$.Field@@', '$$', '@@')).toEqual([['leftDelim', '$$'], ['field', '.Field'], ['rightDelim', '@@'], ['eof', '']]);
    expect(items('(日).x(本)', '(日)', '(本)')).toEqual([['leftDelim', '(日)'], ['field', '.x'], ['rightDelim', '(本)'], ['eof', '']]);
  });

  it('tracks line numbers', () => {
    const lines = lexAll('a\nb{{.x\n}}\n{{`c\nd`}}').map((i) => [i.type, i.line]);
    expect(lines).toEqual([
      ['text', 1],
      ['leftDelim', 2],
      ['field', 2],
      ['space', 2],
      ['rightDelim', 3],
      ['text', 3],
      ['leftDelim', 4],
      ['rawString', 4],
      ['rightDelim', 5],
      ['eof', 5],
    ]);
  });

  it('prints items as Go does in messages', () => {
    const [first] = lexAll('{{range}}').slice(1);
    expect(itemString(first as never)).toBe('<range>');
    expect(itemString({ type: 'string', pos: 0, val: '"a long string literal"', line: 1 })).toBe('"\\"a long st"...');
    expect(formatRuneU(0x23)).toBe("U+0023 '#'");
    expect(formatRuneU(0x1)).toBe('U+0001');
  });
});
