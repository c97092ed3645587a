import { describe, expect, it } from 'vitest';
import type { AuditSink } from './devices/sink.js';
import { AuditQueueError, WriteQueue } from './queue.js';

/** A sink whose writes complete when the test says so. */
function manualSink() {
  const writes: { lines: string[]; finish: (err?: Error) => void }[] = [];
  const sink: AuditSink = {
    description: 'manual',
    open: async () => undefined,
    write: (lines) =>
      new Promise<void>((resolve, reject) => {
        writes.push({ lines: lines.map((l) => l.toString()), finish: (err) => (err ? reject(err) : resolve()) });
      }),
    reopen: async () => undefined,
    close: async () => undefined,
  };
  return { sink, writes };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const limits = { maxEntries: 100, maxBytes: 1 << 20, timeoutMs: 1000, maxBatchBytes: 1 << 20 };

describe('write queue', () => {
  it('batches what arrives during a write into the next write, in order, and resolves only once written', async () => {
    const { sink, writes } = manualSink();
    const q = new WriteQueue(sink, limits);
    const settled: string[] = [];
    const push = (s: string) => q.push(Buffer.from(s)).then(() => settled.push(s));
    const first = push('a');
    await tick();
    const rest = ['b', 'c', 'd'].map(push);
    await tick();
    expect(writes.map((w) => w.lines)).toEqual([['a']]);
    expect(settled).toEqual([]);
    writes[0]?.finish();
    await first;
    await tick();
    expect(writes.map((w) => w.lines)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(settled).toEqual(['a']);
    writes[1]?.finish();
    await Promise.all(rest);
    expect(settled).toEqual(['a', 'b', 'c', 'd']);
    expect(q.queuedEntries).toBe(0);
  });

  it('splits batches at maxBatchBytes and fails a whole batch when its write fails', async () => {
    const { sink, writes } = manualSink();
    const q = new WriteQueue(sink, { ...limits, maxBatchBytes: 4 });
    const results = ['aa', 'bb', 'cc'].map((s) => q.push(Buffer.from(s)).then(() => 'ok', (e: Error) => e.message));
    await tick();
    expect(writes[0]?.lines).toEqual(['aa', 'bb']);
    writes[0]?.finish(new Error('EIO'));
    await tick();
    expect(writes[1]?.lines).toEqual(['cc']);
    writes[1]?.finish();
    expect(await Promise.all(results)).toEqual(['EIO', 'EIO', 'ok']);
  });

  it('drops entries that timed out while waiting: they are never written', async () => {
    const { sink, writes } = manualSink();
    const q = new WriteQueue(sink, { ...limits, timeoutMs: 30 });
    const first = q.push(Buffer.from('stuck')).catch((e: unknown) => e);
    await tick();
    const waiting = q.push(Buffer.from('waiting')).catch((e: unknown) => e);
    expect(await first).toBeInstanceOf(AuditQueueError);
    expect(await waiting).toBeInstanceOf(AuditQueueError);
    await expect(q.push(Buffer.from('refused'))).rejects.toThrow(/stalled/);
    writes[0]?.finish();
    await tick();
    expect(writes.map((w) => w.lines)).toEqual([['stuck']]);
    const after = q.push(Buffer.from('after'));
    await tick();
    writes[1]?.finish();
    await after;
    expect(writes.map((w) => w.lines)).toEqual([['stuck'], ['after']]);
  });

  it('counts in-flight bytes against the bound and refuses entries once closed', async () => {
    const { sink, writes } = manualSink();
    const q = new WriteQueue(sink, { ...limits, maxBytes: 10 });
    const a = q.push(Buffer.from('12345678'));
    await tick();
    await expect(q.push(Buffer.from('123'))).rejects.toThrow('audit device queue is full');
    writes[0]?.finish();
    await a;
    q.close();
    await expect(q.push(Buffer.from('x'))).rejects.toThrow('audit device is closed');
  });
});
