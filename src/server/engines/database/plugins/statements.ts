/**
 * SQL statement handling shared by the database plugins, as Vault does it:
 *
 * - a configured command may be a `;`-separated string, a JSON array of strings, or either
 *   of those base64-encoded (`strutil.ParseArbitraryStringSlice`);
 * - a command holding a word-boundary `END` outside quotes (a DO block, a function body) is
 *   run whole instead of being split on `;`;
 * - `{{name}}`, `{{username}}`, `{{password}}` and `{{expiration}}` are replaced verbatim,
 *   with no SQL quoting: the statement supplies its own quotes (`"{{name}}"`, `'{{password}}'`).
 */
import { UserError } from '../../../../shared/errors.js';

/** The placeholders a statement may use; which ones are set depends on the operation. */
export interface StatementValues {
  name?: string;
  username?: string;
  password?: string;
  expiration?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Go's `base64.StdEncoding.DecodeString` (padding required, CR/LF ignored), but only when the
 * result is readable text: a plain statement made only of base64 letters (`ROLLBACK`) must
 * not turn into binary garbage.
 */
function decodeBase64Text(input: string): string | undefined {
  const compact = input.replace(/[\r\n]/g, '');
  if (compact === '' || !BASE64.test(compact)) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(compact, 'base64'));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return undefined;
  return text;
}

/**
 * One configured command → its statements (Vault's `ParseArbitraryStringSlice(cmd, ";")`
 * followed by trimming and dropping empty pieces).
 */
export function parseStatementList(command: string): string[] {
  let input = command.trim();
  if (input === '') return [];
  input = decodeBase64Text(input) ?? input;
  let pieces: string[] | undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    if (parsed === null) pieces = [];
    else if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) pieces = parsed;
  } catch {
    // not JSON: a separated list
  }
  pieces ??= input.split(';');
  return pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
}

/**
 * Whether a command is a multi-line body (a DO block, a function) that must not be split on
 * `;`: it holds the word `END` outside single- or double-quoted text.
 */
export function containsMultilineStatement(command: string): boolean {
  const withoutLiterals = command.replace(/"[^"]*"/g, '').replace(/'[^']*'/g, '');
  return /\bEND\b/.test(withoutLiterals);
}

/**
 * The statements to run for a list of configured commands, in order: multi-line commands
 * whole, the others split. Placeholders are still in place (substituting after splitting
 * keeps a `;` inside a password from splitting a statement).
 */
export function expandStatements(commands: readonly string[]): string[] {
  const out: string[] = [];
  for (const command of commands) {
    if (containsMultilineStatement(command)) {
      if (command.trim() !== '') out.push(command);
      continue;
    }
    out.push(...parseStatementList(command));
  }
  return out;
}

const PLACEHOLDER = /\{\{(name|username|password|expiration)\}\}/g;

/**
 * Replaces every `{{key}}` that has a value. One pass: a value that itself looks like a
 * placeholder (a password `{{name}}`) is not expanded again. Placeholders without a value
 * stay as they are, as in Vault.
 */
export function substituteStatement(statement: string, values: StatementValues): string {
  return statement.replace(PLACEHOLDER, (marker, key: keyof StatementValues) => values[key] ?? marker);
}

/** Go layout `2006-01-02 15:04:05-0700` in UTC, the form `{{expiration}}` takes. */
export function formatExpiration(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new UserError('invalid expiration date');
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+0000`
  );
}

/** A PostgreSQL identifier in double quotes (`dbutil.QuoteIdentifier`). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
