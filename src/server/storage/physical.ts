/**
 * The physical storage contract. Values are opaque bytes (the barrier encrypts above
 * this layer, so nothing here ever holds plaintext). Keys are `/`-separated paths.
 */
export type PhysicalOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

export interface PhysicalStorage {
  /** A short name for seal-status `storage_type` and logs: `inmem`, `sqlite`, … */
  readonly type: string;
  get(key: string): Promise<Uint8Array | null>;
  /** Resolves only once the write is durable (for durable implementations). */
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Direct children of `prefix` (which is empty or ends in `/`): leaf names and folder
   * names ending in `/`, sorted, each once.
   */
  list(prefix: string): Promise<string[]>;
  /** Applies every op atomically, in order; durable before it resolves. */
  transaction(ops: readonly PhysicalOp[]): Promise<void>;
  /** Releases files and connections. Further calls fail. */
  close(): Promise<void>;
}
