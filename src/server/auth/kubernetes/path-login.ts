/**
 * `POST auth/<mount>/login {role, jwt}` (Vault's `path_login.go`):
 *
 * 1. the role must exist (400 `invalid role name "x"`), the caller must be inside the
 *    role's `token_bound_cidrs`, the mount must be configured (500 otherwise, as Vault);
 * 2. the JWT is parsed; its signature is checked only with `pem_keys`, its issuer only
 *    when issuer validation is on and an issuer is configured, `exp`/`nbf`/`iat` when
 *    present, and the role's `audience` against `aud`;
 * 3. the ServiceAccount from the claims must match `bound_service_account_names` and
 *    `bound_service_account_namespaces` or, failing that, the namespace selector (read
 *    from the API with the reviewer JWT);
 * 4. the cluster's TokenReview must authenticate the JWT as that same ServiceAccount
 *    (name, namespace, uid).
 *
 * Every refusal after step 1 is a 403 `permission denied` that reveals nothing; the reason
 * goes to the logger. An unreachable or failing TokenReview API is a refusal too (403, as
 * in Vault): there is no fail-open path.
 */
import { createPublicKey, type KeyObject, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { InternalError, PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { definePath, f, loginTokenSettings, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { nameAllowed, namespaceListed, remoteAddrAllowed } from './bindings.js';
import { normaliseHost, type KubeFetch } from './http.js';
import { JwtRejected, parseJwt, parsePublicKeyPem, serviceAccountFromClaims, validateClaims, verifySignature } from './jwt.js';
import { fetchNamespaceLabels, parseNamespaceSelector } from './namespace-selector.js';
import { loadConfig, type KubeAuthConfig } from './path-config.js';
import { loadRole } from './path-role.js';
import { TokenReviewFailed, reviewToken } from './token-review.js';

/** Where login refusals are explained (pino's Logger fits). Never given the JWT. */
export interface KubernetesAuthLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface LoginContext {
  fetchImpl: KubeFetch;
  logger: KubernetesAuthLogger | undefined;
  /** The pod's ServiceAccount mount (`token`, `ca.crt`); undefined: never read. */
  localServiceAccountDir: string | undefined;
  /** Milliseconds since the epoch. */
  now: () => number;
}

const loginFields = {
  role: f.string({ description: 'Name of the role against which the login is being attempted. This field is required.' }),
  jwt: f.string({ description: 'A signed JWT for authenticating a service account. This field is required.' }),
};

async function readLocal(dir: string | undefined, file: string): Promise<string | undefined> {
  if (dir === undefined) return undefined;
  try {
    const text = (await readFile(join(dir, file), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

interface ApiAccess {
  host: string;
  caPem: string | undefined;
  /** `token_reviewer_jwt`, else the pod's own token (unless disabled); undefined: none. */
  reviewerJwt: string | undefined;
}

/** Vault's client setup: the configured CA and reviewer JWT, else the pod's own (unless disabled). */
const CLUSTER_KEYS_TTL_MS = 5 * 60 * 1000;
const clusterKeyCache = new Map<string, { keys: KeyObject[]; fetchedMs: number }>();

/** The cluster's service-account signing keys from /openid/v1/jwks, cached for 5 minutes. */
async function clusterKeys(ctx: LoginContext, access: ApiAccess, refresh: boolean): Promise<KeyObject[]> {
  const cached = clusterKeyCache.get(access.host);
  if (cached && !refresh && ctx.now() - cached.fetchedMs < CLUSTER_KEYS_TTL_MS) return cached.keys;
  const res = await ctx.fetchImpl({
    method: 'GET',
    url: `${access.host}/openid/v1/jwks`,
    headers: { Accept: 'application/json', ...(access.reviewerJwt ? { Authorization: `Bearer ${access.reviewerJwt}` } : {}) },
    ...(access.caPem !== undefined ? { caPem: access.caPem } : {}),
  });
  if (res.status !== 200) throw new JwtRejected(`could not fetch the cluster JWKS (status ${res.status})`);
  const body = JSON.parse(res.body) as { keys?: JsonWebKey[] };
  const keys: KeyObject[] = [];
  for (const jwk of body.keys ?? []) {
    try {
      keys.push(createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      // a key type we do not use
    }
  }
  clusterKeyCache.set(access.host, { keys, fetchedMs: ctx.now() });
  return keys;
}

async function apiAccess(config: KubeAuthConfig, ctx: LoginContext): Promise<ApiAccess> {
  const local = !config.disable_local_ca_jwt;
  let caPem: string | undefined = config.kubernetes_ca_cert !== '' ? config.kubernetes_ca_cert : undefined;
  if (caPem === undefined && local) {
    const localCa = await readLocal(ctx.localServiceAccountDir, 'ca.crt');
    // The local CA is added to the system roots, as Vault does.
    if (localCa !== undefined) caPem = [...rootCertificates, localCa].join('\n');
  }
  let reviewerJwt: string | undefined = config.token_reviewer_jwt !== '' ? config.token_reviewer_jwt : undefined;
  if (reviewerJwt === undefined && local) reviewerJwt = await readLocal(ctx.localServiceAccountDir, 'token');
  return { host: normaliseHost(config.kubernetes_host), caPem, reviewerJwt };
}

export function pathLogin(ctx: LoginContext): PathSpec<typeof loginFields> {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    synopsis: 'Authenticates Kubernetes service accounts with Vault.',
    description: 'Authenticate Kubernetes service accounts.',
    operations: {
      async update(req, fields): Promise<LogicalResponse> {
        const roleName = fields.role ?? '';
        if (roleName === '') throw new UserError('missing role');
        const jwt = (fields.jwt ?? '').trim();
        if (jwt === '') throw new UserError('missing jwt');
        const role = await loadRole(req.storage, roleName);
        if (!role) throw new UserError(`invalid role name "${roleName}"`);

        const who: Record<string, unknown> = { role: roleName, mount: req.mount.path };
        const deny = (reason: string, level: 'info' | 'warn' = 'info'): PermissionDeniedError => {
          ctx.logger?.[level]({ ...who, reason }, 'kubernetes login refused');
          return new PermissionDeniedError();
        };

        if (!remoteAddrAllowed(role.token_bound_cidrs, req.remoteAddr)) throw deny(`source address ${req.remoteAddr} is not in token_bound_cidrs`);
        const config = await loadConfig(req.storage);
        if (!config) throw new InternalError('could not load backend configuration');

        // 2. The JWT itself.
        let claims: Record<string, unknown>;
        try {
          claims = parseJwt(jwt).claims;
          if (config.pem_keys.length > 0) {
            const keys = config.pem_keys.map(parsePublicKeyPem);
            if (!(await verifySignature(jwt, keys))) throw new JwtRejected('failed to verify token signature with the configured pem_keys');
          } else if (config.local_token_validation) {
            // No pem_keys: the cluster's own published keys (re-fetched once on a miss, for rotation).
            const access = await apiAccess(config, ctx);
            const verified =
              (await verifySignature(jwt, await clusterKeys(ctx, access, false))) ||
              (await verifySignature(jwt, await clusterKeys(ctx, access, true)));
            if (!verified) throw new JwtRejected('failed to verify token signature with the cluster JWKS');
          }
          if (config.local_token_validation && role.audience.trim() === '' && claims['aud'] !== undefined) {
            // Without TokenReview nobody else checks the audience: require the role to bind one.
            throw new JwtRejected('local token validation needs the role to set an audience');
          }
          const issuer = !config.disable_iss_validation && config.issuer !== '' ? config.issuer : undefined;
          const audience = role.audience.trim() !== '' ? role.audience : undefined;
          validateClaims(claims, {
            now: Math.floor(ctx.now() / 1000),
            ...(issuer !== undefined ? { issuer } : {}),
            ...(audience !== undefined ? { audience } : {}),
          });
        } catch (err) {
          if (err instanceof JwtRejected) throw deny(err.message);
          throw err;
        }
        const sa = serviceAccountFromClaims(claims);
        who['service_account_namespace'] = sa.namespace;
        who['service_account_name'] = sa.name;

        // 3. Role bindings.
        if (!nameAllowed(role.bound_service_account_names, sa.name)) throw deny('service account name not authorized');
        const access = await apiAccess(config, ctx);
        let namespaceOk = namespaceListed(role.bound_service_account_namespaces, sa.namespace);
        if (!namespaceOk && role.bound_service_account_namespace_selector !== '') {
          if (access.reviewerJwt === undefined) {
            throw deny('namespace not authorized: namespace lookup failed: TokenReviewer JWT needs to be configured to use namespace selectors');
          }
          try {
            const selector = parseNamespaceSelector(role.bound_service_account_namespace_selector);
            const labels = await fetchNamespaceLabels(
              ctx.fetchImpl,
              { host: access.host, caPem: access.caPem, bearer: access.reviewerJwt, ...(req.signal ? { signal: req.signal } : {}) },
              sa.namespace,
            );
            namespaceOk = selector.matches(labels);
          } catch (err) {
            throw deny(`namespace not authorized: ${(err as Error).message}`, 'warn');
          }
        }
        if (!namespaceOk) throw deny('namespace not authorized');

        if (sa.uid === '') throw deny('could not parse UID from claims');
        if (role.alias_name_source === 'serviceaccount_name' && (sa.namespace === '' || sa.name === '')) {
          throw deny('service account namespace and name must be set');
        }
        const aliasName = role.alias_name_source === 'serviceaccount_name' ? `${sa.namespace}/${sa.name}` : sa.uid;

        // 4. Ask the cluster (unless validating locally). Vault asks for the role's audience,
        //    else the JWT's own.
        if (!config.local_token_validation) {
          try {
            const reviewed = await reviewToken(ctx.fetchImpl, {
              host: access.host,
              caPem: access.caPem,
              bearer: access.reviewerJwt ?? jwt,
              jwt,
              audiences: role.audience.trim() !== '' ? [role.audience] : sa.audiences,
              ...(req.signal ? { signal: req.signal } : {}),
            });
            if (reviewed.name !== sa.name) throw new TokenReviewFailed('rejected', 'JWT names did not match');
            if (reviewed.uid !== sa.uid) throw new TokenReviewFailed('rejected', 'JWT UIDs did not match');
            if (reviewed.namespace !== sa.namespace) throw new TokenReviewFailed('rejected', 'JWT namespaces did not match');
          } catch (err) {
            if (err instanceof TokenReviewFailed) throw deny(err.message, err.kind === 'unavailable' ? 'warn' : 'info');
            throw err;
          }
        }

        const metadata = {
          service_account_name: sa.name,
          service_account_namespace: sa.namespace,
          service_account_uid: sa.uid,
          service_account_secret_name: sa.secretName,
        };
        return {
          login: {
            ...loginTokenSettings(role),
            metadata: { ...metadata, role: roleName },
            displayName: `${sa.namespace}-${sa.name}`,
            alias: { name: aliasName, metadata },
          },
        };
      },
    },
  });
}
