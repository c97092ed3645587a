/**
 * Keeping secrets out of what the engine returns: the connection settings on read, and
 * the messages of errors thrown by plugins (which promise never to include a password —
 * this is the belt to that pair of braces).
 */
import { AppError, InternalError, UnavailableError, UserError, errorMessage, isAppError } from '../../../shared/errors.js';

/** Connection settings never shown on read (Vault strips `password` and `private_key`). */
export const SECRET_CONNECTION_KEYS: readonly string[] = ['password', 'private_key', 'tls_certificate_key'];

/** Vault's warning when a literal password sits in `connection_url`. */
export const URL_PASSWORD_WARNING =
  'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.';

const URL_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@?#]*?):([^/?#]*)@/;

/** True when `url` carries a literal password (anything but the `{{password}}` marker). */
export function urlHasLiteralPassword(url: string): boolean {
  const m = URL_USERINFO.exec(url);
  return m !== null && m[3] !== undefined && m[3] !== '' && m[3] !== '{{password}}';
}

/** Go's `url.URL.Redacted()`: a literal password becomes `xxxxx`; templated URLs are left alone. */
export function redactConnectionUrl(url: string): string {
  if (!urlHasLiteralPassword(url)) return url;
  return url.replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:xxxxx@`);
}

/** The connection settings as `config/:name` shows them. */
export function publicConnectionDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_CONNECTION_KEYS.includes(key)) continue;
    out[key] = key === 'connection_url' && typeof value === 'string' ? redactConnectionUrl(value) : value;
  }
  return out;
}

/** Replaces every occurrence of each (non-trivial) secret in `text`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * An error from a plugin call, with `prefix` prepended and secrets scrubbed, keeping the
 * HTTP class of the plugin's error (400 bad settings, 503 unreachable, 500 otherwise).
 */
export function pluginFailure(err: unknown, prefix: string, secrets: readonly (string | undefined)[]): AppError {
  const message = prefix + scrubSecrets(errorMessage(err), secrets);
  if (isAppError(err)) {
    switch (err.code) {
      case 'ERR_INVALID_REQUEST':
        return new UserError(message);
      case 'ERR_UNAVAILABLE':
        return new UnavailableError(message);
      default:
        return new InternalError(message);
    }
  }
  return new InternalError(message);
}
