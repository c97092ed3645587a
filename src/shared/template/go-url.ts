/**
 * Go's net/url Parse and URL.String for Sprig's `urlParse` and `urlJoin`: the URL is split
 * into scheme, opaque part, userinfo, host, path, raw query and fragment the way Go splits it
 * (not the WHATWG way, which normalises and rejects differently).
 */

export class UrlError extends Error {}

function unescape(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UrlError('invalid URL escape');
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
      continue;
    }
    for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface GoUrl {
  scheme: string;
  opaque: string;
  userinfo: string | undefined;
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
}

/** url.Parse. */
export function parseGoUrl(raw: string): GoUrl {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('invalid control character in URL');
  let rest = raw;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = unescape(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m !== null) {
    scheme = (m[1] as string).toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    throw new UrlError('missing protocol scheme');
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const url: GoUrl = { scheme, opaque: '', userinfo: undefined, host: '', path: '', rawQuery, fragment };
  if (!rest.startsWith('/') && scheme !== '') {
    url.opaque = rest;
    return url;
  }
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      url.userinfo = authority.slice(0, at);
      url.host = unescape(authority.slice(at + 1));
    } else {
      url.host = unescape(authority);
    }
  }
  url.path = unescape(rest);
  return url;
}

/** URL.Hostname(): the host without a port or IPv6 brackets. */
export function hostname(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close < 0 ? host.slice(1) : host.slice(1, close);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

type EscapeMode = 'path' | 'fragment' | 'host';

function shouldEscape(c: string, mode: EscapeMode): boolean {
  if (/[A-Za-z0-9\-_.~]/.test(c)) return false;
  if (mode === 'host') return !"!$&'()*+,;=:[]<>\"".includes(c);
  if ('$&+,/:;=@'.includes(c)) return false;
  if (mode === 'fragment') return !'?!()*'.includes(c);
  return true;
}

function escape(s: string, mode: EscapeMode): string {
  let out = '';
  for (const ch of s) {
    if (ch.length === 1 && ch.charCodeAt(0) < 0x80 && !shouldEscape(ch, mode)) {
      out += ch;
      continue;
    }
    if (mode === 'host' && ch.charCodeAt(0) >= 0x80) {
      out += ch; // Go keeps non-ASCII host names as they are
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** URL.String(). */
export function formatGoUrl(u: GoUrl): string {
  let out = '';
  if (u.scheme !== '') out += `${u.scheme}:`;
  if (u.opaque !== '') {
    out += u.opaque;
  } else {
    if (u.scheme !== '' || u.host !== '' || u.userinfo !== undefined) {
      if (u.host !== '' || u.path !== '' || u.userinfo !== undefined) out += '//';
      if (u.userinfo !== undefined) out += `${u.userinfo}@`;
      if (u.host !== '') out += escape(u.host, 'host');
    }
    const path = escape(u.path, 'path');
    if (path !== '' && !path.startsWith('/') && u.host !== '') out += '/';
    if (out === '' && (path.split('/')[0] ?? '').includes(':')) out += './';
    out += path;
  }
  if (u.rawQuery !== '') out += `?${u.rawQuery}`;
  if (u.fragment !== '') out += `#${escape(u.fragment, 'fragment')}`;
  return out;
}
