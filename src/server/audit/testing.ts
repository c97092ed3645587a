/** Test helpers for the audit module: storage, a controllable file system, a log capture. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../shared/logger.js';
import type { FileHandleLike, OpenFile } from './devices/file.js';

/** A Map-backed `Storage` (the barrier, as far as the broker can tell). */
export { InmemStorage as MemoryStorage } from '../sdk/testing.js';

/**
 * A file system whose files can be broken (every open and write fails, as on a full disk
 * or after a permissions change), stalled (writes never complete) and healed.
 */
export class FakeFiles {
  broken: string | null = null;
  stalled = false;
  readonly written: string[] = [];
  opens = 0;
  private readonly stuck: (() => void)[] = [];

  readonly open: OpenFile = async () => {
    this.opens++;
    if (this.broken) throw new Error(`${this.broken}, open`);
    const handle: FileHandleLike = {
      write: async (buffer, offset, length) => {
        if (this.stalled) await new Promise<void>((resolve) => this.stuck.push(resolve));
        if (this.broken) throw new Error(`${this.broken}, write`);
        this.written.push(buffer.subarray(offset, offset + length).toString('utf8'));
        return { bytesWritten: length };
      },
      close: async () => undefined,
    };
    return handle;
  };

  /** Lets stalled writes finish. */
  release(): void {
    this.stalled = false;
    for (const resume of this.stuck.splice(0)) resume();
  }
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const text = (): string => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Parses a file's JSON lines, skipping the probe entry written on enable. */
export function auditLines(content: string): Record<string, any>[] {
  return content
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((e) => e['request']?.['path'] !== 'sys/audit/test');
}
