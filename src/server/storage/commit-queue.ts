/**
 * Group commit: writes that arrive in the same event-loop turn (or while a flush is pending)
 * are applied in one database transaction, so they share one fsync. Each caller's promise
 * settles after the commit that contains its ops.
 */
import type { PhysicalOp } from './physical.js';

/**
 * Applies batches, in order, in ONE atomic transaction; throws (having rolled back) on failure.
 * Synchronous, as better-sqlite3 is.
 */
export type CommitBatches = (batches: readonly (readonly PhysicalOp[])[]) => void;

export type CommitInfo = { readonly callers: number; readonly ops: number };

export type CommitQueue = {
  enqueue(ops: readonly PhysicalOp[]): Promise<void>;
  /** Resolves once everything enqueued so far has been committed or rejected. */
  drain(): Promise<void>;
};

type Waiter = { ops: readonly PhysicalOp[]; resolve: () => void; reject: (err: unknown) => void };

export type CommitQueueOptions = {
  /** Called after every successful commit. */
  onCommit?: ((info: CommitInfo) => void) | undefined;
  /**
   * Whether a failed group commit may be caused by one caller's ops (so retrying each caller on
   * its own helps). Say no for failures of the database itself (busy, disk full, I/O), where
   * retrying would only repeat the failure once per caller. Default: always retry.
   */
  retryAlone?: ((err: unknown) => boolean) | undefined;
};

export function createCommitQueue(commit: CommitBatches, options: CommitQueueOptions = {}): CommitQueue {
  const { onCommit, retryAlone = () => true } = options;
  let waiting: Waiter[] = [];
  let flushed: Promise<void> | null = null;

  const flush = (): void => {
    const group = waiting;
    waiting = [];
    const committed: Waiter[][] = [];
    try {
      commit(group.map((w) => w.ops));
      committed.push(group);
    } catch (err) {
      if (group.length === 1 || !retryAlone(err)) {
        for (const w of group) w.reject(err);
      } else {
        // Something in the group failed (or the commit as a whole did). Retry each caller on
        // its own, so one bad batch fails only its caller and everyone gets their own error.
        for (const w of group) {
          try {
            commit([w.ops]);
            committed.push([w]);
          } catch (own) {
            w.reject(own);
          }
        }
      }
    }
    for (const c of committed) for (const w of c) w.resolve();
    // After settling everyone, so a throwing hook can't strand a caller or trigger a retry.
    for (const c of committed) onCommit?.({ callers: c.length, ops: c.reduce((n, w) => n + w.ops.length, 0) });
  };

  return {
    enqueue(ops) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ ops, resolve, reject });
        // setImmediate runs after the current turn's I/O callbacks and microtasks, so every write
        // issued by requests handled in this turn joins the same commit.
        flushed ??= new Promise<void>((done) =>
          setImmediate(() => {
            flushed = null;
            try {
              flush();
            } finally {
              done();
            }
          }),
        );
      });
    },
    async drain() {
      while (flushed !== null) await flushed;
    },
  };
}
