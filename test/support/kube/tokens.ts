/**
 * ServiceAccount tokens as the apiserver issues and checks them (pkg/serviceaccount):
 *
 * - bound tokens (TokenRequest): `iss` = the configured issuer, `aud`, `exp`, `iat`, `nbf`,
 *   `jti`, `sub` = `system:serviceaccount:<ns>:<name>` and the private claim
 *   `kubernetes.io: {namespace, serviceaccount:{name,uid}, pod?|secret?, node?}`;
 * - legacy Secret-based tokens: `iss` = `kubernetes/serviceaccount`, flat
 *   `kubernetes.io/serviceaccount/*` claims, no expiry, valid only while their Secret
 *   still holds them;
 * - authentication (what TokenReview and every bearer request run): signature against
 *   every current key, issuer, audiences (legacy tokens implicitly carry the API
 *   audiences), time with go-jose's one-minute leeway, and the ServiceAccount (and bound
 *   Pod/Secret) still existing with the same uid.
 *
 * Signing is synchronous (node:crypto), so controllers can mint inside store hooks.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { KubeObject } from './types.js';

export type SigningAlgorithm = 'RS256' | 'ES256';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's `jwt.DefaultLeeway`, used by the apiserver's claim validation. */
const LEEWAY_SECONDS = 60;

export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  uid: string;
}

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface BoundTokenRequest {
  serviceAccount: ServiceAccountIdentity;
  /** Default: the API audiences. */
  audiences?: readonly string[];
  /** Default 3600. */
  expirationSeconds?: number;
  /** Seconds since the epoch; default now. Lets tests mint tokens that are already expired. */
  issuedAt?: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface MintedToken {
  token: string;
  /** RFC 3339. */
  expirationTimestamp: string;
  claims: Record<string, unknown>;
}

interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function generateSigningKey(alg: SigningAlgorithm): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // The apiserver's key id: base64url(sha256(DER SubjectPublicKeyInfo)).
  const kid = b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
  return { kid, alg, privateKey, publicKey };
}

/** Header and claims of a compact JWS, unverified; undefined when it is not one. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signingInput: string; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h = '', p = '', s = ''] = parts;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    return { header: header as Record<string, unknown>, claims: claims as Record<string, unknown>, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

export class TokenAuthority {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  private readonly algorithm: SigningAlgorithm;
  private readonly now: () => number;
  /** Newest first; all verify, the first signs. */
  private keys: SigningKey[];

  constructor(options: { issuer?: string; apiAudiences?: readonly string[]; algorithm?: SigningAlgorithm; now?: () => number } = {}) {
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = options.apiAudiences && options.apiAudiences.length > 0 ? [...options.apiAudiences] : [this.issuer];
    this.algorithm = options.algorithm ?? 'RS256';
    this.now = options.now ?? Date.now;
    this.keys = [generateSigningKey(this.algorithm)];
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Adds a new signing key; tokens signed with older keys keep verifying until `dropOldKeys()`. */
  rotateKey(): void {
    this.keys = [generateSigningKey(this.algorithm), ...this.keys];
  }

  dropOldKeys(): void {
    this.keys = this.keys.slice(0, 1);
  }

  /** The verification keys as SPKI PEM (what Vault's `pem_keys` takes). */
  publicKeyPems(): string[] {
    return this.keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  }

  sign(claims: Record<string, unknown>): string {
    const key = this.keys[0];
    if (!key) throw new Error('no signing key');
    const input = `${b64url(JSON.stringify({ alg: key.alg, kid: key.kid }))}.${b64url(JSON.stringify(claims))}`;
    const signature =
      key.alg === 'RS256'
        ? sign('sha256', Buffer.from(input), key.privateKey)
        : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }

  /** A bound (TokenRequest) token. */
  mintBound(request: BoundTokenRequest): MintedToken {
    const sa = request.serviceAccount;
    const iat = request.issuedAt ?? this.nowSeconds();
    const exp = iat + (request.expirationSeconds ?? 3600);
    const kube: Record<string, unknown> = { namespace: sa.namespace };
    if (request.node) kube['node'] = { name: request.node.name, uid: request.node.uid };
    if (request.pod) kube['pod'] = { name: request.pod.name, uid: request.pod.uid };
    else if (request.secret) kube['secret'] = { name: request.secret.name, uid: request.secret.uid };
    kube['serviceaccount'] = { name: sa.name, uid: sa.uid };
    const claims: Record<string, unknown> = {
      aud: [...(request.audiences && request.audiences.length > 0 ? request.audiences : this.apiAudiences)],
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': kube,
      nbf: iat,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    };
    return { token: this.sign(claims), expirationTimestamp: new Date(exp * 1000).toISOString().replace('.000Z', 'Z'), claims };
  }

  /** A legacy Secret-based token (what the token controller puts in `data.token`). */
  mintLegacy(sa: ServiceAccountIdentity, secretName: string): string {
    return this.sign({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': sa.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': sa.name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    });
  }

  /** True when one of the current keys signed `token`. */
  verifySignature(decoded: { header: Record<string, unknown>; signingInput: string; signature: Buffer }): boolean {
    const alg = decoded.header['alg'];
    return this.keys.some((key) => {
      if (alg !== key.alg) return false;
      const data = Buffer.from(decoded.signingInput);
      return key.alg === 'RS256'
        ? verify('sha256', data, key.publicKey, decoded.signature)
        : verify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, decoded.signature);
    });
  }

  /** `/openid/v1/jwks`. */
  jwks(): { keys: JsonWebKey[] } {
    return { keys: this.keys.map((k) => ({ use: 'sig', ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg })) };
  }

  /** `/.well-known/openid-configuration`. */
  discoveryDocument(jwksUri: string): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(this.keys.map((k) => k.alg))],
    };
  }

  /** Seconds since the epoch, by this authority's clock. */
  currentTime(): number {
    return this.nowSeconds();
  }
}

// ---- authentication -----------------------------------------------------------------

/** How token validation reads the cluster's current state. */
export interface TokenLookups {
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  pod(namespace: string, name: string): KubeObject | undefined;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type TokenAuthentication =
  | { authenticated: true; user: UserInfo; audiences: string[] }
  | { authenticated: false; error: string };

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function audiencesOf(claims: Record<string, unknown>): string[] {
  const aud = claims['aud'];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

function fail(reason: string): TokenAuthentication {
  return { authenticated: false, error: `[invalid bearer token, ${reason}]` };
}

function userFor(sa: ServiceAccountIdentity, extra?: Record<string, string[]>): UserInfo {
  return {
    username: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    uid: sa.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
    ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/**
 * Authenticates a ServiceAccount token for `requestedAudiences` (empty: the API
 * audiences), as the apiserver's token authenticator does for TokenReview and requests.
 */
export function authenticateServiceAccountToken(
  authority: TokenAuthority,
  lookups: TokenLookups,
  token: string,
  requestedAudiences: readonly string[] = [],
): TokenAuthentication {
  const decoded = decodeJwt(token);
  if (!decoded) return { authenticated: false, error: 'invalid bearer token' };
  const { claims } = decoded;
  const iss = claims['iss'];
  const legacy = iss === LEGACY_ISSUER;
  if (!legacy && iss !== authority.issuer) return { authenticated: false, error: 'invalid bearer token' };
  if (!authority.verifySignature(decoded)) return fail('square/go-jose: error in cryptographic primitive');

  const tokenAudiences = audiencesOf(claims);
  const effective = tokenAudiences.length > 0 ? tokenAudiences : [...authority.apiAudiences];
  const requested = requestedAudiences.length > 0 ? [...requestedAudiences] : [...authority.apiAudiences];
  const audiences = effective.filter((a) => requested.includes(a));
  if (audiences.length === 0) {
    return fail(`token audiences ${JSON.stringify(effective)} is invalid for the target audiences ${JSON.stringify(requested)}`);
  }

  if (legacy) {
    const namespace = str(claims['kubernetes.io/serviceaccount/namespace']);
    const secretName = str(claims['kubernetes.io/serviceaccount/secret.name']);
    const name = str(claims['kubernetes.io/serviceaccount/service-account.name']);
    const uid = str(claims['kubernetes.io/serviceaccount/service-account.uid']);
    if (!namespace || !secretName || !name || !uid) return fail('service account token claims are incomplete');
    const secret = lookups.secret(namespace, secretName);
    if (!secret || secret.metadata.deletionTimestamp !== undefined) return fail('token has been invalidated');
    const stored = (secret['data'] as Record<string, unknown> | undefined)?.['token'];
    if (typeof stored !== 'string' || Buffer.from(stored, 'base64').toString('utf8') !== token) return fail("token does not match server's copy");
    const sa = lookups.serviceAccount(namespace, name);
    if (!sa) return fail(`serviceaccounts "${name}" not found`);
    if (sa.metadata.deletionTimestamp !== undefined) return fail(`ServiceAccount ${namespace}/${name} has been deleted`);
    if (sa.metadata.uid !== uid) return fail(`ServiceAccount UID (${sa.metadata.uid ?? ''}) does not match claim (${uid})`);
    return { authenticated: true, user: userFor({ namespace, name, uid }), audiences };
  }

  const now = authority.currentTime();
  const exp = claims['exp'];
  const nbf = claims['nbf'];
  const iat = claims['iat'];
  if (typeof exp === 'number' && now > exp + LEEWAY_SECONDS) return fail('service account token has expired');
  if (typeof nbf === 'number' && now < nbf - LEEWAY_SECONDS) return fail('service account token is not valid yet');
  if (typeof iat === 'number' && now < iat - LEEWAY_SECONDS) {
    return fail('service account token claims could not be validated due to unexpected validation error');
  }
  const kube = claims['kubernetes.io'];
  if (typeof kube !== 'object' || kube === null) return fail('service account token claims could not be validated due to unexpected private claim');
  const k = kube as Record<string, unknown>;
  const namespace = str(k['namespace']);
  const saRef = (k['serviceaccount'] ?? {}) as Record<string, unknown>;
  const name = str(saRef['name']);
  const uid = str(saRef['uid']);
  const sa = lookups.serviceAccount(namespace, name);
  if (!sa) return fail(`serviceaccounts "${name}" not found`);
  if (sa.metadata.deletionTimestamp !== undefined) return fail(`service account ${namespace}/${name} has been deleted`);
  if (sa.metadata.uid !== uid) return fail(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${uid})`);
  const extra: Record<string, string[]> = {};
  const secretRef = k['secret'] as Record<string, unknown> | undefined;
  if (secretRef) {
    const secret = lookups.secret(namespace, str(secretRef['name']));
    if (!secret || secret.metadata.deletionTimestamp !== undefined) return fail('service account token has been invalidated');
    if (secret.metadata.uid !== str(secretRef['uid'])) {
      return fail(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${str(secretRef['uid'])})`);
    }
  }
  const podRef = k['pod'] as Record<string, unknown> | undefined;
  if (podRef) {
    const pod = lookups.pod(namespace, str(podRef['name']));
    if (!pod || pod.metadata.deletionTimestamp !== undefined) return fail('service account token has been invalidated');
    if (pod.metadata.uid !== str(podRef['uid'])) {
      return fail(`pod UID (${pod.metadata.uid ?? ''}) does not match service account pod ref claim (${str(podRef['uid'])})`);
    }
    extra['authentication.kubernetes.io/pod-name'] = [str(podRef['name'])];
    extra['authentication.kubernetes.io/pod-uid'] = [str(podRef['uid'])];
  }
  const nodeRef = k['node'] as Record<string, unknown> | undefined;
  if (nodeRef) {
    extra['authentication.kubernetes.io/node-name'] = [str(nodeRef['name'])];
    extra['authentication.kubernetes.io/node-uid'] = [str(nodeRef['uid'])];
  }
  const jti = str(claims['jti']);
  if (jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${jti}`];
  return { authenticated: true, user: userFor({ namespace, name, uid }, extra), audiences };
}
