/**
 * Property: printing a random JSON-like document as HCL (with randomly chosen but valid
 * spellings: bare or quoted keys, "=" or ":", commas or newlines, comments, heredocs, arrays
 * of objects written as repeated blocks with or without labels) and parsing it back gives the
 * same value. Also: JSON.stringify then parseHclOrJson gives the same value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHclOrJson } from './json.js';
import { type HclObject, type HclValue, isHclObject } from './model.js';
import { parseHcl } from './parser.js';

/** A tiny deterministic PRNG so the spelling choices are part of the generated case. */
function chooser(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

const BARE = /^[A-Za-z_][A-Za-z0-9_\-.]*$/;

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const code = s.charCodeAt(i);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '$' && s[i + 1] === '{') out += '\\u0024'; // a literal "${" must not start an interpolation
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function printKey(key: string, pick: (n: number) => number): string {
  return BARE.test(key) && pick(2) === 0 ? key : quote(key);
}

function canHeredoc(s: string): boolean {
  return s.endsWith('\n') && !s.includes('\r') && s.split('\n').every((line) => line.trim() !== 'EOT');
}

function printValue(v: HclValue, pick: (n: number) => number, indent: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return canHeredoc(v) && pick(2) === 0 ? `<<EOT\n${v}EOT\n${indent}` : quote(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const inner = `${indent}  `;
    const sep = pick(2) === 0 ? ', ' : `,\n${inner}`;
    const trailing = pick(2) === 0 ? ',' : '';
    return `[${v.map((e) => printValue(e, pick, inner)).join(sep)}${trailing}]`;
  }
  return `{\n${printBody(v, pick, `${indent}  `)}\n${indent}}`;
}

function printBlocks(key: string, elements: HclObject[], pick: (n: number) => number, indent: string): string[] {
  return elements.map((element) => {
    // Peel single-key object layers off as labels, as far as the chooser likes.
    const labels: string[] = [];
    let body: HclObject = element;
    for (;;) {
      const keys = Object.keys(body);
      const only = keys.length === 1 ? (keys[0] as string) : undefined;
      const inner = only === undefined ? undefined : body[only];
      if (only === undefined || !isHclObject(inner) || pick(3) === 0) break;
      labels.push(only);
      body = inner;
    }
    const head = [printKey(key, pick), ...labels.map((l) => printKey(l, pick))].join(' ');
    const text = printBody(body, pick, `${indent}  `);
    return text === '' ? `${indent}${head} {}` : `${indent}${head} {\n${text}\n${indent}}`;
  });
}

function printBody(obj: HclObject, pick: (n: number) => number, indent: string): string {
  const items: string[] = [];
  for (const key of Object.keys(obj)) {
    const value = obj[key] as HclValue;
    if (Array.isArray(value) && value.length > 0 && value.every(isHclObject) && pick(2) === 0) {
      items.push(...printBlocks(key, value as HclObject[], pick, indent));
      continue;
    }
    const assign = pick(3) === 0 ? ': ' : ' = ';
    items.push(`${indent}${printKey(key, pick)}${assign}${printValue(value, pick, indent)}`);
  }
  let out = '';
  items.forEach((item, i) => {
    if (i > 0) out += [',\n', '\n', ' ', `\n${indent}# a comment\n`, ' /* c */ ', '\n// x\n\n'][pick(6)] as string;
    out += item;
  });
  return out;
}

const key = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_\-.]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'true', 'null', 'path', 'secret/*', '{{identity.entity.id}}') },
);

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', '\n', ' ', '"', '\\', '$', '{', '}', '\t', 'EOT'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('${var.x}', '${"q"}', 'x\n', '  indented\n', 'EOT\n', '\u0000', '\u2028') },
);

const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);

const { object: documentArb } = fc.letrec<{ value: HclValue; object: HclObject }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), tie('object'), fc.array(tie('object'), { minLength: 1, maxLength: 3 })),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
}));

describe('HCL round trip (property)', () => {
  it('parse(print(doc)) equals doc', () => {
    fc.assert(
      fc.property(documentArb, fc.integer(), (doc, seed) => {
        const printed = printBody(doc, chooser(seed), '');
        expect(parseHcl(printed)).toEqual(doc);
      }),
      { numRuns: 500 },
    );
  });

  it('parseHclOrJson(JSON.stringify(doc)) equals doc', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        expect(parseHclOrJson(JSON.stringify(doc))).toEqual(doc);
        expect(parseHclOrJson(JSON.stringify(doc, null, 2))).toEqual(doc);
      }),
      { numRuns: 300 },
    );
  });

  it('the printer really produces the spellings it claims (sanity check)', () => {
    const doc: HclObject = { listener: [{ tcp: { address: 'a' } }], s: 'line\n' };
    const seen = new Set<string>();
    for (let seed = 1; seed < 200; seed++) seen.add(printBody(doc, chooser(seed), ''));
    const all = [...seen].join('\n----\n');
    expect(all).toContain('listener "tcp" {');
    expect(all).toContain('listener {');
    expect(all).toContain('listener = [');
    expect(all).toContain('<<EOT');
    for (const printed of seen) expect(parseHcl(printed)).toEqual(doc);
  });

  it('never crashes on random input: it parses or throws a UserError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '=', '"', '{', '}', '[', ']', ',', '\n', ' ', '1', '#', '/', '*', '<', '-', 'E', '\\', '$', ':'), maxLength: 40 }), (input) => {
        try {
          parseHclOrJson(input);
        } catch (err) {
          expect((err as Error).name).toBe('HclSyntaxError');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
