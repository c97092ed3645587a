/**
 * Wrap TTLs: the `X-Vault-Wrap-TTL` / `X-Vault-Wrap-Format` headers (Vault's
 * `http/handler.go` `requestWrapInfo`), the policy bounds (`vault/acl.go`) and the choice
 * between the client's and a backend's TTL (`vault/request_handling.go`).
 */
import { PermissionDeniedError, UserError } from '../../shared/errors.js';

export const WRAP_TTL_HEADER = 'x-vault-wrap-ttl';
export const WRAP_FORMAT_HEADER = 'x-vault-wrap-format';

export type WrapFormat = 'token' | 'jwt';

/** Go's `time.Duration` limit (~292 years), in seconds. */
const MAX_DURATION_SECONDS = 9_223_372_036;

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const GO_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

function headerError(reason: string): UserError {
  return new UserError(`error parsing X-Vault-Wrap-TTL header: ${reason}`);
}

/** Go's `time.ParseDuration`, in (fractional) seconds; throws Go's message. */
function goParseDuration(input: string): number {
  const quoted = JSON.stringify(input);
  let rest = input;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw headerError(`time: invalid duration ${quoted}`);
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    GO_PART.lastIndex = at;
    const m = GO_PART.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined) {
      const missingUnit = /^(\d+\.?\d*|\.\d+)$/.test(rest.slice(at));
      throw headerError(`time: ${missingUnit ? 'missing unit in' : 'invalid'} duration ${quoted}`);
    }
    total += Number.parseFloat(m[1]) * (UNIT_SECONDS[m[2]] ?? 0);
    at = GO_PART.lastIndex;
  }
  return sign * total;
}

/**
 * Parses `X-Vault-Wrap-TTL` the way Vault does (`parseutil.ParseDurationSecond`): an
 * integer number of seconds (`"300"`), `"<n>d"`, or a Go duration (`"5m"`, `"1h30m"`).
 * Returns whole seconds; 0 (also for an absent or empty header) means "no wrapping".
 * A positive sub-second TTL becomes 1 s rather than 0, so asking for wrapping never
 * silently returns the secret in the clear. Bad or negative values are 400s with Vault's
 * messages (`error parsing X-Vault-Wrap-TTL header: …`).
 */
export function parseWrapTtl(header: string | undefined | null): number {
  if (header === undefined || header === null) return 0;
  const text = header.trim();
  if (text === '') return 0;
  let seconds: number;
  if (/^[-+]?\d+$/.test(text)) {
    seconds = Number.parseInt(text, 10);
  } else if (/^[-+]?\d+d$/.test(text)) {
    seconds = Number.parseInt(text.slice(0, -1), 10) * 86400;
  } else if (text.endsWith('d')) {
    throw headerError(`strconv.ParseInt: parsing ${JSON.stringify(text.slice(0, -1))}: invalid syntax`);
  } else {
    seconds = goParseDuration(text);
  }
  if (!Number.isFinite(seconds) || Math.abs(seconds) > MAX_DURATION_SECONDS) {
    throw headerError(`time: invalid duration ${JSON.stringify(text)}`);
  }
  if (seconds < 0) throw headerError('requested wrap ttl cannot be negative');
  if (seconds > 0 && seconds < 1) return 1;
  return Math.floor(seconds);
}

/** `X-Vault-Wrap-Format`: only `jwt` means anything; everything else is a plain token. */
export function parseWrapFormat(header: string | undefined | null): WrapFormat {
  return header === 'jwt' ? 'jwt' : 'token';
}

/** The request's wrap TTL from its (lower-cased) headers. */
export function requestWrapTtl(headers: Readonly<Record<string, string | undefined>>): number {
  return parseWrapTtl(headers[WRAP_TTL_HEADER]);
}

/**
 * The TTL Vault wraps with when both the client (`X-Vault-Wrap-TTL`) and the backend ask
 * for wrapping: the shorter one; either alone wins; 0 = no wrapping.
 */
export function combineWrapTtl(requestTtl: number, backendTtl: number): number {
  if (requestTtl <= 0) return Math.max(backendTtl, 0);
  if (backendTtl <= 0) return requestTtl;
  return Math.min(requestTtl, backendTtl);
}

/**
 * Vault's policy wrapping bounds (`acl.go` `AllowOperation`): a rule with
 * `max_wrapping_ttl` denies unwrapped requests and longer wrap TTLs; one with
 * `min_wrapping_ttl` denies unwrapped requests and shorter ones; merged bounds with
 * min > max deny everything. Vault never clamps: the TTL is returned unchanged or the
 * request is denied (403). `requested` 0 = not wrapped; 0 bounds = none.
 *
 * The ACL (`policy/acl.ts`) already applies this when `allowOperation` is given the
 * request's `wrapTtl`; this is the same rule for callers without an ACL at hand.
 */
export function effectiveWrapTtl(requested: number, policyMin: number, policyMax: number): number {
  if (policyMax > 0 && (requested <= 0 || requested > policyMax)) throw new PermissionDeniedError();
  if (policyMin > 0 && (requested <= 0 || requested < policyMin)) throw new PermissionDeniedError();
  if (policyMin > 0 && policyMax > 0 && policyMax < policyMin) throw new PermissionDeniedError();
  return requested;
}
