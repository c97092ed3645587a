/**
 * Go's fmt for template values: `print`, `println`, `printf`, and how `{{.}}` prints.
 *
 * Verbs: %v %s %q %d %b %o %O %x %X %c %U %t %e %E %f %F %g %G %T %%, with flags `+ - # 0 space`,
 * width, precision, `*` and `[n]` argument indexes. Composite values print as Go prints them
 * (`[1 2]`, `map[a:1 b:2]` with sorted keys). Floats use the shortest representation for %v and
 * round-half-even on the exact binary value for explicit precisions, as strconv does.
 *
 * Not supported (printed as a bad verb, `%!x(float64=1.5)`): %b/%x on floats, %p, and Go-syntax
 * %#v for composites (which print as %v).
 */
import { goTimeString } from './go-time.js';
import { canBackquote, goQuote, goQuoteRune, isPrintRune } from './strconv.js';
import { GO_STRING, type GoMap, goTypeName, isMap, kindOf, sortedKeys } from './values.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number | undefined;
  prec: number | undefined;
}

function noFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: undefined,
    prec: undefined,
  };
}

const NO_FLAGS: Readonly<Flags> = noFlags();

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

function pad(s: string, f: Readonly<Flags>, zero = f.zero): string {
  if (f.wid === undefined || f.wid === 0) return s;
  const width = f.wid - runeCount(s);
  if (width <= 0) return s;
  if (f.minus) return s + ' '.repeat(width);
  return (zero ? '0' : ' ').repeat(width) + s;
}

/** The value a `String()`-like method gives, for values that have one. */
function stringerValue(v: unknown): string | undefined {
  if (v instanceof Date) return goTimeString(v);
  if (v instanceof Error) return v.message;
  if (isMap(v)) {
    const method = (v as { [GO_STRING]?: unknown })[GO_STRING];
    if (typeof method === 'function') return String(method.call(v));
  }
  return undefined;
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(arg)}=${printValue(arg, 'v', NO_FLAGS, 0)})`;
}

// --- integers ---

function fmtInteger(n: bigint, base: number, verb: string, f: Readonly<Flags>): string {
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && n === 0n) return pad('', f, false);
  } else if (f.zero && !f.minus && f.wid !== undefined) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = `0b${digits}`;
    else if (base === 8 && digits[0] !== '0') digits = `0${digits}`;
    else if (base === 16) digits = `${verb === 'X' ? '0X' : '0x'}${digits}`;
  }
  if (verb === 'O') digits = `0o${digits}`;
  if (negative) digits = `-${digits}`;
  else if (f.plus) digits = `+${digits}`;
  else if (f.space) digits = ` ${digits}`;
  return pad(digits, f, false);
}

function validRune(n: bigint): number {
  if (n < 0n || n > 0x10ffffn) return 0xfffd;
  const r = Number(n);
  return r >= 0xd800 && r <= 0xdfff ? 0xfffd : r;
}

function fmtIntegerVerb(value: number | bigint, verb: string, f: Readonly<Flags>): string {
  const n = BigInt(value);
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(n, 10, verb, f);
    case 'b':
      return fmtInteger(n, 2, verb, f);
    case 'o':
    case 'O':
      return fmtInteger(n, 8, verb, f);
    case 'x':
    case 'X':
      return fmtInteger(n, 16, verb, f);
    case 'c':
      return pad(String.fromCodePoint(validRune(n)), f);
    case 'q':
      return pad(goQuoteRune(validRune(n), f.plus), f);
    case 'U': {
      let hex = (n < 0n ? -n : n).toString(16).toUpperCase();
      const prec = Math.max(f.prec ?? 4, 4);
      if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
      let s = `U+${hex}`;
      if (f.sharp && n >= 0n && n <= 0x10ffffn && isPrintRune(Number(n))) s += ` '${String.fromCodePoint(Number(n))}'`;
      return pad(s, f, false);
    }
    default:
      return badVerb(verb, value);
  }
}

// --- floats (strconv.FormatFloat) ---

interface Decimal {
  /** Significant digits without trailing zeros ("" for zero). */
  d: string;
  /** Position of the decimal point: value = 0.d × 10^dp. */
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  return { d: digits.replace(/0+$/, ''), dp };
}

/** The shortest decimal that reads back as the same double (JavaScript and Go agree on it). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  return { d: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

/** Rounds to nd significant digits, ties to even (the digits are exact, so a final 5 is a tie). */
function roundDecimal(dec: Decimal, nd: number): Decimal {
  if (nd < 0) return { d: '', dp: dec.dp };
  if (nd >= dec.d.length) return dec;
  const next = dec.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === dec.d.length) up = nd > 0 && (dec.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) return { d: dec.d.slice(0, nd).replace(/0+$/, ''), dp: dec.dp };
  let i = nd - 1;
  while (i >= 0 && dec.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dec.dp + 1 };
  return { d: dec.d.slice(0, i) + String.fromCharCode(dec.d.charCodeAt(i) + 1), dp: dec.dp };
}

function fmtE(neg: boolean, dec: Decimal, prec: number, e: string): string {
  let s = neg ? '-' : '';
  s += dec.d.length === 0 ? '0' : (dec.d[0] as string);
  if (prec > 0) {
    s += '.';
    const more = dec.d.slice(1, prec + 1);
    s += more + '0'.repeat(prec - more.length);
  }
  let exp = dec.d.length === 0 ? 0 : dec.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${s}${e}${sign}${exp < 10 ? `0${exp}` : String(exp)}`;
}

function fmtF(neg: boolean, dec: Decimal, prec: number): string {
  let s = neg ? '-' : '';
  if (dec.dp > 0) {
    const m = Math.min(dec.d.length, dec.dp);
    s += dec.d.slice(0, m) + '0'.repeat(dec.dp - m);
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dec.dp + i - 1;
      s += j >= 0 && j < dec.d.length ? dec.d[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(v, fmt, prec, 64) for fmt in e, E, f, g, G. */
export function formatFloat(v: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let dec: Decimal;
  let p = prec;
  if (shortest) {
    dec = shortestDecimal(abs);
    if (fmt === 'e' || fmt === 'E') p = Math.max(dec.d.length - 1, 0);
    else if (fmt === 'f') p = Math.max(dec.d.length - dec.dp, 0);
    else p = dec.d.length;
  } else {
    const exact = exactDecimal(abs);
    if (fmt === 'e' || fmt === 'E') dec = roundDecimal(exact, p + 1);
    else if (fmt === 'f') dec = roundDecimal(exact, exact.dp + p);
    else {
      if (p === 0) p = 1;
      dec = roundDecimal(exact, p);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, dec, p, fmt);
  if (fmt === 'f') return fmtF(neg, dec, p);
  let eprec = p;
  if (eprec > dec.d.length && dec.d.length >= dec.dp) eprec = dec.d.length;
  if (shortest) eprec = 6;
  const exp = dec.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (p > dec.d.length) p = dec.d.length;
    return fmtE(neg, dec, p - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (p > dec.dp) p = dec.d.length;
  return fmtF(neg, dec, Math.max(p - dec.dp, 0));
}

function fmtFloat(v: number, verb: string, f: Readonly<Flags>): string {
  let conv: 'e' | 'E' | 'f' | 'g' | 'G';
  let prec: number;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      conv = verb === 'G' ? 'G' : 'g';
      prec = -1;
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      conv = verb === 'F' ? 'f' : (verb as 'e' | 'E' | 'f');
      prec = 6;
      break;
    default:
      return badVerb(verb, v);
  }
  if (f.prec !== undefined) prec = f.prec;
  let num = formatFloat(v, conv, prec);
  if (num[0] !== '-' && num[0] !== '+') num = `+${num}`;
  if (f.space && num[0] === '+' && !f.plus) num = ` ${num.slice(1)}`;
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, f, false);
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.wid !== undefined && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

// --- strings and bytes ---

function truncateRunes(s: string, prec: number | undefined): string {
  if (prec === undefined) return s;
  const chars = Array.from(s);
  return chars.length > prec ? chars.slice(0, prec).join('') : s;
}

function fmtHexBytes(bytes: Uint8Array, f: Readonly<Flags>, upper: boolean): string {
  let length = bytes.length;
  if (f.prec !== undefined && f.prec < length) length = f.prec;
  if (length === 0) return f.wid !== undefined ? ' '.repeat(f.wid) : '';
  const prefix = upper ? '0X' : '0x';
  let s = f.sharp ? prefix : '';
  for (let i = 0; i < length; i++) {
    if (f.space && i > 0) s += f.sharp ? ` ${prefix}` : ' ';
    const h = (bytes[i] as number).toString(16).padStart(2, '0');
    s += upper ? h.toUpperCase() : h;
  }
  return pad(s, f, false);
}

function fmtQ(s: string, f: Readonly<Flags>): string {
  const t = truncateRunes(s, f.prec);
  if (f.sharp && canBackquote(t)) return pad(`\`${t}\``, f);
  return pad(goQuote(t, f.plus), f);
}

function fmtString(s: string, verb: string, f: Readonly<Flags>): string {
  switch (verb) {
    case 'v':
      return f.sharpV ? pad(goQuote(s), f) : pad(truncateRunes(s, f.prec), f);
    case 's':
      return pad(truncateRunes(s, f.prec), f);
    case 'x':
    case 'X':
      return fmtHexBytes(Buffer.from(s, 'utf8'), f, verb === 'X');
    case 'q':
      return fmtQ(s, f);
    default:
      return badVerb(verb, s);
  }
}

function fmtBytes(b: Uint8Array, verb: string, f: Readonly<Flags>): string {
  switch (verb) {
    case 's':
      return pad(truncateRunes(Buffer.from(b).toString('utf8'), f.prec), f);
    case 'q':
      return fmtQ(Buffer.from(b).toString('utf8'), f);
    case 'x':
    case 'X':
      return fmtHexBytes(b, f, verb === 'X');
    default:
      return `[${Array.from(b, (x) => fmtIntegerVerb(x, verb, f)).join(' ')}]`;
  }
}

function fmtBool(b: boolean, verb: string, f: Readonly<Flags>): string {
  if (verb === 't' || verb === 'v') return pad(b ? 'true' : 'false', f);
  return badVerb(verb, b);
}

/** Formats one value with a verb (Go's printValue; `depth` > 0 inside composites). */
function printValue(v: unknown, verb: string, f: Readonly<Flags>, depth: number): string {
  const asString = stringerValue(v);
  if (asString !== undefined) {
    if (verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') return fmtString(asString, verb === 'v' ? 's' : verb, f);
    return badVerb(verb, v);
  }
  switch (kindOf(v)) {
    case 'invalid':
      return depth > 0 ? '<nil>' : verb === 'v' ? pad('<nil>', f) : badVerb(verb, v);
    case 'bool':
      return fmtBool(v as boolean, verb, f);
    case 'int':
      return fmtIntegerVerb(v as number | bigint, verb, f);
    case 'float':
      return fmtFloat(v as number, verb, f);
    case 'string':
      return fmtString(v as string, verb, f);
    case 'bytes':
      return fmtBytes(v as Uint8Array, verb, f);
    case 'slice':
      return `[${(v as unknown[]).map((e) => printValue(e, verb, f, depth + 1)).join(' ')}]`;
    case 'map': {
      const m = v as GoMap;
      const parts = sortedKeys(m).map((k) => `${printValue(k, verb, f, depth + 1)}:${printValue(m[k], verb, f, depth + 1)}`);
      return `map[${parts.join(' ')}]`;
    }
    case 'func':
      return verb === 'v' ? pad('func', f) : badVerb(verb, v);
    case 'time':
      return badVerb(verb, v);
  }
}

function printArg(arg: unknown, verb: string, f: Readonly<Flags>): string {
  if (arg === undefined || arg === null) return verb === 'T' || verb === 'v' ? pad('<nil>', f) : badVerb(verb, arg);
  if (verb === 'T') return pad(goTypeName(arg), f);
  if (verb === 'p') return badVerb(verb, arg);
  return printValue(arg, verb, f, 0);
}

/** `%v` of one value, as `{{.}}` and `print` show it. */
export function formatValue(v: unknown): string {
  return printArg(v, 'v', NO_FLAGS);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += printArg(arg, 'v', NO_FLAGS);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => printArg(a, 'v', NO_FLAGS)).join(' ')}\n`;
}

function parseNum(format: string, start: number): { num: number | undefined; next: number } {
  let i = start;
  let num = 0;
  let found = false;
  while (i < format.length && format.charCodeAt(i) >= 0x30 && format.charCodeAt(i) <= 0x39) {
    if (num > 1e6) return { num: undefined, next: format.length }; // absurd width: Go gives up too
    num = num * 10 + (format.charCodeAt(i) - 0x30);
    found = true;
    i++;
  }
  return { num: found ? num : undefined, next: i };
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f = noFlags();
    let goodArgNum = true;
    let afterIndex = false;
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    // Go's argNumber: an explicit "[n]" argument index
    const argNumber = (): void => {
      if (i >= end || format[i] !== '[') return;
      reordered = true;
      let width = 1;
      let ok = false;
      let index = 0;
      const close = format.indexOf(']', i + 1);
      if (end - i >= 3 && close >= 0) {
        width = close - i + 1;
        const parsed = parseNum(format.slice(0, close), i + 1);
        if (parsed.num !== undefined && parsed.next === close) {
          ok = true;
          index = parsed.num - 1;
        }
      }
      if (ok && index >= 0 && index < args.length) argNum = index;
      else goodArgNum = false;
      i += width;
      afterIndex = ok;
    };
    const intFromArg = (): number | undefined => {
      if (argNum >= args.length) return undefined;
      const a = args[argNum++];
      if (typeof a !== 'number' || !Number.isInteger(a) || Math.abs(a) > 1e6) return undefined;
      return a;
    };
    argNumber();
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      if (w === undefined) out += '%!(BADWIDTH)';
      else if (w < 0) {
        f.wid = -w;
        f.minus = true;
        f.zero = false;
      } else f.wid = w;
      afterIndex = false;
    } else {
      const parsed = parseNum(format, i);
      f.wid = parsed.num;
      i = parsed.next;
      if (afterIndex && f.wid !== undefined) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const p = intFromArg();
        if (p === undefined || p < 0) out += '%!(BADPREC)';
        else f.prec = p;
        afterIndex = false;
      } else {
        const parsed = parseNum(format, i);
        f.prec = parsed.num ?? 0;
        i = parsed.next;
      }
    }
    if (!afterIndex) argNumber();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'v') {
      f.sharpV = f.sharp;
      f.sharp = false;
      f.plusV = f.plus;
      f.plus = false;
    }
    out += printArg(args[argNum], verb, f);
    argNum++;
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
