/**
 * `otpauth://totp/…` key URLs (the Google Authenticator key URI format), written exactly as
 * Vault's library (pquerna/otp) writes them:
 *
 *     otpauth://totp/Vault:test@test.com?algorithm=SHA1&digits=6&issuer=Vault&period=30&secret=HTXT…
 *
 * The path is escaped like Go's `url.URL` escapes paths, the query is sorted by key and
 * escaped like `url.PathEscape` (a space is `%20`, not `+`), except that `&`, `=` and `+`
 * are escaped too: Go leaves them, which breaks the URL of an issuer such as "R&D".
 */

/** Characters Go leaves as they are in a URL path (besides letters and digits). */
const PATH_SAFE = new Set('-_.~$&+,/:;=@');
/** Characters left as they are in query values (besides letters and digits). */
const QUERY_SAFE = new Set('-_.~$:@');

function escape(text: string, safe: ReadonlySet<string>): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9]/.test(c) || safe.has(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface OtpauthKey {
  readonly issuer: string;
  readonly accountName: string;
  /** Base32, unpadded. */
  readonly secret: string;
  readonly period: number;
  readonly digits: number;
  readonly algorithm: string;
}

export function formatOtpauthUrl(key: OtpauthKey): string {
  const query = {
    algorithm: key.algorithm,
    digits: String(key.digits),
    issuer: key.issuer,
    period: String(key.period),
    secret: key.secret,
  };
  const search = Object.entries(query)
    .map(([k, v]) => `${k}=${escape(v, QUERY_SAFE)}`)
    .join('&');
  return `otpauth://totp/${escape(`${key.issuer}:${key.accountName}`, PATH_SAFE)}?${search}`;
}

/** What an `otpauth://` URL says; absent parameters are undefined. */
export interface ParsedOtpauthUrl {
  readonly issuer?: string;
  readonly accountName: string;
  readonly secret?: string;
  readonly period?: string;
  readonly digits?: string;
  readonly algorithm?: string;
}

/**
 * Reads an `otpauth://totp/` URL as Vault does: the label is `issuer:account` or just
 * `account`, and an `issuer` parameter wins over the label's. Throws an `Error` with a
 * short reason (never the URL: it holds the key).
 */
export function parseOtpauthUrl(text: string): ParsedOtpauthUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('not a valid URL');
  }
  if (url.protocol !== 'otpauth:') throw new Error('the scheme must be otpauth://');
  if (url.hostname !== 'totp') throw new Error('only otpauth://totp/ URLs are supported');
  let label: string;
  try {
    label = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw new Error('the label is not correctly percent-encoded');
  }
  const colon = label.indexOf(':');
  const params = url.searchParams;
  const value = (name: string): string | undefined => {
    const v = params.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const issuer = value('issuer') ?? (colon === -1 ? undefined : label.slice(0, colon));
  const optional = {
    ...(issuer !== undefined ? { issuer } : {}),
    ...(value('secret') !== undefined ? { secret: value('secret') as string } : {}),
    ...(value('period') !== undefined ? { period: value('period') as string } : {}),
    ...(value('digits') !== undefined ? { digits: value('digits') as string } : {}),
    ...(value('algorithm') !== undefined ? { algorithm: value('algorithm') as string } : {}),
  };
  return { accountName: colon === -1 ? label : label.slice(colon + 1), ...optional };
}
