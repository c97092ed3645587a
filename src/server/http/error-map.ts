/**
 * The one place where errors become HTTP statuses and Vault's `{"errors":[...]}` body.
 * Anything that is not an AppError is a bug: it is logged and answered with a bare 500
 * that reveals nothing.
 */
import { AppError, type ErrorCode } from '../../shared/errors.js';

const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  ERR_INVALID_REQUEST: 400,
  ERR_PERMISSION_DENIED: 403,
  ERR_UNSUPPORTED_PATH: 404,
  ERR_NOT_FOUND: 404,
  ERR_UNSUPPORTED_OPERATION: 405,
  ERR_CONFLICT: 409,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_RATE_LIMITED: 429,
  ERR_NOT_INITIALIZED: 400,
  ERR_INTERNAL: 500,
  ERR_SEALED: 503,
  ERR_UNAVAILABLE: 503,
};

export interface HttpError {
  status: number;
  errors: string[];
  /** True when the error is unexpected and should be logged as a bug. */
  unexpected: boolean;
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof AppError) {
    const status = STATUS_BY_CODE[err.code];
    if (err.code === 'ERR_PERMISSION_DENIED' && err.message === 'permission denied') {
      // Vault's multierror rendering for policy denials; clients match on the substring.
      const lines = ['permission denied', ...err.details].map((m) => `\t* ${m}`).join('\n');
      return { status, errors: [`${err.details.length + 1} error${err.details.length ? 's' : ''} occurred:\n${lines}\n\n`], unexpected: false };
    }
    const errors = err.message === '' ? [...err.details] : [err.message, ...err.details];
    return { status, errors, unexpected: err.code === 'ERR_INTERNAL' };
  }
  return { status: 500, errors: ['internal error'], unexpected: true };
}
