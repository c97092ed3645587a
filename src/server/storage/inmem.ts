/**
 * In-memory storage for dev mode and tests. Values are copied in and out, so no caller
 * ever holds a reference to stored bytes.
 */
import { childOf, compareKeys } from './keys.js';
import type { PhysicalOp, PhysicalStorage } from './physical.js';
import { checkKey, checkValue, closedError, copyBytes, copyOps } from './validate.js';

export function createInmemStorage(): PhysicalStorage {
  const entries = new Map<string, Uint8Array>();
  let closed = false;

  const open = (): void => {
    if (closed) throw closedError();
  };
  const apply = (ops: readonly PhysicalOp[]): void => {
    for (const op of ops) {
      if (op.op === 'put') entries.set(op.key, op.value);
      else entries.delete(op.key);
    }
  };

  // Methods are async so argument errors become rejections, as with the other backends.
  return {
    type: 'inmem',
    async get(key) {
      open();
      checkKey(key);
      const value = entries.get(key);
      return value === undefined ? null : copyBytes(value);
    },
    async put(key, value) {
      open();
      checkKey(key);
      checkValue(value);
      entries.set(key, copyBytes(value));
    },
    async delete(key) {
      open();
      checkKey(key);
      entries.delete(key);
    },
    async list(prefix) {
      open();
      checkKey(prefix, 'prefix');
      // A full scan: O(n) per list is fine for dev use and keeps writes O(1).
      const children = new Set<string>();
      for (const key of entries.keys()) {
        const child = childOf(prefix, key);
        if (child !== null) children.add(child);
      }
      return [...children].sort(compareKeys);
    },
    async transaction(ops) {
      open();
      // Validating (and copying) every op before applying any keeps the transaction all-or-nothing.
      apply(copyOps(ops));
    },
    async close() {
      closed = true;
      entries.clear();
    },
  };
}
