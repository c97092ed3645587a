import { describe, expect, it } from 'vitest';
import { createCommitQueue } from './commit-queue.js';
import type { CommitInfo } from './commit-queue.js';
import type { PhysicalOp } from './physical.js';

const put = (key: string): PhysicalOp => ({ op: 'put', key, value: new Uint8Array([1]) });
const keysOf = (batches: readonly (readonly PhysicalOp[])[]): string[][] => batches.map((ops) => ops.map((op) => op.key));

describe('commit queue', () => {
  it('commits the batches of one turn together, in arrival order', async () => {
    const calls: string[][][] = [];
    const infos: CommitInfo[] = [];
    const queue = createCommitQueue((batches) => void calls.push(keysOf(batches)), { onCommit: (i) => infos.push(i) });
    await Promise.all([queue.enqueue([put('a')]), queue.enqueue([put('b'), put('c')]), queue.enqueue([put('d')])]);
    await queue.enqueue([put('e')]);
    expect(calls).toEqual([[['a'], ['b', 'c'], ['d']], [['e']]]);
    expect(infos).toEqual([
      { callers: 3, ops: 4 },
      { callers: 1, ops: 1 },
    ]);
  });

  it('retries each caller alone when the group fails, so only the bad batch is rejected', async () => {
    const calls: string[][][] = [];
    const queue = createCommitQueue((batches) => {
      calls.push(keysOf(batches));
      if (batches.some((ops) => ops.some((op) => op.key === 'bad'))) throw new Error('bad batch');
    });
    const results = await Promise.allSettled([queue.enqueue([put('a')]), queue.enqueue([put('x'), put('bad')]), queue.enqueue([put('b')])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([[['a'], ['x', 'bad'], ['b']], [['a']], [['x', 'bad']], [['b']]]);
  });

  it('rejects everyone at once when the failure is not about one batch', async () => {
    let calls = 0;
    const down = new Error('database is down');
    const queue = createCommitQueue(
      () => {
        calls += 1;
        throw down;
      },
      { retryAlone: (err) => err !== down },
    );
    const results = await Promise.allSettled([queue.enqueue([put('a')]), queue.enqueue([put('b')])]);
    expect(results).toEqual([
      { status: 'rejected', reason: down },
      { status: 'rejected', reason: down },
    ]);
    expect(calls).toBe(1);
  });

  it('drains: resolves once queued batches are settled', async () => {
    const committed: string[] = [];
    const queue = createCommitQueue((batches) => batches.forEach((ops) => ops.forEach((op) => committed.push(op.key))));
    void queue.enqueue([put('a')]);
    void queue.enqueue([put('b')]);
    await queue.drain();
    expect(committed).toEqual(['a', 'b']);
    await queue.drain(); // nothing pending
  });
});
