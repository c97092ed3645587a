/** Sprig list, dict and default functions, with the examples of Sprig's documentation. */
import { describe, expect, it } from 'vitest';
import { parseTemplate, sprigFuncs } from './index.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: sprigFuncs }).execute(data);
}

describe('sprig lists', () => {
  it.each<[string, string]>([
    ['{{ list 1 2 3 4 5 }}', '[1 2 3 4 5]'],
    ['{{ tuple 1 "a" }}', '[1 a]'],
    ['{{ first (list 1 2 3) }}', '1'],
    ['{{ first (list) }}', '<no value>'],
    ['{{ last (list 1 2 3) }}', '3'],
    ['{{ rest (list 1 2 3) }}', '[2 3]'],
    ['{{ rest (list) }}', '[]'],
    ['{{ initial (list 1 2 3) }}', '[1 2]'],
    ['{{ append (list 1 2 3) 4 }}', '[1 2 3 4]'],
    ['{{ push (list 1 2 3) 4 }}', '[1 2 3 4]'],
    ['{{ prepend (list 1 2 3) 0 }}', '[0 1 2 3]'],
    ['{{ concat (list 1 2 3) (list 4 5) (list 6) }}', '[1 2 3 4 5 6]'],
    ['{{ reverse (list 1 2 3) }}', '[3 2 1]'],
    ['{{ uniq (list 1 1 1 2 "a" "a") }}', '[1 2 a]'],
    ['{{ uniq (list (list 1) (list 1)) }}', '[[1]]'],
    ['{{ without (list 1 2 3 4) 1 3 }}', '[2 4]'],
    ['{{ has 4 (list 1 2 3 4) }}', 'true'],
    ['{{ has "x" (list 1 2) }}', 'false'],
    ['{{ has 1 nil }}', 'false'],
    ['{{ compact (list 1 "a" "foo" "" 0 false nil (list) (dict)) }}', '[1 a foo]'],
    ['{{ mustFirst (list 1) }} {{ mustLast (list 1 2) }} {{ mustRest (list 1 2) }} {{ mustInitial (list 1 2) }}', '1 2 [2] [1]'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it('refuses what is not a list', () => {
    expect(() => render('{{ first "abc" }}')).toThrow('error calling first: Cannot find first on type string');
    expect(() => render('{{ append 1 2 }}')).toThrow('error calling append: Cannot push on type int');
    expect(() => render('{{ concat (list 1) "x" }}')).toThrow('Cannot concat type string as list');
  });
});

describe('sprig dicts', () => {
  it.each<[string, string]>([
    ['{{ dict "name1" "value1" "name2" "value2" }}', 'map[name1:value1 name2:value2]'],
    ['{{ dict "odd" }}', 'map[odd:]'],
    ['{{ dict 1 "a" }}', 'map[1:a]'],
    ['{{ get (dict "a" 1) "a" }} [{{ get (dict "a" 1) "b" }}]', '1 []'],
    ['{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}', 'map[a:1 b:2]'],
    ['{{ $d := dict "a" 1 "b" 2 }}{{ $_ := unset $d "a" }}{{ $d }}', 'map[b:2]'],
    ['{{ hasKey (dict "a" 1) "a" }} {{ hasKey (dict "a" 1) "b" }}', 'true false'],
    ['{{ pluck "name1" (dict "name1" "value1") (dict "name2" "x") (dict "name1" "value2") }}', '[value1 value2]'],
    ['{{ keys (dict "b" 1 "a" 2) (dict "c" 3) }}', '[a b c]'],
    ['{{ values (dict "b" 1 "a" 2) }}', '[2 1]'],
    ['{{ pick (dict "a" 1 "b" 2 "c" 3) "a" "c" "z" }}', 'map[a:1 c:3]'],
    ['{{ omit (dict "a" 1 "b" 2 "c" 3) "a" "c" }}', 'map[b:2]'],
    ['{{ dig "user" "role" "humanName" "guest" (dict "user" (dict "role" (dict "humanName" "curator"))) }}', 'curator'],
    ['{{ dig "user" "missing" "guest" (dict "user" (dict "role" 1)) }}', 'guest'],
    [
      '{{ merge (dict "default" "default" "overwrite" "me" "key" true "n" (dict "a" 1)) (dict "overwrite" "overwritten" "key" false "new" 1 "n" (dict "b" 2)) }}',
      'map[default:default key:true n:map[a:1 b:2] new:1 overwrite:me]',
    ],
    [
      '{{ mergeOverwrite (dict "default" "default" "overwrite" "me" "key" true) (dict "overwrite" "overwritten" "key" false) }}',
      'map[default:default key:false overwrite:overwritten]',
    ],
    ['{{ merge (dict "a" "" "b" 0) (dict "a" "x" "b" 5) }}', 'map[a:x b:5]'],
    ['{{ $d := dict }}{{ $_ := set $d "__proto__" "x" }}{{ $d }} {{ index $d "__proto__" }}', 'map[__proto__:x] x'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it('changes the caller’s map in place with set, as Sprig does, without touching prototypes', () => {
    const data = { m: { a: 1 } as Record<string, unknown> };
    render('{{ $_ := set .m "b" 2 }}{{ $_ := set .m "__proto__" 3 }}', data);
    expect(data.m['b']).toBe(2);
    expect(Object.getPrototypeOf(data.m)).toBe(Object.prototype);
    expect(Object.hasOwn(data.m, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['b']).toBeUndefined();
  });

  it('refuses what is not a dict', () => {
    expect(() => render('{{ get "x" "a" }}')).toThrow('wrong type for value; expected map[string]interface {}; got string');
    expect(() => render('{{ dig "a" (dict) }}')).toThrow('wrong number of args for dig: want at least 3 got 2');
  });
});

describe('sprig defaults and reflection', () => {
  it.each<[string, unknown, string]>([
    ['{{ default "foo" .Bar }}', {}, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: '' }, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: 'bar' }, 'bar'],
    ['{{ .Bar | default "foo" }}', { Bar: 0 }, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: false }, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: [] }, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: {} }, 'foo'],
    ['{{ .Bar | default "foo" }}', { Bar: 1.5 }, '1.5'],
    ['{{ empty "" }} {{ empty 0 }} {{ empty nil }} {{ empty (list) }} {{ empty "a" }} {{ empty now }}', null, 'true true true true false false'],
    ['{{ coalesce 0 1 2 }}', null, '1'],
    ['{{ coalesce .name .parent.name "Matt" }}', { name: '', parent: {} }, 'Matt'],
    ['{{ coalesce "" 0 }}', null, '<no value>'],
    ['{{ all "a" 1 true }} {{ all "a" 0 }} {{ any "" 0 "x" }} {{ any "" }}', null, 'true false true false'],
    ['{{ ternary "foo" "bar" true }} {{ true | ternary "foo" "bar" }} {{ false | ternary "foo" "bar" }}', null, 'foo foo bar'],
    ['{{ typeOf 1 }} {{ typeOf "a" }} {{ typeOf (list) }} {{ typeOf (dict) }} {{ typeOf 1.5 }}', null, 'int string []interface {} map[string]interface {} float64'],
    ['{{ kindOf 1 }} {{ kindOf "a" }} {{ kindOf (list) }} {{ kindOf (dict) }} {{ kindIs "int" 3 }} {{ typeIs "string" "x" }}', null, 'int string slice map true true'],
    ['{{ deepEqual (list 1 (dict "a" 2)) (list 1 (dict "a" 2)) }} {{ deepEqual (list 1) (list 2) }}', null, 'true false'],
  ])('%s', (source, data, want) => {
    expect(render(source, data)).toBe(want);
  });

  it('requires a boolean for ternary', () => {
    expect(() => render('{{ ternary "a" "b" "yes" }}')).toThrow('wrong type for value; expected bool; got string');
  });
});
