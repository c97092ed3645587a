/**
 * A storage view confined to one prefix of the barrier: each mount sees only
 * `logical/<uuid>/…`, so no engine can read another's data.
 */
import { UserError } from '../../shared/errors.js';
import type { Storage, StorageOp } from '../sdk/index.js';

/** What a view needs from the barrier (encrypting storage). */
export type BarrierStorage = Storage;

export function createStorageView(barrier: BarrierStorage, prefix: string): Storage {
  const full = (key: string): string => {
    if (key.startsWith('/') || key.split('/').includes('..')) throw new UserError(`invalid storage key`);
    return prefix + key;
  };
  return {
    get: (key) => barrier.get(full(key)),
    put: (key, value) => barrier.put(full(key), value),
    delete: (key) => barrier.delete(full(key)),
    list: (p) => barrier.list(full(p)),
    transaction: (ops: readonly StorageOp[]) =>
      barrier.transaction(ops.map((op) => (op.op === 'put' ? { ...op, key: full(op.key) } : { ...op, key: full(op.key) }))),
  };
}

/** Deletes every key below `prefix` (used when a mount is disabled). */
export async function clearPrefix(barrier: BarrierStorage, prefix: string): Promise<void> {
  const keys: string[] = [];
  const walk = async (p: string): Promise<void> => {
    for (const entry of await barrier.list(p)) {
      if (entry.endsWith('/')) await walk(p + entry);
      else keys.push(p + entry);
    }
  };
  await walk(prefix);
  for (let i = 0; i < keys.length; i += 500) {
    await barrier.transaction(keys.slice(i, i + 500).map((key) => ({ op: 'delete' as const, key })));
  }
}
