/**
 * JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it: map keys sorted, struct fields
 * in declaration order (mark such objects with `ordered()`), and `<`, `>`, `&` escaped.
 */

const ORDERED: unique symbol = Symbol('coffer.ordered');

/** Marks an object whose key order is meaningful (a Go struct); other objects are sorted like Go maps. */
export function ordered<T extends object>(obj: T): T {
  Object.defineProperty(obj, ORDERED, { value: true, enumerable: false });
  return obj;
}

function isOrdered(obj: object): boolean {
  return (obj as { [ORDERED]?: boolean })[ORDERED] === true;
}

/** A copy with Go's key order: sorted maps, kept struct order (`sortAll` sorts even structs, as YAML does). */
export function goOrder(value: unknown, sortAll = false): unknown {
  if (Array.isArray(value)) return value.map((v) => goOrder(v, sortAll));
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (sortAll || !isOrdered(obj)) keys.sort();
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      if (obj[k] !== undefined) out[k] = goOrder(obj[k], sortAll);
    }
    return out;
  }
  return value;
}

export function renderJson(value: unknown): string {
  const text = JSON.stringify(goOrder(value), null, 2) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
