/**
 * JWT-format wrapping tokens (`X-Vault-Wrap-Format: jwt`, Vault's `wrapping.go`): an ES512
 * (P-521) JWT whose `jti` is the real wrapping token. The key must be persistent (Vault
 * keeps it at `core/wrapping/jwtkey` behind the barrier) or issued JWTs stop verifying.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface WrappingJwtClaims {
  /** The wrapping token itself. */
  jti: string;
  iat: number;
  exp: number;
  nbf: number;
  /** Accessor of a wrapped token (login / token create), else `''`. */
  accessor: string;
  type: 'wrapping';
  /** The server's API address, `''` when unknown. */
  addr: string;
}

/** A new P-521 private key for wrapping JWTs. */
export function generateWrappingJwtKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
}

/** The key as a JWK JSON string, for storing behind the barrier. */
export function exportWrappingJwtKey(key: KeyObject): string {
  return JSON.stringify(key.export({ format: 'jwk' }));
}

export function importWrappingJwtKey(jwkJson: string): KeyObject {
  const key = createPrivateKey({ key: JSON.parse(jwkJson) as JsonWebKey, format: 'jwk' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp521r1') {
    throw new Error('the wrapping JWT key must be a P-521 EC key');
  }
  return key;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export function signWrappingJwt(key: KeyObject, claims: WrappingJwtClaims): string {
  const header = b64url(JSON.stringify({ alg: 'ES512', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const input = `${header}.${payload}`;
  const signature = sign('sha512', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** Vault's test for "this is a JWT, not a token": two dots, and not `x.` (a typed token prefix). */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3 && token[1] !== '.';
}

export type JwtVerification = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Verifies the signature and returns the claims (no time checks: the token's own TTL governs). */
export function verifyWrappingJwt(key: KeyObject, jwt: string): JwtVerification {
  const parts = jwt.split('.');
  const [h, p, s] = parts;
  if (parts.length !== 3 || h === undefined || p === undefined || s === undefined) {
    return { ok: false, reason: 'wrapping token could not be parsed: compact JWS format must have three parts' };
  }
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'wrapping token could not be parsed: invalid JSON' };
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'ES512') {
    return { ok: false, reason: 'wrapping token signature could not be validated: unexpected signature algorithm' };
  }
  const publicKey = createPublicKey(key);
  const valid = verify('sha512', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!valid) return { ok: false, reason: 'wrapping token signature could not be validated: error in cryptographic primitive' };
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    return { ok: false, reason: 'wrapping token could not be parsed: invalid claims' };
  }
  return { ok: true, claims: claims as Record<string, unknown> };
}

/** `sys/wrapping/pubkey`: the public point as decimal strings (Go's big.Int text). */
export function wrappingJwtPublicKey(key: KeyObject): { jwt_x: string; jwt_y: string; jwt_curve: 'p521' } {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const dec = (v: string | undefined): string => BigInt(`0x${Buffer.from(v ?? '', 'base64url').toString('hex') || '0'}`).toString(10);
  return { jwt_x: dec(jwk.x), jwt_y: dec(jwk.y), jwt_curve: 'p521' };
}
