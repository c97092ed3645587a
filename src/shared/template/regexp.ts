/**
 * Go regular expressions (RE2 syntax) on JavaScript's engine, for Sprig's regex functions.
 *
 * The pattern is translated, not passed through: `(?P<name>` becomes `(?<name>`, leading flag
 * groups `(?i)` `(?s)` `(?m)` become RegExp flags, `\A` `\z` `\Q..\E` `[[:alpha:]]` `\pL`
 * `\x{263a}` and octal escapes are rewritten, and `.` and `\s` keep RE2's meaning (`.` matches
 * `\r`; `\s` is ASCII only). What RE2 rejects is rejected too: backreferences, lookaround,
 * possessive quantifiers, repeat counts over 1000. Flag groups in mid-pattern (`a(?i)b`,
 * `(?i:b)`) and `(?U)` are not supported. Note that JavaScript's engine backtracks: unlike RE2,
 * a pathological pattern can take exponential time.
 *
 * find/replace/split follow Go's iteration rules (an empty match right after a match is
 * skipped) and `$1`/`${name}` expansion.
 */

export class InvalidRegexpError extends Error {
  constructor() {
    super('invalid regular expression');
    this.name = 'InvalidRegexpError';
  }
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const JS_SYNTAX = new Set(Array.from('^$\\.*+?()[]{}|/'));
const GENERAL_CATEGORY = /^(?:[CLMNPSZ]|C[cfos]|L[lmotu]|M[cen]|N[dlo]|P[cdefios]|S[ckmo]|Z[lps])$/;

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function unicodeClass(name: string, negated: boolean): string {
  let n = name;
  let neg = negated;
  if (n.startsWith('^')) {
    neg = !neg;
    n = n.slice(1);
  }
  if (n === 'Any') return neg ? '[^\\s\\S]' : '[\\s\\S]';
  const body = GENERAL_CATEGORY.test(n) ? n : `Script=${n}`;
  return `\\${neg ? 'P' : 'p'}{${body}}`;
}

interface Translated {
  readonly source: string;
  readonly flags: string;
}

/** Translates an RE2 pattern; throws InvalidRegexpError for what RE2 or this port rejects. */
export function translateRe2(pattern: string): Translated {
  let i = 0;
  const flags = new Set<string>();
  // leading flag groups: (?i) (?s) (?m) (?ims)
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i));
    if (m === null) break;
    for (const f of m[1] as string) {
      if (f === 'U') throw new InvalidRegexpError();
      flags.add(f);
    }
    i += m[0].length;
  }
  const dotAll = flags.has('s');
  const multiline = flags.has('m');
  let out = '';
  const n = pattern.length;

  /** Translates an escape at `i` (which points at the backslash); `inClass` inside [...]. */
  const escape = (inClass: boolean): string => {
    const c = pattern[i + 1];
    if (c === undefined) throw new InvalidRegexpError();
    i += 2;
    switch (c) {
      case 'A':
        if (inClass) throw new InvalidRegexpError();
        return multiline ? '(?<![\\s\\S])' : '^';
      case 'z':
        if (inClass) throw new InvalidRegexpError();
        return multiline ? '(?![\\s\\S])' : '$';
      case 'b':
      case 'B':
        if (inClass) throw new InvalidRegexpError();
        return `\\${c}`;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return `\\${c}`;
      case 's':
        return inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      case 'S':
        return inClass ? '\\S' : '[^\\t\\n\\f\\r ]';
      case 'a':
        return '\\x07';
      case 'f':
      case 't':
      case 'n':
      case 'r':
      case 'v':
        return `\\${c}`;
      case 'p':
      case 'P': {
        const negated = c === 'P';
        if (pattern[i] === '{') {
          const close = pattern.indexOf('}', i);
          if (close < 0) throw new InvalidRegexpError();
          const name = pattern.slice(i + 1, close);
          i = close + 1;
          return unicodeClass(name, negated);
        }
        const name = pattern[i];
        if (name === undefined) throw new InvalidRegexpError();
        i++;
        return unicodeClass(name, negated);
      }
      case 'x': {
        if (pattern[i] === '{') {
          const close = pattern.indexOf('}', i);
          const hex = close < 0 ? '' : pattern.slice(i + 1, close);
          if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) throw new InvalidRegexpError();
          i = close + 1;
          return codePointEscape(Number.parseInt(hex, 16));
        }
        const hex = pattern.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new InvalidRegexpError();
        i += 2;
        return codePointEscape(Number.parseInt(hex, 16));
      }
      case 'Q': {
        const end = pattern.indexOf('\\E', i);
        const literal = end < 0 ? pattern.slice(i) : pattern.slice(i, end);
        i = end < 0 ? n : end + 2;
        return Array.from(literal, (ch) => literalChar(ch, inClass)).join('');
      }
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      // a single non-zero digit would be a backreference, which RE2 does not have
      if (c !== '0' && !/[0-7]/.test(pattern[i] ?? '')) throw new InvalidRegexpError();
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(pattern[i] ?? '')) digits += pattern[i++] as string;
      return codePointEscape(Number.parseInt(digits, 8));
    }
    if (c.charCodeAt(0) < 0x80 && !isAlnum(c)) return literalChar(c, inClass);
    throw new InvalidRegexpError();
  };

  const literalChar = (ch: string, inClass: boolean): string => {
    if (JS_SYNTAX.has(ch) || (inClass && ch === '-')) return `\\${ch}`;
    return ch;
  };

  const charClass = (): string => {
    // at '['
    i++;
    let s = '[';
    if (pattern[i] === '^') {
      s += '^';
      i++;
    }
    let first = true;
    for (;;) {
      if (i >= n) throw new InvalidRegexpError();
      const c = pattern[i] as string;
      if (c === ']' && !first) {
        i++;
        return `${s}]`;
      }
      first = false;
      if (c === '[' && pattern[i + 1] === ':') {
        const close = pattern.indexOf(':]', i + 2);
        if (close < 0) throw new InvalidRegexpError();
        const name = pattern.slice(i + 2, close);
        const expansion = POSIX_CLASSES[name.startsWith('^') ? name.slice(1) : name];
        if (expansion === undefined || name.startsWith('^')) throw new InvalidRegexpError();
        s += expansion;
        i = close + 2;
        continue;
      }
      if (c === '\\') {
        s += escape(true);
        continue;
      }
      if (c === '[' || c === ']' || c === '/') {
        s += `\\${c}`;
        i++;
        continue;
      }
      const cp = pattern.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      s += ch;
      i += ch.length;
    }
  };

  while (i < n) {
    const c = pattern[i] as string;
    switch (c) {
      case '\\':
        out += escape(false);
        continue;
      case '[':
        out += charClass();
        continue;
      case '.':
        out += dotAll ? '[\\s\\S]' : '[^\\n]';
        i++;
        continue;
      case '(': {
        if (pattern[i + 1] !== '?') {
          out += '(';
          i++;
          continue;
        }
        const rest = pattern.slice(i);
        const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest);
        if (named !== null) {
          if (/^[0-9]/.test(named[1] as string)) throw new InvalidRegexpError();
          out += `(?<${named[1] as string}>`;
          i += named[0].length;
          continue;
        }
        if (rest.startsWith('(?:')) {
          out += '(?:';
          i += 3;
          continue;
        }
        // (?flags) or (?flags:...) in mid-pattern: only when they change nothing
        const flagGroup = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
        if (flagGroup !== null && !flagGroup[2] && Array.from(flagGroup[1] ?? '').every((f) => flags.has(f))) {
          out += flagGroup[3] === ':' ? '(?:' : '';
          i += flagGroup[0].length;
          continue;
        }
        throw new InvalidRegexpError();
      }
      case '{': {
        const rep = /^\{(\d+)(?:(,)(\d*))?\}/.exec(pattern.slice(i));
        if (rep === null) {
          out += '\\{';
          i++;
          continue;
        }
        const min = Number(rep[1]);
        const max = rep[3] === undefined || rep[3] === '' ? min : Number(rep[3]);
        if (min > 1000 || max > 1000 || (rep[3] !== undefined && rep[3] !== '' && max < min)) throw new InvalidRegexpError();
        out += rep[0];
        i += rep[0].length;
        if (pattern[i] === '+') throw new InvalidRegexpError();
        continue;
      }
      case '*':
      case '+':
      case '?':
        out += c;
        i++;
        if (pattern[i] === '+' || (pattern[i] === '*' && c !== '?')) throw new InvalidRegexpError();
        continue;
      case '}':
      case ']':
      case '/':
        out += `\\${c}`;
        i++;
        continue;
      default: {
        const cp = pattern.codePointAt(i) as number;
        const ch = String.fromCodePoint(cp);
        out += ch;
        i += ch.length;
      }
    }
  }
  let jsFlags = 'gu';
  if (flags.has('i')) jsFlags += 'i';
  if (multiline) jsFlags += 'm';
  return { source: out, flags: jsFlags };
}

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 256;

/** Compiles an RE2 pattern (global + unicode); throws InvalidRegexpError. */
export function compileGoRegexp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const { source, flags } = translateRe2(pattern);
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch {
    throw new InvalidRegexpError();
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

function execAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

function runeWidth(s: string, pos: number): number {
  if (pos >= s.length) return 1;
  return (s.codePointAt(pos) as number) > 0xffff ? 2 : 1;
}

/** Go's allMatches: successive non-overlapping matches; an empty match right after a match is skipped. */
export function allMatches(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  const limit = n < 0 ? Infinity : n;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < limit && pos <= s.length) {
    const m = execAt(re, s, pos);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevMatchEnd) accept = false;
      pos = start + runeWidth(s, start);
    } else {
      pos = end;
    }
    prevMatchEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (template[i] === '{') {
      const close = template.indexOf('}', i);
      const inner = close < 0 ? '' : template.slice(i + 1, close);
      if (/^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        i = close + 1;
      }
    } else {
      const word = /^[A-Za-z0-9_]+/.exec(template.slice(i));
      if (word !== null) {
        name = word[0];
        i += word[0].length;
      }
    }
    if (name === undefined) {
      out += '$'; // malformed: Go copies the '$' through
      continue;
    }
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

/** Regexp.ReplaceAllString (expanding `$1`) or ReplaceAllLiteralString. */
export function replaceAll(re: RegExp, src: string, repl: string, literal: boolean): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    const m = execAt(re, src, searchPos);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastMatchEnd, start);
    // no replacement for an empty match right after another match
    if (end > lastMatchEnd || start === 0) out += literal ? repl : expand(repl, m);
    lastMatchEnd = end;
    const width = runeWidth(src, searchPos);
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + src.slice(lastMatchEnd);
}

/** Regexp.Split(s, n). */
export function split(re: RegExp, pattern: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (pattern.length > 0 && s.length === 0) return [''];
  const matches = allMatches(re, s, n);
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of matches) {
    if (n > 0 && out.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
