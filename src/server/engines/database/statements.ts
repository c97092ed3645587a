/**
 * Statement lists as Vault accepts them (`strutil.ParseArbitraryStringSlice(input, ";")`):
 * a JSON list of strings, a `;`-separated string, a JSON array serialised into a string,
 * or either of the last two base64-encoded.
 */
import { UserError } from '../../../shared/errors.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A block (a `DO $$ … END $$` body, a function) holds `;`s that are not statement
 * separators; such a string stays one item and the plugin, which knows its SQL dialect,
 * splits it (or not).
 */
function isBlock(text: string): boolean {
  return text.includes('$$') || /\bEND\b/i.test(text) || /\bBEGIN\b/i.test(text);
}

/** Splits on `;` outside single and double quotes; trims; drops empty items. */
function splitOutsideQuotes(text: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === ';') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Go's `base64.StdEncoding.DecodeString`, accepted only when the result is text. */
function decodeBase64Text(input: string): string | null {
  if (input.length === 0 || input.length % 4 !== 0 || !BASE64.test(input)) return null;
  try {
    return utf8.decode(Buffer.from(input, 'base64'));
  } catch {
    // Not UTF-8: an ordinary word that happens to use only base64 letters (e.g. "DROP").
    return null;
  }
}

function parseStatementString(raw: string): string[] {
  let input = raw.trim();
  if (input === '') return [];
  const decoded = decodeBase64Text(input);
  if (decoded !== null) input = decoded.trim();
  if (input.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(input);
      if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return cleanList(parsed as string[]);
    } catch {
      // not JSON: treat it as a separated string, as Vault does
    }
  }
  return isBlock(input) ? [input] : splitOutsideQuotes(input);
}

function cleanList(items: readonly string[]): string[] {
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Parses one statements field. `field` names it in the error for input of the wrong type.
 * Each item of a list is kept whole: the plugin splits items on `;` itself.
 */
export function parseStatements(raw: unknown, field: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return parseStatementString(raw);
  if (Array.isArray(raw)) {
    if (!raw.every((s) => typeof s === 'string')) {
      throw new UserError(`${field} must be a string or a list of strings`);
    }
    return cleanList(raw as string[]);
  }
  throw new UserError(`${field} must be a string or a list of strings`);
}
