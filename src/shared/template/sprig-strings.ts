/**
 * Sprig's string functions (Masterminds/sprig v3 `strings.go`, with goutils and xstrings
 * behaviour). Byte-length rules (trunc, substr, abbrev) count UTF-8 bytes like Go but never cut
 * a character in two; nospace and initials work on characters where goutils works on bytes.
 */
import { randomInt } from 'node:crypto';
import { bytesToString } from './encoding.js';
import { formatValue } from './fmt.js';
import { argInt, argString, withArity } from './func-args.js';
import { goReplaceAll, goSplitN, goTitle, isGoSpace, isLowerRune, isUpperRune, mapCase, trimCutset, trimSpace } from './go-strings.js';
import { goQuote } from './strconv.js';
import type { TemplateFunc } from './types.js';
import { compareGoStrings, kindOf, mapSet, newMap, sliceUtf8, utf8Length } from './values.js';

/** Sprig's strval: a string as is, bytes as text, anything else as %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return bytesToString(v);
  return formatValue(v);
}

/** Sprig's strslice: a list as strings (nil elements dropped); a non-list as a one-element list. */
export function strslice(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.filter((e) => e !== undefined && e !== null).map(strval);
  if (v instanceof Uint8Array) return Array.from(v, (b) => String(b));
  return [strval(v)];
}

/** goutils.AbbreviateFull. */
function abbreviateFull(str: string, offsetIn: number, maxWidth: number): string {
  if (str === '') return '';
  if (maxWidth < 4) throw new Error('stringutils illegal argument: Minimum abbreviation width is 4');
  const len = utf8Length(str);
  if (len <= maxWidth) return str;
  let offset = Math.min(offsetIn, len);
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return `${sliceUtf8(str, 0, maxWidth - 3)}...`;
  if (maxWidth < 7) throw new Error('stringutils illegal argument: Minimum abbreviation width with offset is 7');
  if (offset + maxWidth - 3 < len) return `...${abbreviateFull(sliceUtf8(str, offset), 0, maxWidth - 3)}`;
  return `...${sliceUtf8(str, len - (maxWidth - 3))}`;
}

/** goutils.WrapCustom, on characters. */
function wrapCustom(str: string, wrapLengthIn: number, newLineStr: string, wrapLongWords: boolean): string {
  if (str === '') return '';
  const nl = newLineStr === '' ? '\n' : newLineStr;
  const wrapLength = Math.max(1, wrapLengthIn);
  const chars = Array.from(str);
  const len = chars.length;
  let offset = 0;
  let out = '';
  const lastSpace = (from: number, to: number): number => {
    for (let i = Math.min(to, len) - 1; i >= from; i--) if (chars[i] === ' ') return i;
    return -1;
  };
  while (len - offset > wrapLength) {
    if (chars[offset] === ' ') {
      offset++;
      continue;
    }
    const spaceToWrapAt = lastSpace(offset, wrapLength + offset + 1);
    if (spaceToWrapAt >= offset) {
      out += chars.slice(offset, spaceToWrapAt).join('') + nl;
      offset = spaceToWrapAt + 1;
    } else if (wrapLongWords) {
      out += chars.slice(offset, offset + wrapLength).join('') + nl;
      offset += wrapLength;
    } else {
      const end = wrapLength + offset;
      const next = chars.indexOf(' ', end);
      if (next < 0) {
        out += chars.slice(offset).join('');
        offset = len;
      } else {
        out += chars.slice(offset, next).join('') + nl;
        offset = next + 1;
      }
    }
  }
  return out + chars.slice(offset).join('');
}

/**
 * goutils.SwapCase: upper to lower, lower to upper (goutils title-cases a lower-case letter
 * after a space, which is upper case for all but a handful of digraph letters).
 */
function swapCase(str: string): string {
  let out = '';
  for (const ch of str) {
    if (isUpperRune(ch)) out += mapCase(ch, false);
    else if (isLowerRune(ch)) out += mapCase(ch, true);
    else out += ch;
  }
  return out;
}

/** goutils.Uncapitalize: lower-cases the first letter of each whitespace-separated word. */
function uncapitalize(str: string): string {
  let next = true;
  let out = '';
  for (const ch of str) {
    if (isGoSpace(ch)) {
      next = true;
      out += ch;
    } else if (next) {
      out += mapCase(ch, false);
      next = false;
    } else {
      out += ch;
    }
  }
  return out;
}

function initials(str: string): string {
  let out = '';
  let lastWasGap = true;
  for (const ch of str) {
    if (isGoSpace(ch)) lastWasGap = true;
    else if (lastWasGap) {
      out += ch;
      lastWasGap = false;
    }
  }
  return out;
}

// --- xstrings word splitting (ToSnakeCase / ToKebabCase / ToPascalCase) ---

type WordType = 'invalid' | 'number' | 'upper' | 'alpha' | 'connector' | 'punct' | 'other';

const isConnector = (ch: string): boolean => ch === '-' || ch === '_' || isGoSpace(ch);
const isPunct = (ch: string): boolean => /^\p{P}$/u.test(ch);
const isAlphabet = (ch: string): boolean => /^\p{L}$/u.test(ch);
const isNumber = (ch: string): boolean => /^\p{N}$/u.test(ch);

function nextWord(chars: readonly string[], from: number): { type: WordType; end: number } {
  if (from >= chars.length) return { type: 'invalid', end: from };
  const first = chars[from] as string;
  let i = from + 1;
  const n = chars.length;
  if (isConnector(first)) {
    while (i < n && isConnector(chars[i] as string)) i++;
    return { type: 'connector', end: i };
  }
  if (isPunct(first)) {
    while (i < n && isPunct(chars[i] as string)) i++;
    return { type: 'punct', end: i };
  }
  if (isUpperRune(first)) {
    if (i >= n) return { type: 'upper', end: i };
    const second = chars[i] as string;
    if (isUpperRune(second)) {
      i++;
      while (i < n && isUpperRune(chars[i] as string)) i++;
      // "HTTPStatus" splits into "HTTP" and "Status"
      if (i < n && isAlphabet(chars[i] as string)) i--;
    } else if (isAlphabet(second)) {
      i++;
      while (i < n && isAlphabet(chars[i] as string) && !isUpperRune(chars[i] as string)) i++;
    }
    return { type: 'upper', end: i };
  }
  if (isAlphabet(first)) {
    while (i < n && isAlphabet(chars[i] as string) && !isUpperRune(chars[i] as string)) i++;
    return { type: 'alpha', end: i };
  }
  if (isNumber(first)) {
    while (i < n && isNumber(chars[i] as string)) i++;
    return { type: 'number', end: i };
  }
  while (i < n) {
    const ch = chars[i] as string;
    if (isConnector(ch) || isAlphabet(ch) || isNumber(ch) || isPunct(ch)) break;
    i++;
  }
  return { type: 'other', end: i };
}

/** xstrings camelCaseToLowerCase: FirstName → first_name, HTTPServer → http_server. */
function camelCaseToLowerCase(str: string, connector: string): string {
  if (str === '') return '';
  const chars = Array.from(str);
  let out = '';
  const toLower = (type: WordType, word: string): void => {
    if (type !== 'upper' && type !== 'connector') {
      out += word;
      return;
    }
    for (const ch of word) out += isConnector(ch) ? connector : isUpperRune(ch) ? mapCase(ch, false) : ch;
  };
  let pos = 0;
  let type: WordType = 'invalid';
  let word = '';
  const advance = (): void => {
    const w = nextWord(chars, pos);
    type = w.type;
    word = chars.slice(pos, w.end).join('');
    pos = w.end;
  };
  // the current word's type, read through a call: advance() changes it behind the compiler's back
  const wt = (): WordType => type;
  advance();
  while (pos < chars.length) {
    if (wt() !== 'connector') toLower(wt(), word);
    const prev = wt();
    const last = word;
    advance();
    switch (prev) {
      case 'number':
        while (wt() === 'alpha' || wt() === 'number') {
          toLower(wt(), word);
          advance();
        }
        if (wt() !== 'invalid' && wt() !== 'punct' && wt() !== 'connector') out += connector;
        break;
      case 'connector':
        toLower(prev, last);
        break;
      case 'punct':
        break;
      default: {
        if (wt() !== 'number') {
          if (wt() !== 'connector' && wt() !== 'punct') out += connector;
          break;
        }
        if (pos >= chars.length) break;
        const numberWord = word;
        advance();
        // a number followed by lower-case letters starts a new word ("HTTP2xx" → "http_2xx")
        if (wt() !== 'alpha') {
          toLower('number', numberWord);
          if (wt() !== 'connector' && wt() !== 'punct') out += connector;
          break;
        }
        out += connector;
        toLower('number', numberWord);
        while (wt() === 'alpha' || wt() === 'number') {
          toLower(wt(), word);
          advance();
        }
        if (wt() !== 'invalid' && wt() !== 'connector' && wt() !== 'punct') out += connector;
      }
    }
  }
  toLower(wt(), word);
  return out;
}

/** xstrings ToPascalCase (Sprig's camelcase): some_words → SomeWords. */
function toPascalCase(str: string): string {
  const chars = Array.from(str);
  if (chars.length === 0) return '';
  let out = '';
  let i = 0;
  let r0 = '';
  let isFirstRuneUpper = false;
  for (; i < chars.length; i++) {
    r0 = chars[i] as string;
    if (!isConnector(r0)) {
      isFirstRuneUpper = isUpperRune(r0);
      r0 = mapCase(r0, true);
      i++;
      break;
    }
    out += r0;
    r0 = '';
  }
  if (i >= chars.length) return out + r0;
  for (; i < chars.length; i++) {
    const r1 = r0;
    r0 = chars[i] as string;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) {
      isFirstRuneUpper = isUpperRune(r0);
      r0 = mapCase(r0, true);
    } else {
      if (isFirstRuneUpper) {
        if (isUpperRune(r0)) r0 = mapCase(r0, false);
        else isFirstRuneUpper = false;
      }
      out += r1;
    }
  }
  return out + r0;
}

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
let ASCII_PRINTABLE = '';
for (let c = 32; c < 127; c++) ASCII_PRINTABLE += String.fromCharCode(c);

/** Longest string the random-string and repeat functions build: a template must not exhaust memory. */
export const MAX_GENERATED_LENGTH = 16 * 1024 * 1024;

function randomFrom(charset: string, count: unknown): string {
  const n = argInt(count);
  if (n <= 0) return '';
  if (n > MAX_GENERATED_LENGTH) throw new Error('requested random string length is too large');
  let out = '';
  for (let i = 0; i < n; i++) out += charset[randomInt(charset.length)] as string;
  return out;
}

function shuffle(str: string): string {
  const chars = Array.from(str);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

function trunc(c: number, s: string): string {
  const len = utf8Length(s);
  if (c < 0 && len + c > 0) return sliceUtf8(s, len + c);
  if (c >= 0 && len > c) return sliceUtf8(s, 0, c);
  return s;
}

function substr(start: number, end: number, s: string): string {
  const len = utf8Length(s);
  if (start < 0) {
    if (end > len || end < 0) throw new Error('runtime error: slice bounds out of range');
    return sliceUtf8(s, 0, end);
  }
  if (end < 0 || end > len) {
    if (start > len) throw new Error('runtime error: slice bounds out of range');
    return sliceUtf8(s, start);
  }
  if (start > end) throw new Error('runtime error: slice bounds out of range');
  return sliceUtf8(s, start, end);
}

function repeat(count: number, str: string): string {
  if (count < 0) throw new Error('strings: negative Repeat count');
  if (str.length * count > MAX_GENERATED_LENGTH) throw new Error('strings: Repeat output length overflow');
  return str.repeat(count);
}

function indent(spaces: number, v: string): string {
  const pad = ' '.repeat(Math.max(0, spaces));
  return pad + v.replaceAll('\n', `\n${pad}`);
}

function splitToMap(parts: readonly string[]): Record<string, unknown> {
  const m = newMap();
  parts.forEach((p, i) => mapSet(m, `_${i}`, p));
  return m;
}

const s1 = (f: (s: string) => unknown): TemplateFunc => withArity(1, 1, (a: unknown) => f(argString(a)));
const s2 = (f: (a: string, b: string) => unknown): TemplateFunc =>
  withArity(2, 2, (a: unknown, b: unknown) => f(argString(a), argString(b)));

export const sprigStringFuncs: Readonly<Record<string, TemplateFunc>> = {
  abbrev: withArity(2, 2, (width: unknown, s: unknown) => {
    const w = argInt(width);
    const str = argString(s);
    return w < 4 ? str : abbreviateFull(str, 0, w);
  }),
  abbrevboth: withArity(3, 3, (left: unknown, right: unknown, s: unknown) => {
    const l = argInt(left);
    const r = argInt(right);
    const str = argString(s);
    if (r < 4 || (l > 0 && r < 7)) return str;
    return abbreviateFull(str, l, r);
  }),
  trunc: withArity(2, 2, (c: unknown, s: unknown) => trunc(argInt(c), argString(s))),
  trim: s1(trimSpace),
  upper: s1((s) => mapCase(s, true)),
  lower: s1((s) => mapCase(s, false)),
  title: s1(goTitle),
  untitle: s1(uncapitalize),
  substr: withArity(3, 3, (start: unknown, end: unknown, s: unknown) => substr(argInt(start), argInt(end), argString(s))),
  repeat: withArity(2, 2, (count: unknown, s: unknown) => repeat(argInt(count), argString(s))),
  trimall: s2((cutset, s) => trimCutset(s, cutset)),
  trimAll: s2((cutset, s) => trimCutset(s, cutset)),
  trimSuffix: s2((suffix, s) => (suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s)),
  trimPrefix: s2((prefix, s) => (s.startsWith(prefix) ? s.slice(prefix.length) : s)),
  nospace: s1((s) => Array.from(s).filter((ch) => !isGoSpace(ch)).join('')),
  initials: s1(initials),
  randAlphaNum: withArity(1, 1, (n: unknown) => randomFrom(ALPHA + DIGITS, n)),
  randAlpha: withArity(1, 1, (n: unknown) => randomFrom(ALPHA, n)),
  randAscii: withArity(1, 1, (n: unknown) => randomFrom(ASCII_PRINTABLE, n)),
  randNumeric: withArity(1, 1, (n: unknown) => randomFrom(DIGITS, n)),
  swapcase: s1(swapCase),
  shuffle: s1(shuffle),
  snakecase: s1((s) => camelCaseToLowerCase(s, '_')),
  camelcase: s1(toPascalCase),
  kebabcase: s1((s) => camelCaseToLowerCase(s, '-')),
  wrap: withArity(2, 2, (l: unknown, s: unknown) => wrapCustom(argString(s), argInt(l), '', false)),
  wrapWith: withArity(3, 3, (l: unknown, sep: unknown, s: unknown) => wrapCustom(argString(s), argInt(l), argString(sep), true)),
  contains: s2((substring, s) => s.includes(substring)),
  hasPrefix: s2((prefix, s) => s.startsWith(prefix)),
  hasSuffix: s2((suffix, s) => s.endsWith(suffix)),
  quote: withArity(0, Infinity, (...args: unknown[]) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => goQuote(strval(a)))
      .join(' '),
  ),
  squote: withArity(0, Infinity, (...args: unknown[]) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => `'${formatValue(a)}'`)
      .join(' '),
  ),
  cat: withArity(0, Infinity, (...args: unknown[]) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => formatValue(a))
      .join(' '),
  ),
  indent: withArity(2, 2, (spaces: unknown, v: unknown) => indent(argInt(spaces), argString(v))),
  nindent: withArity(2, 2, (spaces: unknown, v: unknown) => `\n${indent(argInt(spaces), argString(v))}`),
  replace: withArity(3, 3, (old: unknown, replacement: unknown, src: unknown) =>
    goReplaceAll(argString(src), argString(old), argString(replacement)),
  ),
  plural: withArity(3, 3, (one: unknown, many: unknown, count: unknown) => (argInt(count) === 1 ? argString(one) : argString(many))),
  toString: withArity(1, 1, strval),
  toStrings: withArity(1, 1, strslice),
  split: s2((sep, orig) => splitToMap(goSplitN(orig, sep))),
  splitList: s2((sep, orig) => goSplitN(orig, sep)),
  splitn: withArity(3, 3, (sep: unknown, n: unknown, orig: unknown) => splitToMap(goSplitN(argString(orig), argString(sep), argInt(n)))),
  join: withArity(2, 2, (sep: unknown, v: unknown) => strslice(v).join(argString(sep))),
  sortAlpha: withArity(1, 1, (list: unknown) => {
    const kind = kindOf(list);
    if (kind !== 'slice' && kind !== 'bytes') return [strval(list)];
    return strslice(list).sort(compareGoStrings);
  }),
};
