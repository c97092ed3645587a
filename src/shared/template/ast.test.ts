import { describe, expect, it } from 'vitest';
import { type ListNode, nodeString } from './ast.js';
import { parse } from './parser.js';

function roundTrip(input: string): string {
  const trees = parse(input, { name: 't', leftDelim: '{{', rightDelim: '}}', hasFunction: (f) => f === 'f' });
  return nodeString(trees.get('t')?.root as ListNode);
}

describe('nodeString (Go Node.String)', () => {
  it.each([
    'text {{.A.B}} {{$x := f 1 "s" `raw` \'c\' true nil .}}',
    '{{if $x := .A}}{{$x.B}}{{else}}{{(f .A).C}}{{end}}',
    '{{range $i, $e := .L}}{{$i}}{{break}}{{continue}}{{end}}',
    '{{with .W}}{{.}}{{end}}{{template "x" .}}{{template "y"}}',
    '{{$x := 1}}{{$x = 2}}{{f (f 1 | f) 0x1F 1e3}}',
  ])('prints %j back as parsed', (input) => {
    expect(roundTrip(input)).toBe(input);
  });
});
