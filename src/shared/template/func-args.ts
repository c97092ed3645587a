/**
 * Helpers for writing template functions: declared arity (Go checks argument counts before a
 * call) and argument checks that fail with Go's messages ("wrong type for value; expected
 * string; got int"). Only types and counts appear in messages, never argument values.
 */
import type { TemplateFunc } from './types.js';
import { type GoMap, goTypeName, isMap, isGoInt, newMap } from './values.js';

const ARITY = Symbol('template.arity');

export interface Arity {
  readonly min: number;
  /** `Infinity` for a variadic function. */
  readonly max: number;
}

/** A function that declares how many arguments it takes; the executor checks before calling. */
export function withArity(min: number, max: number, fn: TemplateFunc): TemplateFunc {
  const wrapped: TemplateFunc = (...args) => fn(...args);
  Object.defineProperty(wrapped, ARITY, { value: { min, max } satisfies Arity });
  return wrapped;
}

export function arityOf(fn: TemplateFunc): Arity | undefined {
  return (fn as { [ARITY]?: Arity })[ARITY];
}

/** An argument of the wrong type: reported as Go reports it, without "error calling". */
export class ArgTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgTypeError';
  }
}

function mismatch(expected: string, v: unknown): ArgTypeError {
  if (v === undefined || v === null) return new ArgTypeError(`invalid value; expected ${expected}`);
  return new ArgTypeError(`wrong type for value; expected ${expected}; got ${goTypeName(v)}`);
}

export function argString(v: unknown): string {
  if (typeof v === 'string') return v;
  throw mismatch('string', v);
}

export function argInt(v: unknown): number {
  if (typeof v === 'number' && isGoInt(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw mismatch('int', v);
}

export function argBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw mismatch('bool', v);
}

/** A `map[string]interface{}` parameter; nil is an empty map, as a nil Go map reads. */
export function argMap(v: unknown): GoMap {
  if (v === undefined || v === null) return newMap();
  if (isMap(v)) return v;
  throw mismatch('map[string]interface {}', v);
}

export function argTime(v: unknown): Date {
  if (v instanceof Date) return v;
  throw mismatch('time.Time', v);
}

/** A `[]interface{}` parameter; nil is an empty list. */
export function argList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  throw mismatch('[]interface {}', v);
}
