/** Sprig string functions, with the examples of Sprig's documentation and tests. */
import { describe, expect, it } from 'vitest';
import { parseTemplate, sprigFuncs } from './index.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: sprigFuncs, missingKey: 'error' }).execute(data);
}

describe('sprig strings', () => {
  it.each<[string, string]>([
    ['{{ trim "   hello    " }}', 'hello'],
    ['{{ trimAll "$" "$5.00" }}', '5.00'],
    ['{{ trimall "$" "$5.00$" }}', '5.00'],
    ['{{ trimSuffix "-" "hello-" }}', 'hello'],
    ['{{ trimPrefix "-" "-hello" }}', 'hello'],
    ['{{ upper "hello" }}', 'HELLO'],
    ['{{ lower "HELLO" }}', 'hello'],
    ['{{ title "hello world" }}', 'Hello World'],
    ['{{ title "hello_world-again x.y" }}', 'Hello_world-Again X.Y'],
    ['{{ untitle "Hello World" }}', 'hello world'],
    ['{{ repeat 3 "hello" }}', 'hellohellohello'],
    ['{{ substr 0 5 "hello world" }}', 'hello'],
    ['{{ substr 6 -1 "hello world" }}', 'world'],
    ['{{ substr -1 5 "hello world" }}', 'hello'],
    ['{{ nospace "hello w o r l d" }}', 'helloworld'],
    ['{{ trunc 5 "hello world" }}', 'hello'],
    ['{{ trunc -5 "hello world" }}', 'world'],
    ['{{ trunc 50 "hello world" }}', 'hello world'],
    ['{{ abbrev 5 "hello world" }}', 'he...'],
    ['{{ abbrev 20 "hello world" }}', 'hello world'],
    ['{{ abbrev 3 "hello world" }}', 'hello world'],
    ['{{ abbrevboth 5 10 "1234 5678 9123" }}', '...5678...'],
    ['{{ initials "First Try" }}', 'FT'],
    ['{{ wrap 80 "abc" }}', 'abc'],
    ['{{ wrap 5 "Hello World" }}', 'Hello\nWorld'],
    ['{{ wrap 2 "abcdefg" }}', 'abcdefg'],
    ['{{ wrapWith 5 "\\t" "Hello World" }}', 'Hello\tWorld'],
    ['{{ wrapWith 3 "\\n" "abcdefg" }}', 'abc\ndef\ng'],
    ['{{ contains "cat" "catch" }}', 'true'],
    ['{{ hasPrefix "cat" "catch" }}', 'true'],
    ['{{ hasSuffix "cat" "catch" }}', 'false'],
    ['{{ quote "hello" }}', '"hello"'],
    ['{{ quote "a\\"b\\n" 1 nil true }}', '"a\\"b\\n" "1" "true"'],
    ['{{ squote "hello" 1 }}', "'hello' '1'"],
    ['{{ cat "hello" "beautiful" "world" }}', 'hello beautiful world'],
    ['{{ cat "a" nil 2 }}', 'a 2'],
    ['{{ indent 4 "hello\\nworld" }}', '    hello\n    world'],
    ['{{ nindent 4 "hello" }}', '\n    hello'],
    ['{{ "I Am Henry VIII" | replace " " "-" }}', 'I-Am-Henry-VIII'],
    ['{{ replace "" "-" "ab" }}', '-a-b-'],
    ['{{ plural "one anchovy" "many anchovies" 1 }}', 'one anchovy'],
    ['{{ plural "one anchovy" "many anchovies" 2 }}', 'many anchovies'],
    ['{{ snakecase "FirstName" }}', 'first_name'],
    ['{{ snakecase "HTTPServer" }}', 'http_server'],
    ['{{ snakecase "NoHTTPS" }}', 'no_https'],
    ['{{ snakecase "GO_PATH" }}', 'go_path'],
    ['{{ snakecase "GO PATH" }}', 'go_path'],
    ['{{ snakecase "GO-PATH" }}', 'go_path'],
    ['{{ snakecase "http2xx" }}', 'http_2xx'],
    ['{{ snakecase "HTTP20xOK" }}', 'http_20x_ok'],
    ['{{ snakecase "Duration2m3s" }}', 'duration_2m3s'],
    ['{{ snakecase "Bld4Floor3rd" }}', 'bld4_floor_3rd'],
    ['{{ kebabcase "FirstName" }}', 'first-name'],
    ['{{ kebabcase "HTTPServer" }}', 'http-server'],
    ['{{ kebabcase "GO_PATH" }}', 'go-path'],
    ['{{ camelcase "http_server" }}', 'HttpServer'],
    ['{{ camelcase "some_words" }}', 'SomeWords'],
    ['{{ camelcase "no_https" }}', 'NoHttps'],
    ['{{ camelcase "_complex__case_" }}', '_Complex_Case_'],
    ['{{ camelcase "some words" }}', 'SomeWords'],
    ['{{ camelcase "GOLANG_IS_GREAT" }}', 'GolangIsGreat'],
    ['{{ swapcase "This Is A.Test" }}', 'tHIS iS a.tEST'],
    ['{{ toString 1 }} {{ toString 1.5 }} {{ toString true }} {{ toString nil }} {{ toString (list 1 2) }}', '1 1.5 true <nil> [1 2]'],
    ['{{ toStrings (list 1 "a" nil 2.5) }}', '[1 a 2.5]'],
    ['{{ $a := split "$" "foo$bar$baz" }}{{ $a._0 }} {{ $a._1 }} {{ $a._2 }}', 'foo bar baz'],
    ['{{ splitList "$" "foo$bar$baz" }}', '[foo bar baz]'],
    ['{{ splitList "" "héé" }}', '[h é é]'],
    ['{{ $a := splitn "$" 2 "foo$bar$baz" }}{{ $a._0 }} {{ $a._1 }}', 'foo bar$baz'],
    ['{{ join "-" (list "a" "b" "c") }}', 'a-b-c'],
    ['{{ join "," (list 1 2 nil 3) }}', '1,2,3'],
    ['{{ join "," "single" }}', 'single'],
    ['{{ list "b" "C" "a" "é" | sortAlpha }}', '[C a b é]'],
    ['{{ sortAlpha "x" }}', '[x]'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it('generates random strings from the right alphabets', () => {
    expect(render('{{ randAlphaNum 32 }}')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(render('{{ randAlpha 32 }}')).toMatch(/^[A-Za-z]{32}$/);
    expect(render('{{ randNumeric 32 }}')).toMatch(/^[0-9]{32}$/);
    expect(render('{{ randAscii 32 }}')).toMatch(/^[ -~]{32}$/);
    expect(render('{{ randAlphaNum 0 }}{{ randAlpha -1 }}')).toBe('');
    expect(() => render('{{ randAlphaNum 100000000 }}')).toThrow('requested random string length is too large');
  });

  it('shuffles the characters of a string', () => {
    const out = render('{{ shuffle "héllo wörld" }}');
    expect(Array.from(out).sort()).toEqual(Array.from('héllo wörld').sort());
  });

  it('cuts by UTF-8 bytes without breaking characters', () => {
    expect(render('{{ trunc 3 "héllo" }}')).toBe('hé');
    expect(render('{{ trunc 2 "héllo" }}')).toBe('h');
    expect(render('{{ substr 1 3 "héllo" }}')).toBe('é');
  });

  it('fails as Sprig fails', () => {
    expect(() => render('{{ upper 3 }}')).toThrow('wrong type for value; expected string; got int');
    expect(() => render('{{ repeat -1 "x" }}')).toThrow('error calling repeat: strings: negative Repeat count');
    expect(() => render('{{ repeat 100000000 "xy" }}')).toThrow('strings: Repeat output length overflow');
    expect(() => render('{{ substr 5 2 "hello" }}')).toThrow('slice bounds out of range');
    expect(render('{{ abbrevboth 10 5 "hello world, long text" }}')).toBe('hello world, long text');
  });
});
