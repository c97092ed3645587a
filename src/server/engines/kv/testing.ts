/**
 * Test helpers for the KV engine (not part of the build).
 */
import { expect } from 'vitest';
import { AppError, UserError } from '../../../shared/errors.js';
import type { LogicalResponse, StorageOp } from '../../sdk/index.js';
import { InmemStorage, createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createKvFactory } from './index.js';

/** A clock tests move by hand. Starts at 2024-01-01T00:00:00.123Z. */
export class ManualClock {
  t = Date.UTC(2024, 0, 1, 0, 0, 0, 123);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** In-memory storage whose transactions can be made to fail (or to wait for a gate). */
export class FaultyStorage extends InmemStorage {
  /** When set, the next transactions reject with this error. */
  failTransactions: Error | null = null;
  /** Number of transactions that succeed before `failAfter` starts failing them (null = never). */
  failAfter: number | null = null;
  /** When set, every transaction waits for it first. */
  gate: Promise<void> | null = null;
  transactions = 0;

  override async transaction(ops: readonly StorageOp[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failTransactions) throw this.failTransactions;
    if (this.failAfter !== null && this.transactions >= this.failAfter) throw new Error('storage unavailable');
    this.transactions += 1;
    await super.transaction(ops);
  }
}

export interface KvTestOptions {
  clock?: ManualClock;
  storage?: InmemStorage;
  defaultLeaseTtl?: number;
}

export async function v2Backend(opts: KvTestOptions = {}): Promise<TestBackend> {
  return createTestBackend(createKvFactory({ now: (opts.clock ?? new ManualClock()).now }), {
    type: 'kv',
    path: 'secret/',
    options: { version: '2' },
    ...(opts.storage ? { storage: opts.storage } : {}),
  });
}

export async function v1Backend(opts: KvTestOptions = {}): Promise<TestBackend> {
  return createTestBackend(createKvFactory(), {
    type: 'kv',
    path: 'kv1/',
    ...(opts.storage ? { storage: opts.storage } : {}),
    ...(opts.defaultLeaseTtl !== undefined ? { defaultLeaseTtl: opts.defaultLeaseTtl } : {}),
  });
}

/** Asserts a 400 (`UserError`) with exactly `message`. */
export async function expectUserError(promise: Promise<unknown>, message: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected UserError "${message}"`).toBeInstanceOf(UserError);
  expect((err as UserError).message).toBe(message);
}

/** Asserts an AppError with `code`. */
export async function expectAppError(promise: Promise<unknown>, code: AppError['code']): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

/** The `data` of a response that must exist. */
export function dataOf(resp: LogicalResponse | null): Record<string, unknown> {
  expect(resp).not.toBeNull();
  expect(resp?.data).toBeTruthy();
  return resp?.data ?? {};
}

/** RFC3339 UTC with optional fraction and no trailing zeros in it (Go's RFC3339Nano). */
export const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;

export const PATCH = { contentType: 'application/merge-patch+json' };

/** Writes `data` to `path` on a v2 backend and returns the response data. */
export async function put(
  kv: TestBackend,
  path: string,
  data: Record<string, unknown>,
  options?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return dataOf(await kv.request('write', `data/${path}`, { data, ...(options ? { options } : {}) }));
}
