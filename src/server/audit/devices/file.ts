/**
 * The `file` audit device (Vault's `audit/backend_file.go` + `event/sink_file.go`).
 *
 * Options: `file_path` (required; `stdout` and `discard` are special, any case), `mode`
 * (octal string, default `"0600"`; `"0000"` keeps the existing file's mode). The file is
 * opened for append, created with `mode`, and chmod'ed to `mode` when it already existed
 * (regular files only: Coffer never chmods `/dev/null` or other device files). A missing
 * parent directory is created (0700). A failed write closes the file, reopens it and
 * retries once, as Vault does; `reopen()` (SIGHUP) closes and reopens it for log rotation.
 */
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../../../shared/errors.js';
import { SinkMutex, type AuditSink } from './sink.js';
import { createDiscardSink, createStdoutSink } from './stdout.js';

export const DEFAULT_FILE_MODE = 0o600;

export interface FileDeviceConfig {
  /** A path, or `stdout` / `discard`. */
  filePath: string;
  /** Permission bits; 0 keeps the existing file's mode (the file must exist). */
  mode: number;
}

/** The part of `fs.promises.FileHandle` the sink uses (tests inject failing ones). */
export interface FileHandleLike {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
  stat?(): Promise<{ mode: number; isFile(): boolean }>;
  chmod?(mode: number): Promise<void>;
}

export type OpenFile = (path: string, flags: number, mode: number) => Promise<FileHandleLike>;

export interface FileSinkDeps {
  /** Opens the log file (default: `fs.promises.open`). */
  openFile?: OpenFile | undefined;
  /** Where `file_path=stdout` writes (default: process.stdout). */
  stdout?: NodeJS.WritableStream | undefined;
}

/** Validates the file device's options (400 on anything wrong). */
export function parseFileOptions(options: Readonly<Record<string, string>>): FileDeviceConfig {
  // `path` is the option's old name, still accepted by Vault.
  const raw = options['file_path'] ?? options['path'];
  if (raw === undefined) throw new UserError('"file_path" is required');
  let filePath = raw.trim();
  if (filePath === '') throw new UserError('file path is required');
  if (filePath.toLowerCase() === 'stdout') filePath = 'stdout';
  else if (filePath.toLowerCase() === 'discard') filePath = 'discard';
  let mode = DEFAULT_FILE_MODE;
  const rawMode = options['mode']?.trim();
  if (rawMode !== undefined && rawMode !== '') {
    if (!/^[0-7]{1,11}$/.test(rawMode) || Number.parseInt(rawMode, 8) > 0xffffffff) {
      throw new UserError(`unable to parse file mode: ${JSON.stringify(rawMode)} is not an octal number`);
    }
    mode = Number.parseInt(rawMode, 8) & 0o7777;
  }
  return { filePath, mode };
}

export function createFileSink(config: FileDeviceConfig, deps: FileSinkDeps = {}): AuditSink {
  if (config.filePath === 'stdout') return createStdoutSink(deps.stdout);
  if (config.filePath === 'discard') return createDiscardSink();
  return new FileSink(config, deps.openFile ?? defaultOpenFile);
}

const defaultOpenFile: OpenFile = (path, flags, mode) => open(path, flags, mode);

const APPEND_FLAGS = fsConstants.O_APPEND | fsConstants.O_WRONLY | fsConstants.O_CREAT;

class FileSink implements AuditSink {
  readonly description: string;
  private handle: FileHandleLike | null = null;
  private readonly mutex = new SinkMutex();

  constructor(
    private readonly config: FileDeviceConfig,
    private readonly openFile: OpenFile,
  ) {
    this.description = `file ${JSON.stringify(config.filePath)}`;
  }

  open(): Promise<void> {
    return this.mutex.run(() => this.openLocked());
  }

  write(lines: readonly Buffer[]): Promise<void> {
    return this.mutex.run(async () => {
      const data = lines.length === 1 && lines[0] ? lines[0] : Buffer.concat(lines);
      const progress = { written: 0 };
      await this.openLocked();
      try {
        await writeAll(this.requireHandle(), data, progress);
        return;
      } catch {
        // Opportunistically reopen once and write what is left (Vault's FileSink.log).
      }
      await this.closeLocked();
      await this.openLocked();
      await writeAll(this.requireHandle(), data, progress);
    });
  }

  reopen(): Promise<void> {
    return this.mutex.run(async () => {
      await this.closeLocked();
      await this.openLocked();
    });
  }

  close(): Promise<void> {
    return this.mutex.run(() => this.closeLocked());
  }

  private requireHandle(): FileHandleLike {
    if (!this.handle) throw new Error(`file ${JSON.stringify(this.config.filePath)} is not open`);
    return this.handle;
  }

  private async openLocked(): Promise<void> {
    if (this.handle) return;
    const path = this.config.filePath;
    let mode = this.config.mode;
    if (mode === 0) {
      try {
        mode = (await stat(path)).mode & 0o7777;
      } catch (err) {
        throw new Error(`unable to determine existing file mode: ${message(err)}`, { cause: err });
      }
    }
    try {
      await createParentDirs(dirname(path));
    } catch (err) {
      throw new Error(`unable to create file ${JSON.stringify(path)}: ${message(err)}`, { cause: err });
    }
    let handle: FileHandleLike;
    try {
      handle = await this.openFile(path, APPEND_FLAGS, mode);
    } catch (err) {
      throw new Error(`unable to open file for sink: ${message(err)}`, { cause: err });
    }
    // The file may have existed with other permissions: set them (regular files only,
    // and never when the mode is "0000").
    if (this.config.mode !== 0 && path !== '/dev/null' && handle.stat && handle.chmod) {
      try {
        const info = await handle.stat();
        if (info.isFile() && (info.mode & 0o7777) !== mode) await handle.chmod(mode);
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw new Error(`unable to change file ${JSON.stringify(path)} permissions '${mode.toString(8).padStart(4, '0')}': ${message(err)}`, {
          cause: err,
        });
      }
    }
    this.handle = handle;
  }

  private async closeLocked(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close().catch(() => undefined);
  }
}

async function writeAll(handle: FileHandleLike, data: Buffer, progress: { written: number }): Promise<void> {
  while (progress.written < data.length) {
    const { bytesWritten } = await handle.write(data, progress.written, data.length - progress.written);
    if (bytesWritten <= 0) throw new Error('short write');
    progress.written += bytesWritten;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates missing parent directories one level at a time. Node 20's recursive mkdir never
 * returns for some paths (under /proc it loops forever), which hung audit enable.
 */
async function createParentDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current).catch(() => null);
    if (info) {
      if (!info.isDirectory()) throw new Error(`ENOTDIR: not a directory, mkdir '${dir}'`);
      break;
    }
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) await mkdir(path, { mode: 0o700 });
}
