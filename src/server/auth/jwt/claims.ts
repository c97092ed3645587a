/**
 * Claim handling shared by `login` and the OIDC callback (the plugin's `claims.go` and
 * the claim checks of hashicorp/cap's `jwt.Validator`).
 *
 * Every error message here is shown to an unauthenticated caller: it names the check that
 * failed and the configured claim names, never a value taken from the token.
 */
import { globMatch } from '../../../shared/glob.js';

/** A claim check failed; `message` is safe to return. */
export class ClaimsError extends Error {
  override readonly name = 'ClaimsError';
}

export type Claims = Record<string, unknown>;

/** RFC 6901 JSON pointer lookup (`/a/b/0`, with `~1` = `/` and `~0` = `~`). */
export function jsonPointerGet(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) return undefined;
  let current: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A claim by name, or by JSON pointer when the name starts with `/` (Vault's `getClaim`). */
export function getClaim(claims: Claims, claim: string): unknown {
  const value = claim.startsWith('/')
    ? jsonPointerGet(claims, claim)
    : Object.prototype.hasOwnProperty.call(claims, claim)
      ? claims[claim]
      : undefined;
  return value === null ? undefined : value;
}

/**
 * Vault's `normalizeList`: a string, bool or number becomes a one-element list, a list
 * stays a list, anything else is refused. Numbers compare as their decimal text (Vault
 * decodes claims with `UseNumber`).
 */
export function normalizeList(raw: unknown): unknown[] | null {
  if (Array.isArray(raw)) return raw.map((v) => (typeof v === 'number' ? String(v) : v));
  if (typeof raw === 'string' || typeof raw === 'boolean') return [raw];
  if (typeof raw === 'number') return [String(raw)];
  return null;
}

/** Checks that every bound claim is present and matches one of its allowed values. */
export function validateBoundClaims(type: string, bound: Readonly<Record<string, unknown>> | null, claims: Claims): void {
  if (!bound) return;
  const useGlobs = type === 'glob';
  for (const [claim, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, claim);
    if (actual === undefined) throw new ClaimsError(`claim "${claim}" is missing`);
    const actVals = normalizeList(actual);
    if (!actVals) throw new ClaimsError(`claim "${claim}" is not a string or list`);
    const expVals = normalizeList(expected);
    if (!expVals) throw new ClaimsError(`bound claim "${claim}" is not a string or list`);
    const found = expVals.some((exp) =>
      actVals.some((act) => {
        if (!useGlobs) return act === exp;
        return typeof exp === 'string' && typeof act === 'string' && globMatch(exp, act);
      }),
    );
    if (!found) throw new ClaimsError(`claim "${claim}" does not match any associated bound claim values`);
  }
}

/** Token/alias metadata from `claim_mappings` (claim or pointer → metadata key). */
export function extractMetadata(claims: Claims, mappings: Readonly<Record<string, string>> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings ?? {})) {
    const value = getClaim(claims, source);
    if (value === undefined) continue;
    if (typeof value === 'string') out[target] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[target] = String(value);
    else throw new ClaimsError(`error converting claim '${source}' to string from unknown type ${Array.isArray(value) ? 'list' : 'object'}`);
  }
  return out;
}

export interface IdentityRole {
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  claim_mappings: Readonly<Record<string, string>> | null;
}

export interface Identity {
  userName: string;
  metadata: Record<string, string>;
  groups: string[];
}

/** Vault's `createIdentity`: the alias name (user_claim), its metadata and group aliases. */
export function createIdentity(claims: Claims, role: IdentityRole): Identity {
  // Without user_claim_json_pointer the claim name is taken literally, even if it starts with '/'.
  const userRaw = role.user_claim_json_pointer
    ? getClaim(claims, role.user_claim)
    : Object.prototype.hasOwnProperty.call(claims, role.user_claim)
      ? claims[role.user_claim]
      : undefined;
  if (userRaw === undefined || userRaw === null) throw new ClaimsError(`claim "${role.user_claim}" not found in token`);
  if (typeof userRaw !== 'string') throw new ClaimsError(`claim "${role.user_claim}" could not be converted to string`);
  if (userRaw === '') throw new ClaimsError(`claim "${role.user_claim}" is empty`);

  const metadata = extractMetadata(claims, role.claim_mappings);
  const groups: string[] = [];
  if (role.groups_claim !== '') {
    const groupsRaw = getClaim(claims, role.groups_claim);
    if (groupsRaw === undefined) throw new ClaimsError(`failed to fetch groups: "${role.groups_claim}" claim not found in token`);
    const list = Array.isArray(groupsRaw) ? groupsRaw : typeof groupsRaw === 'string' ? [groupsRaw] : null;
    if (!list) throw new ClaimsError(`"${role.groups_claim}" claim could not be converted to string list`);
    for (const g of list) {
      if (typeof g !== 'string') throw new ClaimsError(`a value in the "${role.groups_claim}" claim could not be parsed as string`);
      if (g !== '' && !groups.includes(g)) groups.push(g);
    }
  }
  return { userName: userRaw, metadata, groups };
}

export const DEFAULT_EXPIRATION_LEEWAY = 150;
export const DEFAULT_NOT_BEFORE_LEEWAY = 150;
export const DEFAULT_CLOCK_SKEW_LEEWAY = 60;

/** cap's leeway rule: negative disables (0), zero means the default, positive is used as is. */
export function effectiveLeeway(value: number, fallback: number): number {
  if (value < 0) return 0;
  if (value === 0) return fallback;
  return value;
}

/** The `aud` claim as a list (a string or a list of strings), or null when malformed. */
export function audienceOf(claims: Claims): string[] | null {
  const aud = claims['aud'];
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  return null;
}

function numericDate(claims: Claims, name: string, label: string): number {
  const v = claims[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ClaimsError(`invalid ${label} claim: not a number`);
  return Math.trunc(v);
}

export interface ExpectedClaims {
  issuer: string;
  subject: string;
  audiences: readonly string[];
  expirationLeeway: number;
  notBeforeLeeway: number;
  clockSkewLeeway: number;
  /** Seconds since the epoch. */
  now: number;
}

/**
 * The registered-claim checks of cap's `jwt.Validator.Validate`, in its order: at least one
 * of iat/nbf/exp; a missing exp is derived from iat/nbf plus the expiration leeway and a
 * missing nbf from iat (or exp minus the not-before leeway); then iss, sub, aud, exp, iat,
 * nbf, the time checks allowing the clock-skew leeway.
 */
export function validateRegisteredClaims(claims: Claims, expected: ExpectedClaims): void {
  const iat = numericDate(claims, 'iat', 'issued at (iat)');
  let exp = numericDate(claims, 'exp', 'expiration time (exp)');
  let nbf = numericDate(claims, 'nbf', 'not before (nbf)');
  if (iat === 0 && exp === 0 && nbf === 0) {
    throw new ClaimsError('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  if (exp === 0) exp = Math.max(iat, nbf) + effectiveLeeway(expected.expirationLeeway, DEFAULT_EXPIRATION_LEEWAY);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - effectiveLeeway(expected.notBeforeLeeway, DEFAULT_NOT_BEFORE_LEEWAY);
  const skew = effectiveLeeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW_LEEWAY);

  if (expected.issuer !== '' && claims['iss'] !== expected.issuer) throw new ClaimsError('invalid issuer (iss) claim');
  if (expected.subject !== '' && claims['sub'] !== expected.subject) throw new ClaimsError('invalid subject (sub) claim');
  const aud = audienceOf(claims);
  if (aud === null) throw new ClaimsError('invalid audience (aud) claim: not a string or a list of strings');
  if (expected.audiences.length > 0 && !expected.audiences.some((a) => aud.includes(a))) {
    throw new ClaimsError('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  if (expected.now - skew > exp) throw new ClaimsError('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && expected.now + skew < iat) throw new ClaimsError('invalid issued at (iat) claim: token issued in the future');
  if (expected.now + skew < nbf) throw new ClaimsError('invalid not before (nbf) claim: token not yet valid');
}

export interface ExpectedIdToken {
  issuer: string;
  clientId: string;
  /** The role's bound_audiences: when set, one of them must also be in `aud`. */
  audiences: readonly string[];
  nonce: string;
  /** Seconds; 0 = not requested. */
  maxAge: number;
  clockSkewLeeway: number;
  now: number;
}

/** The ID token checks of OIDC Core §3.1.3.7 (cap's `Provider.VerifyIDToken`). */
export function validateIdTokenClaims(claims: Claims, expected: ExpectedIdToken): void {
  const skew = effectiveLeeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW_LEEWAY);
  if (claims['iss'] !== expected.issuer) throw new ClaimsError('invalid id_token issuer (iss) claim');
  const aud = audienceOf(claims);
  if (aud === null || !aud.includes(expected.clientId)) throw new ClaimsError('invalid id_token audience (aud) claim');
  if (expected.audiences.length > 0 && !expected.audiences.some((a) => aud.includes(a))) {
    throw new ClaimsError('invalid id_token audience (aud) claim: no bound audience');
  }
  const azp = claims['azp'];
  if (azp !== undefined && azp !== expected.clientId) throw new ClaimsError('invalid id_token authorized party (azp) claim');
  const exp = numericDate(claims, 'exp', 'expiration time (exp)');
  if (exp === 0) throw new ClaimsError('id_token has no expiration time (exp) claim');
  if (expected.now - skew > exp) throw new ClaimsError('id_token is expired');
  const iat = numericDate(claims, 'iat', 'issued at (iat)');
  if (iat !== 0 && expected.now + skew < iat) throw new ClaimsError('id_token issued in the future');
  const nbf = numericDate(claims, 'nbf', 'not before (nbf)');
  if (nbf !== 0 && expected.now + skew < nbf) throw new ClaimsError('id_token not yet valid');
  if (claims['nonce'] !== expected.nonce) throw new ClaimsError('invalid ID token nonce.');
  if (expected.maxAge > 0) {
    const authTime = numericDate(claims, 'auth_time', 'authentication time (auth_time)');
    if (authTime === 0) throw new ClaimsError('id_token has no auth_time claim although max_age was requested');
    if (expected.now - skew > authTime + expected.maxAge) throw new ClaimsError('id_token auth_time is older than max_age');
  }
}

/** Decodes a verified JWS payload into a claims object. */
export function parseClaims(payload: Uint8Array): Claims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new ClaimsError('malformed token: claims are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ClaimsError('malformed token: claims are not a JSON object');
  return parsed as Claims;
}

export { globMatch };
