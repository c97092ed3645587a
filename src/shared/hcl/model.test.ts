import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseHclOrJson } from './json.js';
import { type HclObject, attr, block, blocks, formatPosition, isHclObject, positionOf } from './model.js';
import { parseHcl } from './parser.js';

const strip = (bs: ReturnType<typeof blocks>) => bs.map(({ type, labels, body }) => ({ type, labels, body }));

describe('attr', () => {
  it('returns own properties only', () => {
    const doc = parseHcl('a = 1\nb = "x"');
    expect(attr(doc, 'a')).toBe(1);
    expect(attr(doc, 'b')).toBe('x');
    expect(attr(doc, 'missing')).toBeUndefined();
    expect(attr(doc, 'constructor')).toBeUndefined();
    expect(attr(doc, 'toString')).toBeUndefined();
    expect(attr(doc, '__proto__')).toBeUndefined();
  });
});

describe('blocks', () => {
  it('reads labelled blocks from HCL', () => {
    const doc = parseHcl('listener "tcp" { address = "a" }\nlistener "unix" { address = "/s" }');
    expect(strip(blocks(doc, 'listener'))).toEqual([
      { type: 'listener', labels: ['tcp'], body: { address: 'a' } },
      { type: 'listener', labels: ['unix'], body: { address: '/s' } },
    ]);
  });

  it('reads blocks without labels and with two labels', () => {
    const doc = parseHcl('telemetry { a = 1 }\nresource "t" "n" { b = 2 }');
    expect(strip(blocks(doc, 'telemetry', 0))).toEqual([{ type: 'telemetry', labels: [], body: { a: 1 } }]);
    expect(strip(blocks(doc, 'resource', 2))).toEqual([{ type: 'resource', labels: ['t', 'n'], body: { b: 2 } }]);
  });

  it('returns [] when absent', () => {
    expect(blocks({}, 'listener')).toEqual([]);
  });

  it('accepts every JSON spelling with the same result', () => {
    const expected = [
      { type: 'listener', labels: ['tcp'], body: { address: 'a' } },
      { type: 'listener', labels: ['tcp'], body: { address: 'b' } },
    ];
    const spellings: HclObject[] = [
      { listener: [{ tcp: { address: 'a' } }, { tcp: { address: 'b' } }] },
      { listener: { tcp: [{ address: 'a' }, { address: 'b' }] } },
      { listener: [{ tcp: [{ address: 'a' }] }, { tcp: { address: 'b' } }] },
    ];
    for (const doc of spellings) expect(strip(blocks(doc, 'listener'))).toEqual(expected);
  });

  it('reads several labels from one JSON object (policy paths) in order', () => {
    const doc = parseHclOrJson('{"path": {"secret/*": {"capabilities": ["read"]}, "sys/*": {"capabilities": ["deny"]}}}');
    expect(strip(blocks(doc, 'path'))).toEqual([
      { type: 'path', labels: ['secret/*'], body: { capabilities: ['read'] } },
      { type: 'path', labels: ['sys/*'], body: { capabilities: ['deny'] } },
    ]);
  });

  it('reads "key = { ... }" attributes as blocks too (HCL1 treats them alike)', () => {
    const doc = parseHcl('telemetry = { a = 1 }\nstorage = { sqlite = { path = "x" } }');
    expect(strip(blocks(doc, 'telemetry', 0))).toEqual([{ type: 'telemetry', labels: [], body: { a: 1 } }]);
    expect(strip(blocks(doc, 'storage'))).toEqual([{ type: 'storage', labels: ['sqlite'], body: { path: 'x' } }]);
  });

  it('reports where each HCL block starts', () => {
    const doc = parseHcl('\n\n  listener "tcp" {\n  }\nlistener "tcp" {}');
    expect(blocks(doc, 'listener').map((b) => formatPosition(b.position))).toEqual(['3:3', '5:1']);
  });

  it('throws a UserError naming the type when the shape is wrong', () => {
    expect(() => blocks(parseHcl('listener = "tcp"'), 'listener')).toThrow(UserError);
    expect(() => blocks(parseHcl('listener = "tcp"'), 'listener')).toThrow(
      'invalid "listener" at 1:1: expected a block with 1 label, like listener "<label>" { ... }',
    );
    // A label missing: the attribute inside is taken for a label and its value is not a body.
    expect(() => blocks(parseHcl('listener { address = "x" }'), 'listener')).toThrow(/invalid "listener" at 1:1/);
    expect(() => blocks(parseHcl('telemetry = [1]'), 'telemetry', 0)).toThrow(/expected a block without labels/);
    expect(() => blocks({ listener: { tcp: 'x' } }, 'listener')).toThrow(/^invalid "listener": expected a block with 1 label/);
  });

  it('never reads inherited properties', () => {
    expect(blocks({}, 'constructor')).toEqual([]);
  });
});

describe('block', () => {
  it('returns the single block or undefined', () => {
    expect(block(parseHcl('a = 1'), 'storage')).toBeUndefined();
    expect(block(parseHcl('storage "inmem" {}'), 'storage')).toMatchObject({ labels: ['inmem'], body: {} });
  });

  it('rejects a repeated block, pointing at the second one', () => {
    expect(() => block(parseHcl('storage "inmem" {}\nstorage "sqlite" {}'), 'storage')).toThrow(
      'only one "storage" block is permitted (another one at 2:1)',
    );
    expect(() => block({ storage: { a: {}, b: {} } }, 'storage')).toThrow(/^only one "storage" block is permitted$/);
  });
});

describe('positionOf', () => {
  it('records positions of keys, objects and lists', () => {
    const doc = parseHcl('a = 1\n  b = { c = [1] }\nd "e" {}');
    expect(positionOf(doc, 'a')).toMatchObject({ line: 1, column: 1 });
    expect(positionOf(doc, 'b')).toMatchObject({ line: 2, column: 3 });
    const b = doc.b as HclObject;
    expect(positionOf(b)).toMatchObject({ line: 2, column: 7 });
    expect(positionOf(b, 'c')).toMatchObject({ line: 2, column: 9 });
    expect(positionOf(b.c as object)).toMatchObject({ line: 2, column: 13 });
    expect(positionOf(doc, 'd')).toMatchObject({ line: 3, column: 1 });
    const wrapper = (doc.d as HclObject[])[0] as HclObject;
    expect(positionOf(wrapper, 'e')).toMatchObject({ line: 3, column: 3 });
    expect(positionOf(wrapper.e as object)).toMatchObject({ line: 3, column: 1 });
    expect(positionOf(doc, 'missing')).toBeUndefined();
  });

  it('records the winning key with duplicateAttributes: last-wins', () => {
    const doc = parseHcl('a = 1\na = 2', { duplicateAttributes: 'last-wins' });
    expect(formatPosition(positionOf(doc, 'a'))).toBe('2:1');
  });

  it('has no positions for JSON', () => {
    const doc = parseHclOrJson('{"a": {"b": 1}}');
    expect(positionOf(doc, 'a')).toBeUndefined();
    expect(formatPosition(undefined)).toBeUndefined();
  });
});

describe('isHclObject', () => {
  it('is true for objects only', () => {
    expect(isHclObject({})).toBe(true);
    expect(isHclObject([])).toBe(false);
    expect(isHclObject(null)).toBe(false);
    expect(isHclObject('x')).toBe(false);
  });
});
