/**
 * The command contract: each `commands/<noun>-<verb>.ts` exports one `CommandSpec`; the
 * dispatcher parses its flags, validates `-format`, and hands it a `CommandContext`.
 */
import type { Client } from '../api/index.js';
import { clientFromFlags, outputFormat, type FlagSetSelection, type OutputFormat } from './common-flags.js';
import type { CliIo, Ui } from './context.js';
import { UsageError, exitCodeFor, messageFor } from './exit.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { readAll } from './data-args.js';

export interface CommandContext {
  readonly ui: Ui;
  readonly io: CliIo;
  readonly flags: FlagValues;
  readonly args: readonly string[];
  /** The validated `-format` (`table` for commands without it). */
  readonly format: OutputFormat;
  /** The API client from the HTTP flags and environment (created on first use). */
  client(): Client;
  /** All of stdin (read once). */
  readStdin(): Promise<string>;
}

export interface CommandSpec {
  /** Words that select the command, e.g. `['kv', 'get']`. */
  readonly path: readonly string[];
  readonly synopsis: string;
  /** Help text after the flags are stripped: starts with `Usage: coffer ...`. */
  readonly help: string;
  /** Shared flag sets (HTTP is on unless `http: false`). */
  readonly sets?: FlagSetSelection;
  readonly flags?: readonly FlagSpec[];
  /** `-format=raw` is allowed (only `read`). */
  readonly allowRawFormat?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}

/** Vault's argument-count messages (a local error, exit 1). */
export function expectArgs(ctx: CommandContext, min: number, max: number = min): void {
  const n = ctx.args.length;
  const expected = min === max ? String(min) : max === Infinity ? `at least ${min}` : `${min}-${max}`;
  if (n < min) throw new UsageError(`Not enough arguments (expected ${expected}, got ${n})`);
  if (n > max) throw new UsageError(`Too many arguments (expected ${expected}, got ${n})`);
}

/** Prints `<prefix>: <error>` on stderr and returns the error's exit code. */
export function fail(ctx: CommandContext, prefix: string, err: unknown): number {
  ctx.ui.err(prefix === '' ? messageFor(err) : `${prefix}: ${messageFor(err)}`);
  return exitCodeFor(err);
}

export class Context implements CommandContext {
  private cachedClient: Client | undefined;
  private stdinText: Promise<string> | undefined;
  readonly format: OutputFormat;

  constructor(
    readonly ui: Ui,
    readonly io: CliIo,
    readonly flags: FlagValues,
    readonly args: readonly string[],
    allowRaw: boolean,
  ) {
    this.format = outputFormat(flags, { allowRaw });
  }

  client(): Client {
    this.cachedClient ??= clientFromFlags(this.flags, this.io.env);
    return this.cachedClient;
  }

  readStdin(): Promise<string> {
    this.stdinText ??= readAll(this.io.stdin);
    return this.stdinText;
  }

  close(): void {
    this.cachedClient?.close();
  }
}
