/**
 * Test helpers for the AppRole backend (not part of the build).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import type { LogicalResponse, Operation, StorageOp } from '../../sdk/index.js';
import { InmemStorage, createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createApproleFactory } from './index.js';
import type { ApproleOptions } from './store.js';

/** A clock tests move by hand. Starts at 2024-01-01T00:00:00.123Z. */
export class ManualClock {
  t = Date.UTC(2024, 0, 1, 0, 0, 0, 123);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** In-memory storage whose reads and writes yield to the event loop, to expose races. */
export class SlowStorage extends InmemStorage {
  private static tick(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 1));
  }
  override async get(key: string): Promise<Uint8Array | null> {
    await SlowStorage.tick();
    return super.get(key);
  }
  override async transaction(ops: readonly StorageOp[]): Promise<void> {
    await SlowStorage.tick();
    return super.transaction(ops);
  }
}

export interface ApproleTest extends TestBackend {
  clock: ManualClock;
  /** Runs a request with a chosen client address (createTestBackend always uses 127.0.0.1). */
  from(remoteAddr: string, operation: Operation, path: string, data?: Record<string, unknown>): Promise<LogicalResponse | null>;
  login(data: Record<string, unknown>, remoteAddr?: string): Promise<LogicalResponse | null>;
}

export async function approleBackend(
  options: { clock?: ManualClock; storage?: InmemStorage; maxLeaseTtl?: number } & Omit<ApproleOptions, 'now'> = {},
): Promise<ApproleTest> {
  const clock = options.clock ?? new ManualClock();
  const factory = createApproleFactory({
    now: clock.now,
    tidyIntervalMs: options.tidyIntervalMs ?? 0,
    ...(options.onTidy ? { onTidy: options.onTidy } : {}),
  });
  const t = await createTestBackend(factory, {
    type: 'approle',
    path: 'auth/approle/',
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.maxLeaseTtl !== undefined ? { maxLeaseTtl: options.maxLeaseTtl } : {}),
  });
  const from: ApproleTest['from'] = (remoteAddr, operation, path, data = {}) =>
    t.backend.handleRequest({
      id: randomUUID(),
      operation,
      path,
      data,
      headers: {},
      remoteAddr,
      storage: t.storage,
      mount: t.mount,
    });
  return {
    ...t,
    clock,
    from,
    login: (data, remoteAddr = '127.0.0.1') => from(remoteAddr, 'update', 'login', data),
  };
}

export function dataOf(resp: LogicalResponse | null): Record<string, unknown> {
  expect(resp?.data).toBeTruthy();
  return resp?.data as Record<string, unknown>;
}

/** Awaits a rejection with the given error class and exact message. */
export async function expectError(
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => AppError,
  message: string | RegExp,
): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  const appErr = err as AppError;
  if (typeof message === 'string') expect(appErr.message).toBe(message);
  else expect(appErr.message).toMatch(message);
  return appErr;
}

/** Creates a role and returns its role_id. */
export async function createRole(t: TestBackend, name: string, body: Record<string, unknown> = {}): Promise<string> {
  await t.request('write', `role/${name}`, body);
  return dataOf(await t.request('read', `role/${name}/role-id`))['role_id'] as string;
}

/** Generates a secret ID; returns the whole `data` block. */
export async function issueSecretId(
  t: TestBackend,
  role: string,
  body: Record<string, unknown> = {},
): Promise<{ secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number }> {
  return dataOf(await t.request('write', `role/${role}/secret-id`, body)) as {
    secret_id: string;
    secret_id_accessor: string;
    secret_id_ttl: number;
    secret_id_num_uses: number;
  };
}

/** Every storage key and decoded value, for "never stored raw" checks. */
export function dumpStorage(storage: InmemStorage): string {
  const decoder = new TextDecoder();
  return [...storage.entries].map(([k, v]) => `${k}\n${decoder.decode(v)}`).join('\n');
}
