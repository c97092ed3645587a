/**
 * The remote half of a login (Vault's `tokenReviewAPI.Review`): ask the cluster's
 * TokenReview API whether the JWT is valid now, and for whom.
 *
 * Fail closed: any transport error, non-2xx answer, `Status` failure, `status.error`,
 * unauthenticated result, non-ServiceAccount user or audience mismatch is a rejection.
 */
import type { KubeFetch } from './http.js';

export class TokenReviewFailed extends Error {
  /** `unavailable`: the API could not be asked (down, 5xx, reviewer not allowed); `rejected`: it said no. */
  readonly kind: 'unavailable' | 'rejected';

  constructor(kind: 'unavailable' | 'rejected', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenReviewFailed';
    this.kind = kind;
  }
}

export interface ReviewedServiceAccount {
  namespace: string;
  name: string;
  uid: string;
}

export interface ReviewRequest {
  host: string;
  caPem: string | undefined;
  /** `token_reviewer_jwt`, the local pod token, or the login JWT itself. */
  bearer: string;
  jwt: string;
  audiences: readonly string[];
  signal?: AbortSignal;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function reviewToken(fetchImpl: KubeFetch, request: ReviewRequest): Promise<ReviewedServiceAccount> {
  const body = JSON.stringify({
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    spec: { token: request.jwt, ...(request.audiences.length > 0 ? { audiences: [...request.audiences] } : {}) },
  });
  let res;
  try {
    res = await fetchImpl({
      method: 'POST',
      url: `${request.host}/apis/authentication.k8s.io/v1/tokenreviews`,
      headers: { Authorization: `Bearer ${request.bearer}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body,
      ...(request.caPem !== undefined ? { caPem: request.caPem } : {}),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
    });
  } catch (err) {
    throw new TokenReviewFailed('unavailable', `lookup failed: the TokenReview API is unreachable: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = undefined;
  }
  if (res.status === 401) {
    // With the login JWT as the bearer, the cluster refusing it is a verdict on that JWT;
    // with a reviewer JWT, it is a configuration problem.
    throw new TokenReviewFailed(
      request.bearer === request.jwt ? 'rejected' : 'unavailable',
      'lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token',
    );
  }
  if (res.status < 200 || res.status > 206) {
    const message = isObject(parsed) && typeof parsed['message'] === 'string' ? parsed['message'] : res.body.slice(0, 200);
    throw new TokenReviewFailed('unavailable', `lookup failed: the TokenReview API answered ${res.status}: ${message}`);
  }
  if (!isObject(parsed)) throw new TokenReviewFailed('unavailable', 'lookup failed: the TokenReview API answered something other than JSON');
  if (parsed['kind'] === 'Status' && parsed['status'] !== 'Success') {
    throw new TokenReviewFailed('unavailable', `lookup failed: ${String(parsed['message'] ?? parsed['reason'] ?? 'status failure')}`);
  }
  const status = isObject(parsed['status']) ? parsed['status'] : {};
  if (typeof status['error'] === 'string' && status['error'] !== '') throw new TokenReviewFailed('rejected', `lookup failed: ${status['error']}`);
  if (status['authenticated'] !== true) throw new TokenReviewFailed('rejected', 'lookup failed: service account jwt not valid');
  const user = isObject(status['user']) ? status['user'] : {};
  const username = typeof user['username'] === 'string' ? user['username'] : '';
  const parts = username.split(':');
  if (parts.length !== 4) throw new TokenReviewFailed('rejected', 'lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw new TokenReviewFailed('rejected', 'lookup failed: username returned is not a service account');
  const returned = Array.isArray(status['audiences']) ? status['audiences'].filter((a): a is string => typeof a === 'string') : [];
  if (request.audiences.length > 0 && returned.length > 0 && !returned.some((a) => request.audiences.includes(a))) {
    throw new TokenReviewFailed('rejected', 'lookup failed: the TokenReview audiences do not match the requested ones');
  }
  return { namespace: parts[2] ?? '', name: parts[3] ?? '', uid: typeof user['uid'] === 'string' ? user['uid'] : '' };
}
