/**
 * Test helper: runs CLI commands in-process against a fake Vault (`src/api/testing.ts`) with a
 * throwaway HOME, capturing stdout, stderr and the exit code. Not part of the build
 * (`src/**\/testing.ts` is excluded).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startFakeVault, type FakeHandler, type FakeVault } from '../api/testing.js';
import { runCli } from './cli.js';
import type { CliIo } from './context.js';

export interface CliRunResult {
  code: number;
  out: string;
  err: string;
}

export interface CliRunOptions {
  env?: NodeJS.ProcessEnv;
  /** Piped into stdin (and stdin ends). */
  stdin?: string;
  /** stdout is a terminal. */
  tty?: boolean;
  /** stdin is a terminal (raw mode is recorded in `rawModes`). */
  stdinTty?: boolean;
}

export interface CliHarness {
  readonly vault: FakeVault;
  /** The HOME of every run (where `.vault-token` is written). */
  readonly home: string;
  /** The token every run sends unless `env` overrides `VAULT_TOKEN`. */
  readonly token: string;
  /** `setRawMode` calls seen on a terminal stdin. */
  readonly rawModes: boolean[];
  run(argv: readonly string[], options?: CliRunOptions): Promise<CliRunResult>;
  close(): Promise<void>;
}

export const HARNESS_TOKEN = 'hvs.CLIHARNESSTOKENabcdefgh';

export async function startCliHarness(routes: Record<string, FakeHandler> = {}): Promise<CliHarness> {
  const vault = await startFakeVault(routes);
  const home = mkdtempSync(join(tmpdir(), 'coffer-cli-home-'));
  const rawModes: boolean[] = [];
  return {
    vault,
    home,
    token: HARNESS_TOKEN,
    rawModes,
    async run(argv, options = {}) {
      const stdout = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
      const stderr = new PassThrough();
      const stdin = Object.assign(new PassThrough(), {
        isTTY: options.stdinTty ?? false,
        ...(options.stdinTty === true ? { setRawMode: (mode: boolean) => rawModes.push(mode) } : {}),
      });
      let out = '';
      let err = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      stderr.on('data', (c: Buffer) => (err += c.toString()));
      stdin.end(options.stdin ?? '');
      const io: CliIo = {
        stdout,
        stderr,
        stdin,
        env: { VAULT_ADDR: vault.address, VAULT_TOKEN: HARNESS_TOKEN, HOME: home, ...(options.env ?? {}) },
        signals: { on: () => undefined, off: () => undefined },
        loadServer: () => Promise.reject(new Error('no server in this test')),
      };
      const code = await runCli(argv, io);
      return { code, out, err };
    },
    close: () => vault.close(),
  };
}
