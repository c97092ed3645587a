/**
 * Test helpers for userpass (not part of the build).
 */
import { expect } from 'vitest';
import type { LogicalResponse } from '../../sdk/index.js';
import { InmemStorage, createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createUserpassFactory } from './index.js';
import type { ScryptParams } from './password.js';

/** Cheap scrypt parameters (~1–3 ms a hash) so tests stay fast. */
export const TEST_KDF: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

/** A clock tests move by hand. */
export class ManualClock {
  t = Date.UTC(2024, 0, 1, 0, 0, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface UserpassTestOptions {
  clock?: ManualClock;
  storage?: InmemStorage;
  kdf?: ScryptParams;
  /** The mount's `user_lockout_config`; kept by reference, so tests can change it live. */
  lockout?: Record<string, unknown>;
  /** The whole mount config (overrides `lockout`). */
  config?: Record<string, unknown>;
}

export async function userpassBackend(opts: UserpassTestOptions = {}): Promise<TestBackend> {
  const clock = opts.clock ?? new ManualClock();
  const config = opts.config ?? (opts.lockout ? { user_lockout_config: opts.lockout } : {});
  return createTestBackend(createUserpassFactory({ now: clock.now, kdf: opts.kdf ?? TEST_KDF }), {
    type: 'userpass',
    path: 'auth/userpass/',
    config,
    ...(opts.storage ? { storage: opts.storage } : {}),
  });
}

/** The error a request threw (fails the test if it resolved). */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected the request to fail');
}

export function dataOf(resp: LogicalResponse | null): Record<string, unknown> {
  expect(resp?.data).toBeTruthy();
  return resp?.data as Record<string, unknown>;
}

/** Every stored value, decoded as text. */
export function storageText(storage: InmemStorage): string {
  const decoder = new TextDecoder();
  return [...storage.entries].map(([k, v]) => `${k}=${decoder.decode(v)}`).join('\n');
}
