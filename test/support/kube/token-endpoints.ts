/**
 * `POST .../serviceaccounts/<name>/token` (TokenRequest) and
 * `POST /apis/authentication.k8s.io/v1/tokenreviews` (TokenReview), with the apiserver's
 * validation: 10 minutes ≤ expirationSeconds ≤ 2^32, default audiences = the API
 * audiences, boundObjectRef to a Pod (running as that ServiceAccount) or a Secret.
 */
import { podsType, secretsType, serviceAccountsType } from './resources.js';
import { statusErrors, type KubeStatusError } from './status.js';
import { kubeTime, type ObjectStore } from './store.js';
import type { ObjectRef, TokenAuthentication, TokenAuthority, UserInfo } from './tokens.js';
import type { KubeObject, RequestAttributes } from './types.js';

const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 2 ** 32;

export interface TokenEndpointDeps {
  store: ObjectStore;
  authority: TokenAuthority;
  now: () => number;
  /** Authenticates a token for audiences (ServiceAccount tokens and the admin token). */
  review(token: string, audiences: readonly string[]): TokenAuthentication;
  /** Throws a 403 Status when the authorizer refuses. */
  checkAccess(user: UserInfo, attributes: RequestAttributes): void;
}

export function tokenRequest(deps: TokenEndpointDeps, user: UserInfo, namespace: string, name: string, request: KubeObject): unknown {
  const { store, authority } = deps;
  deps.checkAccess(user, {
    verb: 'create',
    group: '',
    resource: 'serviceaccounts',
    subresource: 'token',
    namespace,
    name,
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
  });
  const sa = store.get(serviceAccountsType, namespace, name);
  const spec = (request['spec'] ?? {}) as { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  const invalid = (message: string): KubeStatusError =>
    statusErrors.invalid('TokenRequest', 'authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message }]);
  if (expirationSeconds < MIN_TOKEN_SECONDS) throw invalid(`Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`);
  if (expirationSeconds > MAX_TOKEN_SECONDS) throw invalid(`Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`);
  let pod: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  const ref = spec.boundObjectRef as { kind?: string; name?: string; uid?: string } | undefined | null;
  if (ref) {
    const bound =
      ref.kind === 'Pod' ? store.get(podsType, namespace, ref.name ?? '') : ref.kind === 'Secret' ? store.get(secretsType, namespace, ref.name ?? '') : undefined;
    if (!bound) throw statusErrors.badRequest(`cannot bind token to object of type ${String(ref.kind)}`);
    const uid = bound.metadata.uid ?? '';
    if (ref.uid && ref.uid !== uid) {
      throw statusErrors.conflict(
        { group: '', resource: ref.kind === 'Pod' ? 'pods' : 'secrets' },
        ref.name ?? '',
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    if (ref.kind === 'Pod') {
      const podSa = ((bound.spec ?? {}) as Record<string, unknown>)['serviceAccountName'];
      if (podSa !== name) throw statusErrors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      pod = { name: ref.name ?? '', uid };
    } else {
      secret = { name: ref.name ?? '', uid };
    }
  }
  const minted = authority.mintBound({
    serviceAccount: { namespace, name, uid: sa.metadata.uid ?? '' },
    audiences,
    expirationSeconds,
    ...(pod ? { pod } : {}),
    ...(secret ? { secret } : {}),
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: kubeTime(deps.now()) },
    spec: {
      audiences: audiences.length > 0 ? audiences : [...authority.apiAudiences],
      expirationSeconds,
      boundObjectRef: ref ?? null,
    },
    status: { token: minted.token, expirationTimestamp: minted.expirationTimestamp },
  };
}

export function tokenReview(deps: TokenEndpointDeps, user: UserInfo, review: KubeObject): unknown {
  deps.checkAccess(user, { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', path: '/apis/authentication.k8s.io/v1/tokenreviews' });
  if (review.kind !== undefined && review.kind !== 'TokenReview') {
    throw statusErrors.badRequest(`the kind in the data (${String(review.kind)}) does not match the expected kind (TokenReview)`);
  }
  const spec = (review['spec'] ?? {}) as { token?: unknown; audiences?: unknown };
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (token === '') {
    throw statusErrors.invalid('TokenReview', 'authentication.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value' }]);
  }
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const result = deps.review(token, audiences);
  const status = result.authenticated ? { authenticated: true, user: result.user, audiences: result.audiences } : { user: {}, error: result.error };
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token, ...(audiences.length > 0 ? { audiences } : {}) },
    status,
  };
}
