/**
 * Sprig's conversions and arithmetic (`numeric.go`, with spf13/cast's conversion rules):
 * strings parse with Go's literal syntax (`0x1F`, a leading 0 is octal, `"1.0"` is 1), a value
 * that does not convert is 0, and integer arithmetic truncates toward zero like Go's int64.
 */
import { randomInt } from 'node:crypto';
import { argInt, withArity } from './func-args.js';
import { parseGoFloat, parseGoInt } from './strconv.js';
import type { TemplateFunc } from './types.js';

/** cast's trimZeroDecimal: "1.00" → "1", "1.50" unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

/** cast.ToInt64. */
export function toInt64(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const parsed = parseGoInt(trimZeroDecimal(v));
      return parsed === undefined ? 0 : Number(parsed);
    }
    default:
      return 0;
  }
}

/** cast.ToFloat64. */
export function toFloat64(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      return parseGoFloat(v) ?? 0;
    default:
      return 0;
  }
}

/** strconv.Atoi: decimal only; anything else is 0 (Sprig drops the error). */
function atoi(v: unknown): number {
  if (typeof v !== 'string') return toInt64(v);
  if (!/^[+-]?[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

function divide(a: number, b: number): number {
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  return Math.trunc(a / b) + 0;
}

function modulo(a: number, b: number): number {
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  return (a % b) + 0;
}

/** Sprig's round: to `p` decimal places, rounding up from `roundOn` (default .5). */
function round(a: unknown, p: unknown, ...rest: unknown[]): number {
  const roundOn = rest.length > 0 ? toFloat64(rest[0]) : 0.5;
  const val = toFloat64(a);
  const pow = 10 ** argInt(p);
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

const maxInt = withArity(1, Infinity, (a: unknown, ...rest: unknown[]) => rest.reduce<number>((m, b) => Math.max(m, toInt64(b)), toInt64(a)));

export const sprigNumericFuncs: Readonly<Record<string, TemplateFunc>> = {
  atoi: withArity(1, 1, atoi),
  int: withArity(1, 1, toInt64),
  int64: withArity(1, 1, toInt64),
  float64: withArity(1, 1, toFloat64),
  add1: withArity(1, 1, (a: unknown) => toInt64(a) + 1),
  add: withArity(0, Infinity, (...args: unknown[]) => args.reduce<number>((sum, b) => sum + toInt64(b), 0)),
  sub: withArity(2, 2, (a: unknown, b: unknown) => toInt64(a) - toInt64(b)),
  mul: withArity(1, Infinity, (a: unknown, ...rest: unknown[]) => rest.reduce<number>((p, b) => p * toInt64(b), toInt64(a))),
  div: withArity(2, 2, (a: unknown, b: unknown) => divide(toInt64(a), toInt64(b))),
  mod: withArity(2, 2, (a: unknown, b: unknown) => modulo(toInt64(a), toInt64(b))),
  max: maxInt,
  biggest: maxInt,
  min: withArity(1, Infinity, (a: unknown, ...rest: unknown[]) => rest.reduce<number>((m, b) => Math.min(m, toInt64(b)), toInt64(a))),
  maxf: withArity(1, Infinity, (a: unknown, ...rest: unknown[]) => rest.reduce<number>((m, b) => Math.max(m, toFloat64(b)), toFloat64(a))),
  minf: withArity(1, Infinity, (a: unknown, ...rest: unknown[]) => rest.reduce<number>((m, b) => Math.min(m, toFloat64(b)), toFloat64(a))),
  floor: withArity(1, 1, (a: unknown) => Math.floor(toFloat64(a))),
  ceil: withArity(1, 1, (a: unknown) => Math.ceil(toFloat64(a))),
  round: withArity(2, 3, round),
  randInt: withArity(2, 2, (min: unknown, max: unknown) => {
    const lo = argInt(min);
    const hi = argInt(max);
    if (hi <= lo) throw new Error('invalid argument to Intn');
    return lo + randomInt(hi - lo);
  }),
};
