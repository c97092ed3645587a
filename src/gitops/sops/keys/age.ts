/**
 * The age key source (sops `age/keysource.go`): the raw 32-byte data key is encrypted to an
 * X25519 recipient and ASCII-armored; identities come from `SOPS_AGE_KEY`,
 * `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD`, else `<user config dir>/sops/age/keys.txt`.
 * SSH and plugin recipients/identities are not supported (the age library has no SSH code).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, Encrypter, armor } from 'age-encryption';
import { SopsError } from '../errors.js';
import { splitCommand } from '../command-line.js';

export const SOPS_AGE_KEY = 'SOPS_AGE_KEY';
export const SOPS_AGE_KEY_FILE = 'SOPS_AGE_KEY_FILE';
export const SOPS_AGE_KEY_CMD = 'SOPS_AGE_KEY_CMD';

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;

/** Checks an age recipient (`age1…`, X25519); throws a message that names the problem. */
export function parseAgeRecipient(recipient: string): string {
  const r = recipient.trim();
  if (r.startsWith('ssh-')) throw new SopsError(`unsupported age recipient ${JSON.stringify(r.slice(0, 20))}…: SSH recipients are not supported by Coffer`);
  if (r.startsWith('age1') && (r.match(/1/g) ?? []).length > 1 && !RECIPIENT_RE.test(r)) {
    throw new SopsError(`unsupported age recipient ${JSON.stringify(r)}: age plugin recipients are not supported by Coffer`);
  }
  if (!RECIPIENT_RE.test(r)) throw new SopsError(`failed to parse input as Bech32-encoded age public key: ${JSON.stringify(r)}`);
  return r;
}

/** Splits a comma-separated recipient list (`--age a,b`). */
export function parseAgeRecipients(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseAgeRecipient);
}

/** Encrypts the data key to one recipient; returns the armored age file (with final newline). */
export async function ageWrap(recipient: string, dataKey: Uint8Array): Promise<string> {
  const e = new Encrypter();
  try {
    e.addRecipient(parseAgeRecipient(recipient));
  } catch (err) {
    if (err instanceof SopsError) throw err;
    throw new SopsError(`failed to parse input as Bech32-encoded age public key: ${JSON.stringify(recipient)}`);
  }
  return armor.encode(await e.encrypt(dataKey));
}

/** Decrypts an armored age file with the identities (`AGE-SECRET-KEY-1…`). */
export async function ageUnwrap(enc: string, identities: readonly string[]): Promise<Uint8Array> {
  let file: Uint8Array;
  try {
    file = armor.decode(enc);
  } catch (err) {
    throw new SopsError(`failed to read armored age data key: ${err instanceof Error ? err.message : String(err)}`);
  }
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  try {
    return await d.decrypt(file);
  } catch (err) {
    // The library's messages name stanzas, never key material.
    throw new SopsError(`failed to create reader for decrypting sops data key with age: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface LoadedIdentities {
  identities: string[];
  /** Locations that were looked at and held nothing. */
  unused: string[];
  /** Problems while loading (file unreadable, bad identity line…), without key material. */
  errors: string[];
}

/** Parses identity lines: blank lines and `#` comments are skipped; only native identities count. */
export function parseIdentities(text: string, location: string): string[] {
  const out: string[] = [];
  let lineNo = 0;
  for (const raw of text.split(/\r?\n/)) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(line) || /^AGE-SECRET-KEY-PQ-1[0-9A-Z]+$/.test(line)) {
      // Let the library validate the checksum now so a typo is reported with its location.
      try {
        new Decrypter().addIdentity(line);
      } catch {
        throw new SopsError(`failed to parse age identities from ${location}: invalid identity on line ${lineNo}`);
      }
      out.push(line);
    } else if (line.startsWith('AGE-PLUGIN-')) {
      throw new SopsError(`failed to parse age identities from ${location}: age plugin identities are not supported (line ${lineNo})`);
    } else {
      throw new SopsError(`failed to parse age identities from ${location}: line ${lineNo} is not an age identity`);
    }
  }
  return out;
}

/** `os.UserConfigDir()` as sops uses it. */
export function userConfigDir(env: NodeJS.ProcessEnv): string {
  const home = env['HOME'] ?? homedir();
  if (process.platform === 'win32') return env['APPDATA'] ?? join(home, 'AppData', 'Roaming');
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '') return xdg;
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support');
  return join(home, '.config');
}

/** Loads every identity the environment offers (sops `loadIdentities`, minus SSH keys). */
export function loadAgeIdentities(env: NodeJS.ProcessEnv): LoadedIdentities {
  const identities: string[] = [];
  const unused: string[] = [];
  const errors: string[] = [];
  const take = (location: string, read: () => string): void => {
    try {
      const ids = parseIdentities(read(), location);
      if (ids.length === 0) unused.push(location);
      identities.push(...ids);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  };
  let found = 0;
  const key = env[SOPS_AGE_KEY];
  if (key !== undefined) {
    found++;
    take(SOPS_AGE_KEY, () => key);
  } else unused.push(SOPS_AGE_KEY);
  const file = env[SOPS_AGE_KEY_FILE];
  if (file !== undefined) {
    found++;
    take(SOPS_AGE_KEY_FILE, () => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        throw new SopsError(`failed to open ${SOPS_AGE_KEY_FILE} file: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'} ${file}`);
      }
    });
  } else unused.push(SOPS_AGE_KEY_FILE);
  const cmd = env[SOPS_AGE_KEY_CMD];
  if (cmd !== undefined) {
    found++;
    take(SOPS_AGE_KEY_CMD, () => {
      const [bin, ...args] = splitCommand(cmd);
      if (bin === undefined) throw new SopsError(`failed to execute command from ${SOPS_AGE_KEY_CMD}: empty command`);
      try {
        return execFileSync(bin, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        throw new SopsError(`failed to execute command ${bin} from ${SOPS_AGE_KEY_CMD}`);
      }
    });
  } else unused.push(SOPS_AGE_KEY_CMD);
  const defaultFile = join(userConfigDir(env), 'sops', 'age', 'keys.txt');
  let text: string | undefined;
  try {
    text = readFileSync(defaultFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(`failed to open file: ${defaultFile}`);
    else if (found === 0) unused.push(defaultFile);
  }
  if (text !== undefined) {
    const t = text;
    take(defaultFile, () => t);
  }
  return { identities, unused, errors };
}

/** sops's wording for "no identities": names every location it looked at. */
export function describeIdentityProblem(loaded: LoadedIdentities): string {
  let msg = 'failed to load age identities';
  if (loaded.errors.length > 0) msg += `. Errors while loading age identities: ${loaded.errors.join('; ')}`;
  const u = loaded.unused;
  if (u.length === 1) msg += `. Did not find keys in location '${u[0]}'.`;
  else if (u.length === 2) msg += `. Did not find keys in locations '${u[0]}' and '${u[1]}'.`;
  else if (u.length > 2) msg += `. Did not find keys in locations '${u.slice(0, -1).join("', '")}', and '${u[u.length - 1]}'.`;
  return msg;
}
