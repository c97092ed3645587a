/**
 * What a command may touch: its streams, the environment, signals and the server loader,
 * all injectable so commands run in tests without a process of their own.
 */
import type { Readable, Writable } from 'node:stream';
import type { RunningServer, StartServerOptions } from '../server/index.js';

export interface CliStdin extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface CliStdout extends Writable {
  isTTY?: boolean;
}

export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): unknown;
}

export interface ServerModule {
  startServer(options: StartServerOptions): Promise<RunningServer>;
}

export interface CliIo {
  stdout: CliStdout;
  stderr: Writable;
  stdin: CliStdin;
  env: NodeJS.ProcessEnv;
  signals: SignalSource;
  /** Loads `src/server/index.ts` lazily (only the `server` command needs it). */
  loadServer: () => Promise<ServerModule>;
}

export function defaultIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signals: process,
    loadServer: async () => (await import('../server/index.js')) as ServerModule,
  };
}

/** Output helpers bound to an IO: Vault's `Output`/`Info` go to stdout, `Error`/`Warn` to stderr. */
export class Ui {
  constructor(readonly io: CliIo) {}

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** A line on stdout. */
  out(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Text on stdout exactly as given. */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** A line on stderr. */
  err(text = ''): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Whether stdout is a terminal (raw `-field` output then ends with a newline, as in Vault). */
  get stdoutIsTty(): boolean {
    return this.io.stdout.isTTY === true;
  }
}
