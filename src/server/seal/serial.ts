/**
 * A one-at-a-time queue for the key-share state machines (generate-root, rekey): like Vault's
 * `generateRootLock` / `rekeyLock`, an update that awaits (combine, verify, write) must not
 * interleave with another update, a cancel or a restart.
 */
export type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

export function createSerial(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
