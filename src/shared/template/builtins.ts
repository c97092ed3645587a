/**
 * Go's predefined template functions: and or not len index slice print printf println
 * eq ne lt le gt ge html js urlquery call. (`and`, `or` and `call` get special treatment in the
 * executor, for short-circuiting and for error messages; the versions here serve direct calls.)
 */
import { sprint, sprintf, sprintln } from './fmt.js';
import { argString, withArity } from './func-args.js';
import type { TemplateFunc } from './types.js';
import { type GoMap, compareGoStrings, goTypeName, isTrue, kindOf, mapGet, mapKeys, utf8Length, zeroValueOf } from './values.js';
import { isPrintRune } from './strconv.js';

function and(first: unknown, ...rest: unknown[]): unknown {
  let v = first;
  if (!isTrue(v)) return v;
  for (v of rest) if (!isTrue(v)) return v;
  return v;
}

function or(first: unknown, ...rest: unknown[]): unknown {
  let v = first;
  if (isTrue(v)) return v;
  for (v of rest) if (isTrue(v)) return v;
  return v;
}

function length(item: unknown): number {
  switch (kindOf(item)) {
    case 'invalid':
      throw new Error('len of nil pointer');
    case 'string':
      return utf8Length(item as string);
    case 'slice':
      return (item as unknown[]).length;
    case 'bytes':
      return (item as Uint8Array).length;
    case 'map':
      return mapKeys(item as GoMap).length;
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

/** An index argument for a slice, array or string (Go's indexArg). */
function indexArg(index: unknown, cap: number): number {
  let x: number;
  if (typeof index === 'number' && Number.isSafeInteger(index)) x = index;
  else if (typeof index === 'bigint') x = Number(index);
  else if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  else throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function indexOne(item: unknown, index: unknown): unknown {
  switch (kindOf(item)) {
    case 'string':
    case 'slice':
    case 'bytes': {
      const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
      const list = bytes ?? (item as ArrayLike<unknown>);
      const x = indexArg(index, list.length);
      if (x >= list.length) throw new Error(`index out of range: ${x}`);
      return list[x];
    }
    case 'map': {
      if (typeof index !== 'string') {
        if (index === undefined || index === null) throw new Error('value is nil; should be of type string');
        throw new Error(`value has type ${goTypeName(index)}; should be string`);
      }
      const m = item as GoMap;
      const v = mapGet(m, index);
      return v === undefined ? zeroValueOf(m) : v;
    }
    default:
      throw new Error(`can't index item of type ${goTypeName(item)}`);
  }
}

/** index item a b c is item[a][b][c]; a missing map key gives the zero value. */
function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let v: unknown = item;
  for (const i of indexes) {
    if (v === undefined || v === null) throw new Error('index of nil pointer');
    v = indexOne(v, i);
  }
  return v;
}

/** slice x 1 2 is x[1:2]; strings slice by UTF-8 bytes. */
function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = kindOf(item);
  let len: number;
  if (kind === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Length(item as string);
  } else if (kind === 'slice' || kind === 'bytes') {
    len = (item as ArrayLike<unknown>).length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, len);
  });
  const [from, to, max] = idx as [number, number, number];
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) throw new Error(`invalid slice index: ${to} > ${max}`);
  if (kind === 'string') return Buffer.from(item as string, 'utf8').subarray(from, to).toString('utf8');
  if (kind === 'bytes') return (item as Uint8Array).slice(from, to);
  return (item as unknown[]).slice(from, to);
}

type BasicKind = 'bool' | 'number' | 'string' | 'time' | 'nil' | 'other';

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'invalid':
      return 'nil';
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    case 'time':
      return 'time';
    default:
      return 'other';
  }
}

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/**
 * eq a b c is a == b || a == c. Numbers compare by value whatever their Go type would be
 * (JavaScript cannot tell 2 from 2.0); collections are not comparable.
 */
function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 === 'nil' || k2 === 'nil') {
      truth = k1 === k2;
    } else if (k1 !== k2) {
      throw new Error('incompatible types for comparison');
    } else {
      switch (k1) {
        case 'bool':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'number':
          truth = num(arg1) === num(arg);
          break;
        case 'time':
          truth = (arg1 as Date).getTime() === (arg as Date).getTime();
          break;
        default:
          throw new Error(`non-comparable type ${goTypeName(arg1)}`);
      }
    }
    if (truth) return true;
  }
  return false;
}

function ne(a: unknown, b: unknown): boolean {
  return !eq(a, b);
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'nil' || k1 === 'other' || k2 === 'nil' || k2 === 'other') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  switch (k1) {
    case 'number':
      return num(a) < num(b);
    case 'string':
      return compareGoStrings(a as string, b as string) < 0;
    case 'time':
      return (a as Date).getTime() < (b as Date).getTime();
    default:
      throw new Error('invalid type for comparison');
  }
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function gt(a: unknown, b: unknown): boolean {
  return !le(a, b);
}

function ge(a: unknown, b: unknown): boolean {
  return !lt(a, b);
}

/** The single string argument, or fmt.Sprint of all of them (nil prints as `<no value>`). */
function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

const HTML_ESCAPES: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\uFFFD',
};

export function htmlEscapeString(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => HTML_ESCAPES[c] as string);
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
      default:
        break;
    }
    if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || isPrintRune(cp)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${goTypeName(fn)}`);
  return (fn as TemplateFunc)(...args);
}

export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', withArity(1, Infinity, and)],
  ['or', withArity(1, Infinity, or)],
  ['not', withArity(1, 1, (v: unknown) => !isTrue(v))],
  ['len', withArity(1, 1, length)],
  ['index', withArity(1, Infinity, index)],
  ['slice', withArity(1, Infinity, slice)],
  ['print', withArity(0, Infinity, (...args: unknown[]) => sprint(args))],
  ['printf', withArity(1, Infinity, (format: unknown, ...args: unknown[]) => sprintf(argString(format), args))],
  ['println', withArity(0, Infinity, (...args: unknown[]) => sprintln(args))],
  ['eq', withArity(1, Infinity, eq)],
  ['ne', withArity(2, 2, ne)],
  ['lt', withArity(2, 2, lt)],
  ['le', withArity(2, 2, le)],
  ['gt', withArity(2, 2, gt)],
  ['ge', withArity(2, 2, ge)],
  ['html', withArity(0, Infinity, (...args: unknown[]) => htmlEscapeString(evalArgs(args)))],
  ['js', withArity(0, Infinity, (...args: unknown[]) => jsEscapeString(evalArgs(args)))],
  ['urlquery', withArity(0, Infinity, (...args: unknown[]) => queryEscape(evalArgs(args)))],
  ['call', withArity(1, Infinity, call)],
]);
