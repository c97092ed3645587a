/**
 * The local half of a login (Vault's `parseAndValidateJWT`): parse the ServiceAccount JWT,
 * check its signature only when `pem_keys` are configured, its issuer only when issuer
 * validation is on, `exp`/`nbf`/`iat` when present (with hashicorp/cap's 150 s leeway),
 * the role's audience, and read the ServiceAccount from the legacy or projected claims.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';

/** Signing algorithms Kubernetes' OIDC authenticator accepts (and Vault with it). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const;

/** hashicorp/cap's default leeway for exp/nbf/iat. */
export const CLAIM_LEEWAY_SECONDS = 150;

export class JwtRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtRejected';
  }
}

export interface ParsedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes a compact JWS without verifying it; rejects anything else. */
export function parseJwt(token: string): ParsedJwt {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new JwtRejected('token contains an invalid number of segments');
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new JwtRejected('token is not a JWT: malformed header or claims');
  }
  if (!isObject(header) || !isObject(claims)) throw new JwtRejected('token is not a JWT: malformed header or claims');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new JwtRejected(`unsupported signing algorithm ${JSON.stringify(alg)}`);
  }
  return { header, claims };
}

/**
 * Parses `pem_keys` (public keys or certificates, RSA or ECDSA), as Vault's
 * `parsePublicKeyPEM`. Throws with Vault's message for anything else.
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  const invalid = new Error('data does not contain any valid RSA or ECDSA public keys');
  if (!/-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(pem)) throw invalid;
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalid;
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa-pss') throw invalid;
  return key;
}

/** True when one of `keys` verifies the token's signature. */
export async function verifySignature(token: string, keys: readonly KeyObject[]): Promise<boolean> {
  for (const key of keys) {
    try {
      await compactVerify(token.trim(), key, { algorithms: [...ALLOWED_ALGORITHMS] });
      return true;
    } catch {
      // Wrong key or type for this token: try the next one.
    }
  }
  return false;
}

export function audiencesOf(claims: Record<string, unknown>): string[] {
  const aud = claims['aud'];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new JwtRejected(`malformed "${name}" claim`);
  return value;
}

export interface ClaimExpectations {
  /** Checked when set. */
  issuer?: string;
  /** Checked when set: `aud` must contain it. */
  audience?: string;
  /** Seconds since the epoch. */
  now: number;
}

/** hashicorp/cap's `ValidateAllowMissingIatNbfExp` for what Vault asks it to check. */
export function validateClaims(claims: Record<string, unknown>, expected: ClaimExpectations): void {
  if (expected.issuer !== undefined && claims['iss'] !== expected.issuer) {
    throw new JwtRejected('invalid issuer (iss) claim');
  }
  if (expected.audience !== undefined && !audiencesOf(claims).includes(expected.audience)) {
    throw new JwtRejected('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  const exp = numericClaim(claims, 'exp');
  const nbf = numericClaim(claims, 'nbf');
  const iat = numericClaim(claims, 'iat');
  if (exp !== undefined && expected.now > exp + CLAIM_LEEWAY_SECONDS) throw new JwtRejected('invalid expiration time (exp) claim: token is expired');
  if (nbf !== undefined && expected.now + CLAIM_LEEWAY_SECONDS < nbf) throw new JwtRejected('invalid not before (nbf) claim: token not yet valid');
  if (iat !== undefined && expected.now + CLAIM_LEEWAY_SECONDS < iat) throw new JwtRejected('invalid issued at (iat) claim: token issued in the future');
}

/** Who a ServiceAccount JWT says it is. */
export interface ServiceAccountClaims {
  name: string;
  namespace: string;
  uid: string;
  /** The legacy token's Secret; `''` for projected tokens. */
  secretName: string;
  audiences: string[];
}

const LEGACY = 'kubernetes.io/serviceaccount/';

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The projected claim `kubernetes.io: {namespace, serviceaccount: {name, uid}}` wins over
 * the legacy flat claims, field by field, as in Vault's `serviceAccount` accessors.
 */
export function serviceAccountFromClaims(claims: Record<string, unknown>): ServiceAccountClaims {
  const projected = claims['kubernetes.io'];
  const legacyName = str(claims[`${LEGACY}service-account.name`]);
  const legacyUid = str(claims[`${LEGACY}service-account.uid`]);
  const legacyNamespace = str(claims[`${LEGACY}namespace`]);
  const secretName = str(claims[`${LEGACY}secret.name`]);
  if (!isObject(projected)) {
    return { name: legacyName, namespace: legacyNamespace, uid: legacyUid, secretName, audiences: audiencesOf(claims) };
  }
  const sa = projected['serviceaccount'];
  return {
    name: isObject(sa) ? str(sa['name']) : legacyName,
    namespace: str(projected['namespace']),
    uid: isObject(sa) ? str(sa['uid']) : legacyUid,
    secretName,
    audiences: audiencesOf(claims),
  };
}
