/**
 * The one error the API client throws. Shaped like the Go client's `ResponseError`:
 * `Error making API request.\n\nURL: GET <url>\nCode: 403. Errors:\n\n* permission denied`.
 *
 * The message names the method, the URL (credentials stripped) and the server's `errors`;
 * it never contains the client token or any request body.
 */
import { AppError, type ErrorCode } from '../shared/index.js';

/** Status 0 means the request never got an HTTP response (connection refused, TLS, timeout). */
export const STATUS_CONNECTION_FAILED = 0;

export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case STATUS_CONNECTION_FAILED:
      return 'ERR_UNAVAILABLE';
    case 400:
      return 'ERR_INVALID_REQUEST';
    case 403:
      return 'ERR_PERMISSION_DENIED';
    case 404:
      return 'ERR_NOT_FOUND';
    case 405:
      return 'ERR_UNSUPPORTED_OPERATION';
    case 409:
      return 'ERR_CONFLICT';
    case 413:
      return 'ERR_PAYLOAD_TOO_LARGE';
    case 415:
      return 'ERR_UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'ERR_RATE_LIMITED';
    case 501:
      return 'ERR_NOT_INITIALIZED';
    case 503:
      return 'ERR_SEALED';
    default:
      return 'ERR_INTERNAL';
  }
}

export interface ApiErrorInit {
  /** HTTP status, or 0 when no response was received. */
  status: number;
  /** The server's `errors` array (or the raw body when it was not JSON). */
  errors: readonly string[];
  method: string;
  /** Full request URL, without credentials. */
  url: string;
  /** True when the body could not be decoded as `{"errors": [...]}`. */
  rawError?: boolean;
  /** Namespace echoed by the server, shown like the Go client does. */
  namespace?: string;
  /** Overrides the Vault-style message (used for connection failures). */
  message?: string;
  cause?: unknown;
}

export class ApiError extends AppError {
  readonly status: number;
  readonly errors: readonly string[];
  readonly method: string;
  readonly url: string;
  /** The URL path, e.g. `/v1/secret/data/foo`. */
  readonly path: string;
  readonly rawError: boolean;

  constructor(init: ApiErrorInit) {
    super(errorCodeForStatus(init.status), init.message ?? formatApiErrorMessage(init), {
      details: init.errors,
      ...(init.cause === undefined ? {} : { cause: init.cause }),
    });
    this.status = init.status;
    this.errors = [...init.errors];
    this.method = init.method;
    this.url = init.url;
    this.path = pathOf(init.url);
    this.rawError = init.rawError ?? false;
  }

  /** True when the server answered (as opposed to a connection failure). */
  get isHttpError(): boolean {
    return this.status !== STATUS_CONNECTION_FAILED;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The Go client's `ResponseError.Error()` text. */
export function formatApiErrorMessage(init: ApiErrorInit): string {
  const label = init.rawError === true ? 'Raw Message' : 'Errors';
  const ns = init.namespace !== undefined && init.namespace !== '' && init.namespace !== 'root/' ? `Namespace: ${init.namespace}\n` : '';
  let out = `Error making API request.\n\n${ns}URL: ${init.method} ${init.url}\nCode: ${init.status}. ${label}:\n\n`;
  if (init.rawError === true && init.errors.length === 1) out += init.errors[0] ?? '';
  else out += init.errors.map((e) => `* ${e}`).join('\n');
  return out;
}

/** Removes `user:password@` from a URL so it can be shown. */
export function redactUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.toString();
  const copy = new URL(url.toString());
  copy.username = '';
  copy.password = '';
  return copy.toString();
}
