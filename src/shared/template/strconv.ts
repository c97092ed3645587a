/**
 * The parts of Go's strconv the template engine needs: quoting (`%q`), unquoting of string and
 * character literals, and Go's number-literal syntax (base prefixes, `_` separators, hex floats).
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's unicode.IsPrint (letters, marks, numbers, punctuation, symbols and U+0020). */
export function isPrintRune(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(cp: number, quote: number, asciiOnly: boolean): string {
  if (cp === quote || cp === 0x5c) return `\\${String.fromCodePoint(cp)}`;
  if (asciiOnly ? cp < 0x80 && isPrintRune(cp) : isPrintRune(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    default:
      break;
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd'; // a lone surrogate is not a valid rune
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

/** strconv.Quote (or QuoteToASCII): a double-quoted Go string literal. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) as number, 0x22, asciiOnly);
  return `${out}"`;
}

/** strconv.QuoteRune: a single-quoted Go character literal. */
export function goQuoteRune(cp: number, asciiOnly = false): string {
  const r = cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp;
  return `'${escapeRune(r, 0x27, asciiOnly)}'`;
}

/** strconv.CanBackquote: can s be written as a raw string literal without change? */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0x60 || cp === 0xfeff) return false;
    if (cp < 0x20 && cp !== 0x09) return false;
    if (cp === 0x7f || cp === 0xfffd) return false;
  }
  return true;
}

export class SyntaxError extends Error {
  constructor(message = 'invalid syntax') {
    super(message);
    this.name = 'SyntaxError';
  }
}

function hexValue(c: string): number {
  const n = Number.parseInt(c, 16);
  return Number.isNaN(n) || !/^[0-9a-fA-F]$/.test(c) ? -1 : n;
}

/**
 * strconv.UnquoteChar: decodes the first character or escape of `s` (inside a literal quoted
 * with `quote`). A `\x` or octal escape yields a byte (`isByte`), which callers assemble.
 */
export function unquoteChar(s: string, quote: string): { value: number; isByte: boolean; tail: string } {
  const first = s.codePointAt(0);
  if (first === undefined) throw new SyntaxError();
  const c = String.fromCodePoint(first);
  if (c === quote && (quote === "'" || quote === '"')) throw new SyntaxError();
  if (c !== '\\') return { value: first, isByte: false, tail: s.slice(c.length) };
  if (s.length <= 1) throw new SyntaxError();
  const e = s[1] as string;
  let tail = s.slice(2);
  switch (e) {
    case 'a':
      return { value: 7, isByte: false, tail };
    case 'b':
      return { value: 8, isByte: false, tail };
    case 'f':
      return { value: 12, isByte: false, tail };
    case 'n':
      return { value: 10, isByte: false, tail };
    case 'r':
      return { value: 13, isByte: false, tail };
    case 't':
      return { value: 9, isByte: false, tail };
    case 'v':
      return { value: 11, isByte: false, tail };
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (tail.length < n) throw new SyntaxError();
      let v = 0;
      for (let j = 0; j < n; j++) {
        const x = hexValue(tail[j] as string);
        if (x < 0) throw new SyntaxError();
        v = v * 16 + x;
      }
      tail = tail.slice(n);
      if (e === 'x') return { value: v, isByte: true, tail };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError();
      return { value: v, isByte: false, tail };
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      const digits = s.slice(1, 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new SyntaxError();
      const v = Number.parseInt(digits, 8);
      if (v > 255) throw new SyntaxError();
      return { value: v, isByte: true, tail: s.slice(4) };
    }
    case '\\':
      return { value: 0x5c, isByte: false, tail };
    case "'":
    case '"':
      if (e !== quote) throw new SyntaxError();
      return { value: e.charCodeAt(0), isByte: false, tail };
    default:
      throw new SyntaxError();
  }
}

function encodeRune(cp: number, out: number[]): void {
  const bytes = Buffer.from(String.fromCodePoint(cp), 'utf8');
  for (const b of bytes) out.push(b);
}

/** strconv.Unquote for `"..."`, `` `...` `` and `'...'` literals. */
export function unquote(literal: string): string {
  const n = literal.length;
  if (n < 2) throw new SyntaxError();
  const quote = literal[0] as string;
  if (quote !== literal[n - 1]) throw new SyntaxError();
  const body = literal.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new SyntaxError();
    return body.replaceAll('\r', '');
  }
  if (quote !== '"' && quote !== "'") throw new SyntaxError();
  if (body.includes('\n')) throw new SyntaxError();
  if (!body.includes('\\') && !body.includes(quote)) {
    if (quote === '"') return body;
    if (Array.from(body).length === 1) return body;
  }
  const bytes: number[] = [];
  let rest = body;
  let count = 0;
  while (rest.length > 0) {
    const { value, isByte, tail } = unquoteChar(rest, quote);
    if (isByte) bytes.push(value);
    else encodeRune(value, bytes);
    rest = tail;
    count++;
    if (quote === "'" && count > 1) throw new SyntaxError();
  }
  if (quote === "'" && count !== 1) throw new SyntaxError();
  return Buffer.from(bytes).toString('utf8');
}

/** strconv's underscoreOK: `_` only between digits (or after a base prefix). */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let isHex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1] as string)) {
    i = 2;
    saw = '0';
    isHex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (isHex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * strconv.ParseInt(text, 0, 64) as a bigint: decimal, `0x`, `0o`, `0b`, and a leading `0` for
 * octal, with `_` separators. Returns undefined when the text is not an integer literal.
 */
export function parseGoInt(text: string): bigint | undefined {
  if (!underscoreOK(text)) return undefined;
  let s = text.replaceAll('_', '');
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^0[bB][01]+$/.test(s) || /^0[oO][0-7]+$/.test(s)) value = BigInt(s);
  else if (/^0[0-7]*$/.test(s)) value = s.length > 1 ? BigInt(`0o${s.slice(1)}`) : 0n;
  else if (/^[1-9][0-9]*$/.test(s)) value = BigInt(s);
  else return undefined;
  if (value > 0x7fffffffffffffffn + (negative ? 1n : 0n)) return undefined;
  return negative ? -value : value;
}

/** strconv.ParseFloat(text, 64) for Go literal syntax (including hex floats). */
export function parseGoFloat(text: string): number | undefined {
  if (!underscoreOK(text)) return undefined;
  let s = text.replaceAll('_', '');
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  const hexMatch = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (hexMatch) {
    const intPart = hexMatch[1] ?? '';
    const fracPart = hexMatch[2] ?? '';
    if (intPart === '' && fracPart === '') return undefined;
    const mantissa = Number.parseInt(`${intPart}${fracPart}` || '0', 16);
    const exp = Number.parseInt(hexMatch[3] ?? '0', 10) - 4 * fracPart.length;
    return sign * mantissa * 2 ** exp;
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) {
    if (s === 'Inf' || s === 'inf' || s === 'Infinity') return sign * Infinity;
    if (s === 'NaN') return Number.NaN;
    return undefined;
  }
  return sign * Number(s);
}
