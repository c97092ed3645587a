/** Where a device's formatted lines go (Vault's sink nodes). */
export interface AuditSink {
  /** A short description for logs (`file "/var/log/audit.log"`, `socket tcp 127.0.0.1:9090`). */
  readonly description: string;
  /**
   * Opens the destination now (file) so that an unusable one fails the enable with its
   * reason. Sinks that connect lazily (sockets) may do nothing.
   */
  open(): Promise<void>;
  /**
   * Writes complete lines, in order, and resolves once the destination has them. On a
   * failure a sink retries once after reopening (as Vault's sinks do), then rejects.
   * Calls never overlap: the queue waits for one to settle before the next.
   */
  write(lines: readonly Buffer[]): Promise<void>;
  /** Closes and reopens the destination (SIGHUP, log rotation). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/** A sink that runs `fn` under a mutex so `write`, `reopen` and `close` never interleave. */
export class SinkMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** A device whose configuration could not be loaded: every write fails, naming why. */
export function createFailingSink(description: string, reason: string): AuditSink {
  const fail = async (): Promise<void> => {
    throw new Error(reason);
  };
  return { description, open: fail, write: fail, reopen: fail, close: async () => undefined };
}
