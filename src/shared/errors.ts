/**
 * The one error hierarchy. Code throws these; each surface maps them in one place
 * (HTTP: server/http/error-map.ts, CLI: cli/exit.ts, operator: conditions).
 *
 * Messages are shown to users: they must never contain a secret value, token or key.
 */

export type ErrorCode =
  | 'ERR_INVALID_REQUEST' // the caller sent something wrong: 400
  | 'ERR_PERMISSION_DENIED' // 403
  | 'ERR_UNSUPPORTED_PATH' // no such route: 404
  | 'ERR_NOT_FOUND' // a resource that does not exist: 404
  | 'ERR_UNSUPPORTED_OPERATION' // route exists, verb does not: 405
  | 'ERR_CONFLICT' // 409
  | 'ERR_PAYLOAD_TOO_LARGE' // 413
  | 'ERR_UNSUPPORTED_MEDIA_TYPE' // 415
  | 'ERR_RATE_LIMITED' // 429
  | 'ERR_SEALED' // 503
  | 'ERR_NOT_INITIALIZED' // 501 on health, 400 elsewhere
  | 'ERR_UNAVAILABLE' // 503, temporarily unable to serve (e.g. kv upgrade)
  | 'ERR_INTERNAL'; // 500, a bug or a broken dependency

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra messages, rendered as further entries of Vault's `errors` array. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details ?? [];
  }
}

/** A mistake in the caller's input (Vault's `logical.ErrorResponse`): 400. */
export class UserError extends AppError {
  constructor(message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super('ERR_INVALID_REQUEST', message, options);
  }
}

export class PermissionDeniedError extends AppError {
  constructor(message = 'permission denied', options?: { details?: readonly string[] }) {
    super('ERR_PERMISSION_DENIED', message, options);
  }
}

export class UnsupportedPathError extends AppError {
  constructor(message = 'unsupported path') {
    super('ERR_UNSUPPORTED_PATH', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = '') {
    super('ERR_NOT_FOUND', message);
  }
}

export class UnsupportedOperationError extends AppError {
  constructor(message = 'unsupported operation') {
    super('ERR_UNSUPPORTED_OPERATION', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('ERR_CONFLICT', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'http: request body too large') {
    super('ERR_PAYLOAD_TOO_LARGE', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED_MEDIA_TYPE', message);
  }
}

export class SealedError extends AppError {
  constructor() {
    super('ERR_SEALED', 'Vault is sealed');
  }
}

export class NotInitializedError extends AppError {
  constructor() {
    super('ERR_NOT_INITIALIZED', 'Vault is not initialized');
  }
}

export class UnavailableError extends AppError {
  constructor(message: string) {
    super('ERR_UNAVAILABLE', message);
  }
}

export class InternalError extends AppError {
  constructor(message = 'internal error', options?: { cause?: unknown }) {
    super('ERR_INTERNAL', message, options);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Message of any thrown value, for logs (never for secret-bearing errors). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
