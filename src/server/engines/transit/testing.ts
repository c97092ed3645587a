/** Test helpers for the transit engine: a mounted backend and terse request wrappers. */
import { expect } from 'vitest';
import { createTestBackend, type TestBackend } from '../../sdk/testing.js';
import type { LogicalResponse, Operation } from '../../sdk/index.js';
import { createTransitFactory, type TransitFactoryOptions } from './index.js';

export interface TransitHarness {
  tb: TestBackend;
  /** Runs a request and returns the response (throws what the handler throws). */
  call(op: Operation | 'write', path: string, data?: Record<string, unknown>): Promise<LogicalResponse | null>;
  /** `data` of a successful write. */
  write(path: string, data?: Record<string, unknown>): Promise<Record<string, unknown>>;
  read(path: string, data?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The message of the error a request fails with (and checks it is a 400-class UserError). */
  fails(op: Operation | 'write', path: string, data?: Record<string, unknown>): Promise<string>;
}

export async function transitHarness(options: TransitFactoryOptions = {}): Promise<TransitHarness> {
  const tb = await createTestBackend(createTransitFactory({ rotationSweepMs: 0, ...options }), { type: 'transit', path: 'transit/' });
  const call: TransitHarness['call'] = (op, path, data = {}) => tb.request(op, path, data);
  return {
    tb,
    call,
    async write(path, data) {
      const resp = await call('write', path, data);
      return (resp?.data ?? {}) as Record<string, unknown>;
    },
    async read(path, data) {
      const resp = await call('read', path, data);
      return (resp?.data ?? {}) as Record<string, unknown>;
    },
    async fails(op, path, data) {
      try {
        await call(op, path, data);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('ERR_INVALID_REQUEST');
        return (err as Error).message;
      }
      throw new Error(`${op} ${path} succeeded`);
    },
  };
}

export function b64(text: string | Uint8Array): string {
  return Buffer.from(text).toString('base64');
}
