/**
 * Test helpers for the PKI engine (not part of the build): a backend over in-memory
 * storage with a movable clock, and openssl run in a temp dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import type { LogicalResponse } from '../../sdk/index.js';
import { createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createPkiFactory } from './index.js';

export class Clock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
}

export async function pkiBackend(opts: { clock?: Clock; maxLeaseTtl?: number } = {}): Promise<TestBackend> {
  return createTestBackend(createPkiFactory({ now: (opts.clock ?? new Clock()).now }), {
    type: 'pki',
    path: 'pki/',
    maxLeaseTtl: opts.maxLeaseTtl ?? 10 * 365 * 86400,
    defaultLeaseTtl: 30 * 86400,
  });
}

/** The `data` of a response that must exist. */
export function dataOf(resp: LogicalResponse | null): Record<string, any> {
  expect(resp).not.toBeNull();
  expect(resp?.data).toBeTruthy();
  return resp?.data ?? {};
}

/** Asserts a 400 whose message matches `message`; returns the error. */
export async function expectUserError(promise: Promise<unknown>, message: string | RegExp): Promise<UserError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected UserError ${String(message)}`).toBeInstanceOf(UserError);
  if (typeof message === 'string') expect((err as UserError).message).toBe(message);
  else expect((err as UserError).message).toMatch(message);
  return err as UserError;
}

/** A temp dir with files and openssl runners. */
export class OpenSsl {
  readonly dir = mkdtempSync(join(tmpdir(), 'coffer-pki-'));

  write(name: string, content: string | Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  run(args: string[]): string {
    return execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs openssl, returning its status and combined output (for expected failures). */
  tryRun(args: string[]): { status: number; output: string } {
    const r = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' });
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
  }

  text(certPem: string): string {
    return this.run(['x509', '-noout', '-text', '-in', this.write('text.pem', certPem)]);
  }

  /** `openssl verify -CAfile root [-untrusted intermediates] leaf`. */
  verify(root: string, leaf: string, intermediates: string[] = [], extra: string[] = []): { status: number; output: string } {
    const args = ['verify', ...extra, '-CAfile', this.write('root.pem', root)];
    if (intermediates.length > 0) args.push('-untrusted', this.write('inter.pem', intermediates.join('\n')));
    args.push(this.write('leaf.pem', leaf));
    return this.tryRun(args);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
