/**
 * Argument checks at the storage boundary. Callers are our own code, so a failure is a bug
 * (500), but it must reject that caller alone, before anything is queued or written.
 * Messages never include keys or values.
 */
import { InternalError, UnavailableError } from '../../shared/errors.js';
import type { PhysicalOp } from './physical.js';

// A lone surrogate would be replaced by U+FFFD on its way to UTF-8, so two different keys
// could land on one row.
const LONE_SURROGATE = /\p{Cs}/u;

export function checkKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string') throw new InternalError(`storage: ${what} must be a string`);
  if (LONE_SURROGATE.test(key)) throw new InternalError(`storage: ${what} is not well-formed Unicode`);
}

export function checkValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InternalError('storage: value must be a Uint8Array');
}

/** Validates every op and returns copies (keys and snapshots of the values), so later mutation by the caller can't change what gets written. */
export function copyOps(ops: unknown): PhysicalOp[] {
  if (!Array.isArray(ops)) throw new InternalError('storage: transaction ops must be an array');
  return ops.map((op: unknown, i): PhysicalOp => {
    if (typeof op !== 'object' || op === null) throw new InternalError(`storage: transaction op ${i} is not an object`);
    const { op: kind, key, value } = op as { op?: unknown; key?: unknown; value?: unknown };
    checkKey(key, `key of transaction op ${i}`);
    if (kind === 'delete') return { op: 'delete', key };
    if (kind !== 'put') throw new InternalError(`storage: transaction op ${i} must be 'put' or 'delete'`);
    if (!(value instanceof Uint8Array)) throw new InternalError(`storage: value of transaction op ${i} must be a Uint8Array`);
    return { op: 'put', key, value: copyBytes(value) };
  });
}

/**
 * A private copy as a plain Uint8Array. Not `value.slice()`: on a Buffer that returns a view
 * of the same memory.
 */
export function copyBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

export function closedError(): Error {
  return new UnavailableError('storage is closed');
}
