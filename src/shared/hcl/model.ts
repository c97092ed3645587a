/**
 * The value model `parseHcl` and `parseHclOrJson` return, and the schema-aware helpers
 * (`attr`, `blocks`, `block`) that read it.
 *
 * ## Shape
 *
 * The result is plain JSON-like data, shaped like HCL's JSON representation:
 *
 * - An attribute `key = value` becomes the property `key: value`. Object values
 *   (`{ a = 1, b = "x" }` or `{ "a": 1 }`) become objects, lists become arrays.
 * - A block is always appended to an array under its type, whatever its number of labels;
 *   each label wraps the body in one more single-key object:
 *
 *   ```hcl
 *   ui = true
 *   listener "tcp" { address = "127.0.0.1:8200" }
 *   listener "tcp" { address = "10.0.0.1:8200" }
 *   storage "sqlite" {}
 *   telemetry { disable_hostname = true }
 *   path "secret/*" { capabilities = ["read"] }
 *   a "b" "c" { d = 1 }
 *   ```
 *   becomes
 *   ```js
 *   {
 *     ui: true,
 *     listener: [{ tcp: { address: '127.0.0.1:8200' } }, { tcp: { address: '10.0.0.1:8200' } }],
 *     storage: [{ sqlite: {} }],
 *     telemetry: [{ disable_hostname: true }],
 *     path: [{ 'secret/*': { capabilities: ['read'] } }],
 *     a: [{ b: { c: { d: 1 } } }],
 *   }
 *   ```
 *
 * Without a schema, HCL's JSON form cannot tell a block from an object-valued attribute
 * (`"storage": {"sqlite": {}}` may be either), and JSON writers use both
 * `"listener": {"tcp": {...}}` and `"listener": [{"tcp": {...}}]`. So JSON documents are
 * returned as written, and readers go through the helpers, which take the schema (the
 * number of labels) and accept every spelling:
 *
 * ```ts
 * blocks(doc, 'listener')      // [{ type: 'listener', labels: ['tcp'], body: { address: ... } }, ...]
 * blocks(doc, 'telemetry', 0)  // [{ type: 'telemetry', labels: [], body: { disable_hostname: true } }]
 * block(doc, 'storage')        // the one `storage` block, undefined if absent, an error if repeated
 * attr(doc, 'ui')              // true
 * ```
 *
 * Positions (1-based line and column) of HCL input are kept in a side table, not in the
 * data: `positionOf(body)` for a block body, object or list, `positionOf(obj, key)` for the
 * key of an attribute or block. JSON input has no positions.
 */
import { UserError } from '../errors.js';

export type HclValue = string | number | boolean | null | HclValue[] | HclObject;

export interface HclObject {
  [key: string]: HclValue;
}

/** A place in the source text: `line` and `column` are 1-based, `offset` is 0-based (UTF-16 units). */
export interface HclPosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A block as the helpers return it, whichever way the document spelled it. */
export interface HclBlock {
  readonly type: string;
  readonly labels: string[];
  readonly body: HclObject;
  /** Where the block starts (its type keyword) when the document was HCL. */
  readonly position?: HclPosition;
}

const valuePositions = new WeakMap<object, HclPosition>();
const keyPositions = new WeakMap<object, Map<string, HclPosition>>();

/** @internal Records where an object, list or block body starts. Used by the parser. */
export function recordValuePosition(value: object, position: HclPosition): void {
  valuePositions.set(value, position);
}

/** @internal Records where a key of an object was written. Used by the parser. */
export function recordKeyPosition(obj: object, key: string, position: HclPosition): void {
  let map = keyPositions.get(obj);
  if (map === undefined) {
    map = new Map();
    keyPositions.set(obj, map);
  }
  map.set(key, position);
}

/**
 * Where a parsed object, list or block body starts, or with `key`, where that key of `value`
 * was written. `undefined` for JSON input or values built in code.
 */
export function positionOf(value: object, key?: string): HclPosition | undefined {
  if (key === undefined) return valuePositions.get(value);
  return keyPositions.get(value)?.get(key);
}

/** `"3:14"`, or `undefined` when there is no position. */
export function formatPosition(position: HclPosition | undefined): string | undefined {
  return position === undefined ? undefined : `${position.line}:${position.column}`;
}

export function isHclObject(value: unknown): value is HclObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property (also for keys such as `__proto__`, which plain assignment would not). */
export function setProperty(obj: HclObject, key: string, value: HclValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value of attribute `name` (an own property only: `constructor` is not an attribute). */
export function attr(obj: HclObject, name: string): HclValue | undefined {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

function where(obj: object, key: string): string {
  const pos = formatPosition(positionOf(obj, key));
  return pos === undefined ? '' : ` at ${pos}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Every block of `type` in `obj`, in document order, each with exactly `labelCount` labels
 * (`listener "tcp" {}` has 1, `telemetry {}` has 0). Accepts the HCL shape and every JSON
 * spelling (an object or an array of objects at each level). Throws a `UserError` naming the
 * block type when the value does not have that shape (an attribute of the same name, or a
 * block with the wrong number of labels).
 */
export function blocks(obj: HclObject, type: string, labelCount = 1): HclBlock[] {
  const value = attr(obj, type);
  if (value === undefined) return [];
  const out: HclBlock[] = [];
  const fail = (): never => {
    const form = `${type}${' "<label>"'.repeat(labelCount)} { ... }`;
    throw new UserError(
      `invalid "${type}"${where(obj, type)}: expected ${labelCount === 0 ? 'a block without labels' : `a block with ${plural(labelCount, 'label')}`}, like ${form}`,
    );
  };
  const collect = (v: HclValue, labels: string[]): void => {
    if (Array.isArray(v)) {
      // Arrays appear at the top (repeated blocks) or, in JSON, at any label level.
      for (const element of v) {
        if (!isHclObject(element)) fail();
        collect(element, labels);
      }
      return;
    }
    if (!isHclObject(v)) return fail();
    if (labels.length === labelCount) {
      const position = positionOf(v);
      out.push(position === undefined ? { type, labels, body: v } : { type, labels, body: v, position });
      return;
    }
    for (const key of Object.keys(v)) {
      collect(v[key] as HclValue, [...labels, key]);
    }
  };
  collect(value, []);
  return out;
}

/**
 * The single block of `type`, or `undefined` when there is none. Throws a `UserError`
 * (`only one "storage" block is permitted`) when there are several.
 */
export function block(obj: HclObject, type: string, labelCount = 1): HclBlock | undefined {
  const all = blocks(obj, type, labelCount);
  if (all.length > 1) {
    const second = formatPosition(all[1]?.position);
    throw new UserError(`only one "${type}" block is permitted${second === undefined ? '' : ` (another one at ${second})`}`);
  }
  return all[0];
}
