/**
 * Temp dirs for tests: every directory made here is removed by `removeTempDirs()`, which the
 * suites call in `afterAll` (after their processes are gone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A fresh private directory under the OS temp dir. */
export function makeTempDir(prefix = 'coffer-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every directory `makeTempDir` created in this process. */
export function removeTempDirs(): void {
  for (const dir of made) {
    rmSync(dir, { recursive: true, force: true });
    made.delete(dir);
  }
}
