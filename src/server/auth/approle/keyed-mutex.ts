/**
 * A per-key async mutex: callers for the same key run one at a time, in arrival order;
 * different keys never wait for each other; idle keys hold no memory. Serialises the
 * read-modify-write cycles of one mount on one node (a secret ID's use count, a role and
 * its role_id index).
 *
 * The same small class exists in engines/kv; engines and auth methods may not import from
 * each other, so it is repeated here rather than shared.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => gate);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a holder or waiters (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
