/**
 * Driver errors → Coffer errors. A database that cannot be reached (or drops the connection)
 * is an `UnavailableError` naming `host:port`; a refused login or a failed statement is an
 * `InternalError` carrying the database's own text; during `initialize` with verification
 * every failure is the caller's `UserError`. Every message goes through the plugin's
 * redactor, and the driver error is never attached as `cause` (mysql2 errors carry the SQL
 * text, passwords included).
 */
import { InternalError, UnavailableError, UserError, type AppError } from '../../../../shared/errors.js';
import type { Redactor } from './connection-url.js';

/** Socket and driver codes meaning "the server is not there (any more)". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);

/** PostgreSQL SQLSTATEs of the same kind: connection exceptions, shutdowns, too many clients. */
function unreachableSqlState(state: string): boolean {
  return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state === '53300';
}

/** MySQL error numbers of that kind (too many connections, shutdown, client-side link errors). */
const UNREACHABLE_ERRNOS = new Set([1040, 1053, 2002, 2003, 2006, 2013]);

const FRIENDLY: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
  errors?: unknown;
}

function shape(err: unknown): DriverErrorShape {
  return typeof err === 'object' && err !== null ? (err as DriverErrorShape) : {};
}

/** The first inner error of an AggregateError (Node's happy-eyeballs connect), else the error. */
function primary(err: unknown): unknown {
  const { errors } = shape(err);
  if (Array.isArray(errors) && errors.length > 0) return errors[0];
  return err;
}

/** Whether the error means the database could not be reached or the connection died. */
export function isUnreachable(err: unknown): boolean {
  const e = shape(primary(err));
  const outer = shape(err);
  for (const code of [e.code, outer.code]) {
    if (typeof code !== 'string') continue;
    if (UNREACHABLE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && unreachableSqlState(code)) return true;
  }
  if (typeof e.errno === 'number' && UNREACHABLE_ERRNOS.has(e.errno)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  // node-postgres reports these without a code.
  return /Connection terminated|connection timeout|timeout expired|Connection ended unexpectedly|not queryable|closed state/i.test(message);
}

/** The most useful text of a driver error: the database's message, or a plain network reason. */
export function describeDbError(err: unknown): string {
  const e = shape(primary(err));
  const code = typeof e.code === 'string' ? e.code : typeof shape(err).code === 'string' ? (shape(err).code as string) : '';
  const friendly = FRIENDLY[code];
  if (friendly !== undefined) return `${friendly} (${code})`;
  if (typeof e.sqlMessage === 'string' && e.sqlMessage !== '') return e.sqlMessage;
  if (typeof e.message === 'string' && e.message !== '') return e.message;
  if (code !== '') return code;
  return String(err);
}

/** `initialize` with verification failed: the caller's settings do not work. */
export function verifyFailure(err: unknown, endpoint: string, redact: Redactor): UserError {
  return new UserError(redact(`error verifying connection to ${endpoint}: ${describeDbError(err)}`));
}

/** Getting a connection failed during an operation. */
export function connectFailure(err: unknown, endpoint: string, redact: Redactor): AppError {
  const reason = redact(describeDbError(err));
  if (isUnreachable(err)) return new UnavailableError(`database at ${endpoint} is unavailable: ${reason}`);
  return new InternalError(`unable to connect to the database at ${endpoint}: ${reason}`);
}

/** A statement (or the transaction around it) failed; `what` says which. */
export function statementFailure(what: string, err: unknown, endpoint: string, redact: Redactor): AppError {
  const reason = redact(describeDbError(err));
  if (isUnreachable(err)) return new UnavailableError(`database at ${endpoint} is unavailable: ${what}: ${reason}`);
  return new InternalError(redact(`${what}: ${reason}`));
}
