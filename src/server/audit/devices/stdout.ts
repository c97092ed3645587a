/**
 * The file device's special paths (Vault's `file_path=stdout` and `file_path=discard`).
 * Vault has no `stdout` device type: `vault audit enable file file_path=stdout` is how
 * containers log audit entries, and Coffer follows that.
 */
import type { AuditSink } from './sink.js';

/** Writes lines to a stream (process.stdout by default); resolves when the stream has flushed them. */
export function createStdoutSink(stream: NodeJS.WritableStream = process.stdout): AuditSink {
  return {
    description: 'file "stdout"',
    open: async () => undefined,
    write: (lines) =>
      new Promise<void>((resolve, reject) => {
        const chunk = lines.length === 1 && lines[0] ? lines[0] : Buffer.concat(lines);
        try {
          stream.write(chunk, (err?: Error | null) => (err ? reject(err) : resolve()));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    reopen: async () => undefined,
    close: async () => undefined,
  };
}

/** Accepts and drops every line (`file_path=discard`, for tests and benchmarks). */
export function createDiscardSink(): AuditSink {
  return {
    description: 'file "discard"',
    open: async () => undefined,
    write: async () => undefined,
    reopen: async () => undefined,
    close: async () => undefined,
  };
}
