/**
 * How JavaScript values play Go's values inside templates.
 *
 * - `undefined` is Go's "no value" (a missing map key); `null` is nil. Both are falsy and both
 *   print as `<no value>` at the top level (as a nil `interface{}` does in Go).
 * - Numbers are ints when they are safe integers, float64 otherwise; bigints are ints.
 * - Arrays are `[]interface {}`, `Uint8Array`s are `[]byte`, `Date`s are `time.Time`.
 * - Every other object is a `map[string]interface {}`: its own enumerable keys are the map.
 *   Reads use `Object.hasOwn`, so prototype properties are never reachable from a template.
 *
 * An object may carry `GO_STRING` (a `String()` method, as Go's fmt.Stringer) and `GO_TYPE`
 * (the type name `%T` and errors show).
 */

export const GO_STRING: unique symbol = Symbol('go.String');
export const GO_TYPE: unique symbol = Symbol('go.Type');

export type GoMap = Record<string, unknown>;

export type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'bytes' | 'map' | 'time' | 'func';

export function isGoInt(v: number): boolean {
  return Number.isSafeInteger(v);
}

export function isMap(v: unknown): v is GoMap {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array)
  );
}

export function kindOf(v: unknown): Kind {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return isGoInt(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    default:
      break;
  }
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'time';
  return 'map';
}

/** Go's type name for a value (`%T`, and errors such as "can't evaluate field X in type int"). */
export function goTypeName(v: unknown): string {
  if (isMap(v)) {
    const name = (v as { [GO_TYPE]?: unknown })[GO_TYPE];
    if (typeof name === 'string') return name;
  }
  if (v instanceof Error) return '*errors.errorString';
  switch (kindOf(v)) {
    case 'invalid':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'bytes':
      return '[]uint8';
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'map':
      return 'map[string]interface {}';
  }
}

/** Go's reflect.Kind name (Sprig's `kindOf`, and "Cannot push on type ..." messages). */
export function goKindName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
      return 'invalid';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
    case 'bytes':
      return 'slice';
    case 'time':
      return 'struct';
    case 'func':
      return 'func';
    case 'map':
      return 'map';
  }
}

/** Own keys with a defined value. */
export function mapKeys(m: GoMap): string[] {
  return Object.keys(m).filter((k) => m[k] !== undefined);
}

export function mapGet(m: GoMap, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

export function mapHas(m: GoMap, key: string): boolean {
  return Object.hasOwn(m, key) && m[key] !== undefined;
}

/** Writes a key without ever touching a prototype (`__proto__` is just a key). */
export function mapSet(m: GoMap, key: string, value: unknown): void {
  Object.defineProperty(m, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A fresh map with no prototype, so any string is a safe key. */
export function newMap(): GoMap {
  return Object.create(null) as GoMap;
}

/** Go's string ordering (bytewise UTF-8, which is code-point order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  }
  return a.length - b.length;
}

/** A map's keys in Go's printing and ranging order. */
export function sortedKeys(m: GoMap): string[] {
  return mapKeys(m).sort(compareGoStrings);
}

/** Go's truth: false, 0, "", nil and empty collections are false. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'bytes':
      return (v as Uint8Array).length > 0;
    case 'map':
      return mapKeys(v as GoMap).length > 0;
    case 'time':
    case 'func':
      return true;
  }
}

/**
 * The zero value a missing key of this map has in Go (`missingkey=zero`, `index`). JavaScript
 * maps carry no element type, so it is inferred: when every value is a string (or every one a
 * number, or a bool) the map behaves as `map[string]string` (`int`, `bool`); otherwise as
 * `map[string]interface{}`, whose zero value is nil.
 */
export function zeroValueOf(m: GoMap): unknown {
  let kind: Kind | undefined;
  for (const key of Object.keys(m)) {
    const value = m[key];
    if (value === undefined) continue;
    let k = kindOf(value);
    if (k === 'float') k = 'int';
    if (kind === undefined) kind = k;
    else if (kind !== k) return null;
  }
  switch (kind) {
    case 'string':
      return '';
    case 'int':
      return 0;
    case 'bool':
      return false;
    default:
      return null;
  }
}

/** Go's len(s) for a string: its UTF-8 byte count. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * s[start:end] on UTF-8 bytes, moved inward to character boundaries: the result never splits
 * a character and never has more bytes than asked for (Go would cut through a character).
 */
export function sliceUtf8(s: string, start: number, end?: number): string {
  if (isAscii(s)) return s.slice(start, end);
  const bytes = Buffer.from(s, 'utf8');
  let from = Math.max(0, Math.min(start, bytes.length));
  let to = end === undefined ? bytes.length : Math.max(from, Math.min(end, bytes.length));
  while (from < bytes.length && ((bytes[from] as number) & 0xc0) === 0x80) from++;
  while (to < bytes.length && to > from && ((bytes[to] as number) & 0xc0) === 0x80) to--;
  if (to < from) to = from;
  return bytes.subarray(from, to).toString('utf8');
}
