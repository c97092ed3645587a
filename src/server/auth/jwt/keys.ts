/**
 * Where signature keys come from: static PEM keys (`jwt_validation_pubkeys`), a JWKS URL
 * (`jwks_url`), or the `jwks_uri` of an OIDC discovery document (`oidc_discovery_url`).
 *
 * Remote key sets are cached. A token whose `kid` is unknown (or that no cached key
 * verifies) triggers a refetch — that is how key rotation is picked up — but at most once
 * per `minRefreshMs`, so forged tokens cannot make the server hammer the provider. Keys
 * older than `maxAgeMs` are refreshed before use, so removed keys stop being trusted.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK, type CryptoKey, type JWK, type ProtectedHeaderParameters } from 'jose';
import { fetchJsonObject, HttpError, type HttpOptions } from './http.js';

/** Asymmetric algorithms Vault (hashicorp/cap) accepts; HMAC and `none` never are. */
export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

/** The algorithms an ID token of the OIDC flow may use when none are configured. */
export const DEFAULT_OIDC_ALGS: readonly string[] = ['RS256'];

/** A signature could not be verified; the message is safe to return (no token contents). */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

export interface VerifiedJws {
  payload: Uint8Array;
  header: ProtectedHeaderParameters;
}

export interface KeySet {
  /** Verifies the compact JWS signature of `token` with one of `algorithms`. */
  verify(token: string, algorithms: readonly string[]): Promise<VerifiedJws>;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Validates a CA bundle the way Go's `CertPool.AppendCertsFromPEM` does (at least one
 * parseable certificate) and returns the certificates it holds.
 */
export function parseCaPem(pem: string): string {
  const certs: string[] = [];
  for (const block of pem.match(CERT_BLOCK) ?? []) {
    try {
      new X509Certificate(block);
      certs.push(block);
    } catch {
      // Go skips blocks it cannot parse.
    }
  }
  if (certs.length === 0) throw new Error('could not parse CA PEM value successfully');
  return certs.join('\n');
}

/** Vault's `certutil.ParsePublicKeyPEM`: a PKIX/PKCS#1 public key or a certificate. */
export function parsePublicKeyPem(pem: string): KeyObject {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (label === undefined) throw new Error('no data found in PEM block');
  if (label.includes('PRIVATE')) throw new Error('data does not contain any valid public keys');
  let key: KeyObject;
  try {
    key = label === 'CERTIFICATE' ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    throw new Error('data does not contain any valid public keys');
  }
  if (key.type !== 'public' || !['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448'].includes(key.asymmetricKeyType ?? '')) {
    throw new Error('data does not contain any valid public keys');
  }
  return key;
}

/** The JOSE header of a compact JWS, or a SignatureError when the token is not one. */
export function decodeHeader(token: string): ProtectedHeaderParameters {
  if (token.split('.').length !== 3) throw new SignatureError('malformed token');
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new SignatureError('malformed token');
  }
}

function checkAlgorithm(header: ProtectedHeaderParameters, algorithms: readonly string[]): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !algorithms.includes(alg)) {
    throw new SignatureError('invalid algorithm (alg) header parameter: signing algorithm not allowed');
  }
  if (header.b64 === false) throw new SignatureError('malformed token');
  return alg;
}

async function tryVerify(token: string, key: KeyObject | CryptoKey | Uint8Array, algorithms: readonly string[]): Promise<VerifiedJws | null> {
  try {
    const result = await compactVerify(token, key, { algorithms: [...algorithms] });
    return { payload: result.payload, header: result.protectedHeader };
  } catch {
    return null;
  }
}

const NO_KEY = 'error verifying token signature: no known key successfully validated the token signature';

/** `jwt_validation_pubkeys`: every configured key is tried in turn. */
export class StaticKeySet implements KeySet {
  private readonly keys: readonly KeyObject[];

  constructor(pems: readonly string[]) {
    this.keys = pems.map(parsePublicKeyPem);
  }

  async verify(token: string, algorithms: readonly string[]): Promise<VerifiedJws> {
    checkAlgorithm(decodeHeader(token), algorithms);
    for (const key of this.keys) {
      const result = await tryVerify(token, key, algorithms);
      if (result) return result;
    }
    throw new SignatureError(NO_KEY);
  }
}

type Jwk = JWK & Record<string, unknown>;

/** Parses a JWKS document: `{ "keys": [ {...}, ... ] }`; private and secret members are dropped. */
export function parseJwks(doc: Record<string, unknown>): Jwk[] {
  const keys = doc['keys'];
  if (!Array.isArray(keys)) throw new HttpError('invalid JSON Web Key Set');
  const out: Jwk[] = [];
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) throw new HttpError('invalid JSON Web Key Set');
    const jwk = k as Jwk;
    if (typeof jwk.kty !== 'string') throw new HttpError('invalid JSON Web Key Set');
    if (jwk.kty === 'oct' || jwk.d !== undefined) continue;
    out.push(jwk);
  }
  return out;
}

function jwkUsable(jwk: Jwk, alg: string, kid: string | undefined): boolean {
  if (kid !== undefined && jwk.kid !== kid) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg === 'ES256') return jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (alg === 'ES384') return jwk.kty === 'EC' && jwk.crv === 'P-384';
  if (alg === 'ES512') return jwk.kty === 'EC' && jwk.crv === 'P-521';
  if (alg === 'EdDSA') return jwk.kty === 'OKP' && (jwk.crv === 'Ed25519' || jwk.crv === 'Ed448');
  return false;
}

export interface RemoteKeySetOptions {
  ca?: string;
  timeoutMs?: number;
  /** Minimum time between two fetches (default 10 s). */
  minRefreshMs?: number;
  /** Cached keys older than this are refetched before use (default 10 min). */
  maxAgeMs?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/** A JWKS URL, cached, refetched on unknown keys (rotation) and when stale. */
export class RemoteKeySet implements KeySet {
  private keys: Jwk[] | null = null;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastError = '';
  private inflight: Promise<void> | null = null;
  private imported = new WeakMap<Jwk, Map<string, Promise<CryptoKey | Uint8Array>>>();
  private readonly minRefreshMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    readonly url: string,
    private readonly options: RemoteKeySetOptions = {},
  ) {
    this.minRefreshMs = options.minRefreshMs ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Fetches the key set now (deduplicated); throws HttpError when it cannot. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = this.now();
    const http: HttpOptions = {
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
    };
    this.inflight = fetchJsonObject(this.url, http)
      .then((doc) => {
        this.keys = parseJwks(doc);
        this.fetchedAt = this.now();
        this.imported = new WeakMap();
        this.lastError = '';
      })
      .catch((err: unknown) => {
        this.lastError = err instanceof HttpError ? err.message : 'request failed';
        throw err;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private canRefresh(): boolean {
    return this.now() - this.lastAttempt >= this.minRefreshMs;
  }

  private async tryRefresh(): Promise<boolean> {
    if (!this.inflight && !this.canRefresh()) return false;
    try {
      await this.refresh();
      return true;
    } catch {
      return false;
    }
  }

  async verify(token: string, algorithms: readonly string[]): Promise<VerifiedJws> {
    const header = decodeHeader(token);
    const alg = checkAlgorithm(header, algorithms);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;

    if (this.keys === null || this.now() - this.fetchedAt >= this.maxAgeMs) await this.tryRefresh();
    if (this.keys === null) throw new SignatureError(`error verifying token signature: unable to fetch the JSON Web Key Set${this.lastError ? `: ${this.lastError}` : ''}`);

    const first = await this.verifyCached(token, alg, kid, algorithms);
    if (first) return first;
    // Unknown kid, or no cached key verifies: the provider may have rotated its keys.
    if (await this.tryRefresh()) {
      const second = await this.verifyCached(token, alg, kid, algorithms);
      if (second) return second;
    }
    throw new SignatureError(NO_KEY);
  }

  private async verifyCached(token: string, alg: string, kid: string | undefined, algorithms: readonly string[]): Promise<VerifiedJws | null> {
    for (const jwk of (this.keys ?? []).filter((k) => jwkUsable(k, alg, kid))) {
      let key: CryptoKey | Uint8Array;
      try {
        key = await this.importKey(jwk, alg);
      } catch {
        continue;
      }
      const result = await tryVerify(token, key, algorithms);
      if (result) return result;
    }
    return null;
  }

  private importKey(jwk: Jwk, alg: string): Promise<CryptoKey | Uint8Array> {
    let byAlg = this.imported.get(jwk);
    if (!byAlg) {
      byAlg = new Map();
      this.imported.set(jwk, byAlg);
    }
    let pending = byAlg.get(alg);
    if (!pending) {
      pending = importJWK(jwk, alg);
      byAlg.set(alg, pending);
    }
    return pending;
  }
}

/** The parts of an OIDC discovery document this backend uses. */
export interface ProviderMetadata {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
}

export function wellKnownUrl(discoveryUrl: string): string {
  return `${discoveryUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches `<url>/.well-known/openid-configuration` and checks it the way go-oidc does: the
 * document's `issuer` must be the configured URL, and it must name a `jwks_uri`.
 */
export async function fetchDiscovery(discoveryUrl: string, options: { ca?: string; timeoutMs?: number } = {}): Promise<ProviderMetadata> {
  const doc = await fetchJsonObject(wellKnownUrl(discoveryUrl), options);
  const str = (k: string): string | undefined => (typeof doc[k] === 'string' && doc[k] !== '' ? (doc[k] as string) : undefined);
  const issuer = str('issuer');
  if (issuer === undefined) throw new HttpError('discovery document has no issuer');
  if (issuer !== discoveryUrl) throw new HttpError('issuer did not match the issuer returned by provider');
  const jwksUri = str('jwks_uri');
  if (jwksUri === undefined) throw new HttpError('discovery document has no jwks_uri');
  const out: ProviderMetadata = { issuer, jwks_uri: jwksUri };
  const authorization = str('authorization_endpoint');
  const token = str('token_endpoint');
  const userinfo = str('userinfo_endpoint');
  if (authorization !== undefined) out.authorization_endpoint = authorization;
  if (token !== undefined) out.token_endpoint = token;
  if (userinfo !== undefined) out.userinfo_endpoint = userinfo;
  return out;
}
