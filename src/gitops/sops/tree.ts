/**
 * The SOPS document tree, modelled on sops's `TreeBranch`/`TreeItem`: an ordered list of
 * key/value items (order is part of the MAC), lists, scalar leaves and comments. Leaf types
 * carry sops's value types: `string` (str), `bigint` (int), `number` (float), `boolean` (bool)
 * and `Comment` (comment); `null` is never encrypted and never enters the MAC.
 */

/** A YAML comment line (without the leading `#`), kept as a tree element like sops does. */
export class Comment {
  constructor(readonly value: string) {}
}

export type Scalar = string | bigint | number | boolean | null;

export interface TreeItem {
  readonly key: string | Comment;
  readonly value: TreeValue;
}

/** An ordered mapping. */
export class Branch {
  constructor(readonly items: readonly TreeItem[] = []) {}

  get(key: string): TreeValue | undefined {
    return this.items.find((i) => i.key === key)?.value;
  }

  has(key: string): boolean {
    return this.items.some((i) => i.key === key);
  }

  without(key: string): Branch {
    return new Branch(this.items.filter((i) => i.key !== key));
  }

  with(key: string, value: TreeValue): Branch {
    return new Branch([...this.items, { key, value }]);
  }
}

export type TreeValue = Scalar | Comment | Branch | readonly TreeValue[];

/** A document: one branch per YAML document (JSON files have exactly one). */
export type TreeBranches = readonly Branch[];

export function isBranch(v: unknown): v is Branch {
  return v instanceof Branch;
}

/** A plain-JS view of a value (comments dropped, ints as numbers when safe) for callers and tests. */
export function toPlain(v: TreeValue): unknown {
  if (v instanceof Branch) {
    const out: Record<string, unknown> = {};
    for (const item of v.items) if (typeof item.key === 'string') out[item.key] = toPlain(item.value);
    return out;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map((x: TreeValue) => toPlain(x));
  if (v instanceof Comment) return undefined;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

/** Builds a branch from a plain object (key order kept; integers become sops ints only when `intsAsBigInt`). */
export function fromPlain(v: unknown, intsAsBigInt = false): TreeValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => fromPlain(x, intsAsBigInt));
  if (typeof v === 'object' && !(v instanceof Comment) && !(v instanceof Branch)) {
    return new Branch(Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: fromPlain(value, intsAsBigInt) })));
  }
  if (typeof v === 'number' && intsAsBigInt && Number.isInteger(v)) return BigInt(v);
  if (v instanceof Branch || v instanceof Comment) return v;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  return String(v);
}
