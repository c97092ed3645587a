/**
 * Test helper (excluded from the build like every `testing.ts`): a Map-backed `PhysicalStorage`
 * with the real contract — values copied in and out, `list` returning sorted direct children with
 * folders ending in `/`, transactions applied in order. Stands in for the storage module's `inmem`.
 */
import type { PhysicalOp, PhysicalStorage } from '../storage/physical.js';

export class MemoryPhysical implements PhysicalStorage {
  readonly type = 'inmem';
  readonly entries = new Map<string, Uint8Array>();
  /** When set, `get` waits for it first (to interleave other calls with a read). */
  gate: Promise<void> | null = null;
  /** Number of `put` calls (transactions not included). */
  puts = 0;

  async get(key: string): Promise<Uint8Array | null> {
    if (this.gate !== null) await this.gate;
    const value = this.entries.get(key);
    return value === undefined ? null : new Uint8Array(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.puts += 1;
    this.entries.set(key, new Uint8Array(value));
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async transaction(ops: readonly PhysicalOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'put') this.entries.set(op.key, new Uint8Array(op.value));
      else this.entries.delete(op.key);
    }
  }

  async close(): Promise<void> {}
}
