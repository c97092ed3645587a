/**
 * `connection_url` templating (Vault's `connutil`): only `{{username}}` and `{{password}}`
 * are substituted, URL path-escaped the way Go's `url.PathEscape` does unless
 * `disable_escaping` is set (MySQL never escapes the password) — plus the redactor that keeps
 * those credentials out of every error message.
 */

const HEX = '0123456789ABCDEF';

/** Bytes Go's `url.PathEscape` leaves alone: unreserved characters and `$&+:=@`. */
function keepsByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    '-_.~$&+:=@'.includes(String.fromCharCode(byte))
  );
}

/** Go's `url.PathEscape`: UTF-8 bytes outside the kept set become `%XX` (upper-case hex). */
export function goPathEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += keepsByte(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Whether a string holds one of the connection URL's template variables. */
export function containsCredentialMarker(value: string): boolean {
  return value.includes('{{username}}') || value.includes('{{password}}');
}

export interface RenderOptions {
  escapeUsername: boolean;
  escapePassword: boolean;
}

/**
 * Substitutes the credentials into the URL template. One pass, so a password that happens to
 * contain `{{username}}` is inserted literally.
 */
export function renderConnectionUrl(
  template: string,
  credentials: { username: string; password: string },
  options: RenderOptions,
): string {
  const username = options.escapeUsername ? goPathEscape(credentials.username) : credentials.username;
  const password = options.escapePassword ? goPathEscape(credentials.password) : credentials.password;
  return template.replace(/\{\{(username|password)\}\}/g, (_marker, key: string) => (key === 'username' ? username : password));
}

/** What a secret is replaced with in messages (Vault's error sanitizer uses the same text). */
export const REDACTED = '[password]';

/** A function that replaces secrets, and the forms they take inside URLs, with `[password]`. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for the given secrets: each one raw, path-escaped and
 * component-encoded (the forms it can take in a connection string or a driver's message).
 * Empty secrets are ignored. Every occurrence of any form is found in the original text
 * first and each covered run replaced once, so overlapping secrets are removed whole.
 */
export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret === '') continue;
    forms.add(secret);
    forms.add(goPathEscape(secret));
    try {
      forms.add(encodeURIComponent(secret));
    } catch {
      // a lone surrogate has no URI form, so it cannot appear in one either
    }
  }
  if (forms.size === 0) return (text) => text;
  return (text) => {
    const covered = new Uint8Array(text.length);
    let any = false;
    for (const form of forms) {
      for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) {
        covered.fill(1, at, at + form.length);
        any = true;
      }
    }
    if (!any) return text;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (covered[i] === 0) {
        out += text[i];
      } else if (i === 0 || covered[i - 1] === 0) {
        out += REDACTED;
      }
    }
    return out;
  };
}
