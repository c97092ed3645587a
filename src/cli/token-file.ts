/** Writing the token helper file `~/.vault-token` (mode 0600), as `vault login` and `-dev` do. */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { tokenFilePath } from '../api/index.js';

/** Stores the token where the CLI (and Vault's CLI) read it; returns the file path. */
export function storeToken(token: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = tokenFilePath(env);
  const fd = openSync(file, 'w', 0o600);
  try {
    // `mode` only applies when the file is created: tighten an existing file too.
    fchmodSync(fd, 0o600);
    writeSync(fd, token);
  } finally {
    closeSync(fd);
  }
  return file;
}
