/**
 * One device's write queue: audit writes must not serialise the server.
 *
 * - Ordered: entries are written in the order `push` was called (the broker formats and
 *   pushes synchronously, so call order is log order).
 * - Buffered: everything pushed while a write is in flight goes out in the next write,
 *   as one batch (one `write(2)` for a file).
 * - Bounded: at most `maxEntries` entries / `maxBytes` bytes may wait or be in flight;
 *   beyond that `push` fails at once, so a stalled device cannot grow memory.
 * - Timed: an entry not written within `timeoutMs` fails (its request fails closed). While
 *   a write has been stuck longer than that, the device counts as stalled and new entries
 *   fail at once instead of queueing behind it.
 * The promise `push` returns resolves only once the sink reports the bytes written.
 */
import type { AuditSink } from './devices/sink.js';

export interface WriteQueueLimits {
  /** Entries waiting or in flight. */
  maxEntries: number;
  /** Bytes waiting or in flight. */
  maxBytes: number;
  /** How long an entry may wait for its write before it fails. */
  timeoutMs: number;
  /** Upper bound for one batch (a single larger entry still goes out alone). */
  maxBatchBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: WriteQueueLimits = {
  maxEntries: 10_000,
  maxBytes: 32 * 1024 * 1024,
  timeoutMs: 10_000, // Vault's audit broker timeout
  maxBatchBytes: 1024 * 1024,
};

export class AuditQueueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuditQueueError';
  }
}

interface QueueEntry {
  readonly line: Buffer;
  readonly deadline: number;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

export class WriteQueue {
  private pending: QueueEntry[] = [];
  private head = 0;
  private pendingBytes = 0;
  private inFlight: QueueEntry[] = [];
  private inFlightBytes = 0;
  private running = false;
  private scheduled = false;
  private closed = false;
  private stalled = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sink: AuditSink,
    private readonly limits: WriteQueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {}

  get queuedEntries(): number {
    return this.pending.length - this.head + this.inFlight.length;
  }

  get queuedBytes(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** Appends one entry; resolves once it is written, rejects if it cannot be. */
  push(line: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new AuditQueueError('audit device is closed'));
    if (this.stalled) {
      return Promise.reject(new AuditQueueError(`audit device stalled: a write has not completed within ${this.limits.timeoutMs}ms`));
    }
    if (this.queuedEntries + 1 > this.limits.maxEntries || this.queuedBytes + line.length > this.limits.maxBytes) {
      return Promise.reject(new AuditQueueError('audit device queue is full'));
    }
    return new Promise<void>((resolve, reject) => {
      const entry: QueueEntry = { line, deadline: Date.now() + this.limits.timeoutMs, settled: false, resolve, reject };
      this.pending.push(entry);
      this.pendingBytes += line.length;
      // Deadlines only grow: a running timer already covers an older entry.
      if (!this.timer) this.armTimer();
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          void this.run();
        });
      }
    });
  }

  /** Resolves when nothing is queued or in flight (or after `timeoutMs`). */
  async drain(timeoutMs = this.limits.timeoutMs): Promise<void> {
    if (this.queuedEntries === 0 && !this.running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Refuses new entries, fails those still waiting, and lets an in-flight write finish. */
  close(): void {
    this.closed = true;
    this.failPending(new AuditQueueError('audit device is closed'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.head < this.pending.length) {
        const batch: QueueEntry[] = [];
        let bytes = 0;
        while (this.head < this.pending.length) {
          const next = this.pending[this.head];
          if (next === undefined) break;
          if (batch.length > 0 && bytes + next.line.length > this.limits.maxBatchBytes) break;
          this.head++;
          this.pendingBytes -= next.line.length;
          if (next.settled) continue; // timed out while waiting: never written
          batch.push(next);
          bytes += next.line.length;
        }
        this.compact();
        if (batch.length === 0) continue;
        this.inFlight = batch;
        this.inFlightBytes = bytes;
        let error: Error | null = null;
        try {
          await this.sink.write(batch.map((e) => e.line));
        } catch (err) {
          error = err instanceof Error ? err : new Error(String(err));
        }
        this.inFlight = [];
        this.inFlightBytes = 0;
        this.stalled = false;
        for (const entry of batch) {
          if (entry.settled) continue;
          entry.settled = true;
          if (error) entry.reject(error);
          else entry.resolve();
        }
      }
    } finally {
      this.running = false;
      this.armTimer();
      if (this.queuedEntries === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** One timer, set for the oldest unsettled entry's deadline. */
  private armTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const oldest = this.oldestDeadline();
    if (oldest === null) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, oldest - Date.now()));
    this.timer.unref();
  }

  private oldestDeadline(): number | null {
    for (const entry of this.inFlight) if (!entry.settled) return entry.deadline;
    for (let i = this.head; i < this.pending.length; i++) {
      const entry = this.pending[i];
      if (entry && !entry.settled) return entry.deadline;
    }
    return null;
  }

  private expire(): void {
    this.timer = null;
    const now = Date.now();
    const timeout = new AuditQueueError(`audit write timed out after ${this.limits.timeoutMs}ms`);
    for (const entry of this.inFlight) {
      if (!entry.settled && entry.deadline <= now) {
        entry.settled = true;
        entry.reject(timeout);
        // The write these entries wait for outlived their deadline: until it returns, new
        // entries fail at once rather than each waiting out the timeout behind it.
        this.stalled = true;
      }
    }
    // Entries that waited too long are dropped without being written: their requests
    // have failed, and a stalled device must not keep their memory.
    let dropped = false;
    for (let i = this.head; i < this.pending.length; i++) {
      const entry = this.pending[i];
      if (!entry || entry.settled) continue;
      if (entry.deadline > now) break;
      entry.settled = true;
      entry.reject(timeout);
      dropped = true;
    }
    if (dropped) this.removeSettled();
    this.armTimer();
  }

  private failPending(error: Error): void {
    for (let i = this.head; i < this.pending.length; i++) {
      const entry = this.pending[i];
      if (!entry || entry.settled) continue;
      entry.settled = true;
      entry.reject(error);
    }
    this.pending = [];
    this.head = 0;
    this.pendingBytes = 0;
  }

  private removeSettled(): void {
    const kept: QueueEntry[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.pending.length; i++) {
      const entry = this.pending[i];
      if (!entry || entry.settled) continue;
      kept.push(entry);
      bytes += entry.line.length;
    }
    this.pending = kept;
    this.head = 0;
    this.pendingBytes = bytes;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }
}
