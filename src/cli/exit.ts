/**
 * Exit codes, in one place. They follow the Vault CLI (docs "Commands (CLI)", "Exit codes"):
 *
 *   0   success
 *   1   local error: bad flags, wrong number of arguments, unparsable data, a failed validation
 *   2   remote error: the API call failed (including "not found", connection and TLS failures)
 *   127 unknown command (mitchellh/cli)
 *
 * Some commands override this the way Vault does: `status` exits 2 when sealed and 1 on error;
 * `operator init -status` exits 2 when not initialised.
 */
import { AppError, isAppError } from '../shared/index.js';
import { isApiError } from '../api/index.js';

export const ExitCode = {
  Ok: 0,
  /** Local/terminal error: invalid flags, arguments or input. */
  LocalError: 1,
  /** Remote/server error: the request failed, or nothing was found where Vault exits 2. */
  RemoteError: 2,
  /** "No value found at ..." (Vault uses the remote-error code). */
  NotFound: 2,
  /** `status` on a sealed server. */
  Sealed: 2,
  /** `operator init -status` on an uninitialised server. */
  NotInitialized: 2,
  UnknownCommand: 127,
} as const;

/** A local usage problem (flags, arguments, data arguments): exit 1. */
export class UsageError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_REQUEST', message, options);
  }
}

/**
 * The exit code for an error that reached the command boundary: usage errors are local (1);
 * anything raised while talking to the server (`ApiError`, or another `AppError` from the
 * client such as a KV version mismatch) is remote (2); anything else is a bug and exits 1.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return ExitCode.LocalError;
  if (isApiError(err)) return ExitCode.RemoteError;
  if (isAppError(err)) return ExitCode.RemoteError;
  return ExitCode.LocalError;
}

/** The message to show for an error (never a token: `ApiError` messages name only the URL). */
export function messageFor(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
