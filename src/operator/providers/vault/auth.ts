/**
 * Vault authentication for the provider: reading credentials from Kubernetes Secrets (and
 * ServiceAccount tokens via TokenRequest), the login calls of each auth method, and the
 * token cache.
 *
 * ESO issue #376: minting a token per reconcile floods Vault's token store, so a token is
 * logged in once per (store, auth identity), shared by every client, renewed with
 * `auth/token/renew-self` once two thirds of its TTL have passed, and logged in again only
 * when renewal fails (or can no longer extend it, at max TTL).
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../../shared/errors.js';
import type { ProviderContext, StoreRef } from '../types.js';
import { readSecretKey, refNamespace, requestServiceAccountToken, SECRETS_RESOURCE, type SecretKeySelector, type ServiceAccountSelector } from '../kube-refs.js';
import { vaultErrors, type VaultHttp } from './http.js';

export { readSecretKey, refNamespace, requestServiceAccountToken, SECRETS_RESOURCE, type SecretKeySelector, type ServiceAccountSelector };

export interface VaultAuthSpec {
  tokenSecretRef?: SecretKeySelector;
  appRole?: { path?: string; roleId?: string; roleRef?: SecretKeySelector; secretRef: SecretKeySelector };
  kubernetes?: { mountPath?: string; role: string; serviceAccountRef?: ServiceAccountSelector; secretRef?: SecretKeySelector };
  jwt?: {
    path?: string;
    role?: string;
    secretRef?: SecretKeySelector;
    kubernetesServiceAccountToken?: { serviceAccountRef: ServiceAccountSelector; audiences?: string[]; expirationSeconds?: number };
  };
  userPass?: { path?: string; username: string; secretRef: SecretKeySelector };
  /** `path` is the cert auth mount (default `cert`); `vaultRole` the certificate role to match (`name`). */
  cert?: { path?: string; clientCert: SecretKeySelector; secretRef: SecretKeySelector; vaultRole?: string };
}

export const AUTH_METHODS = ['tokenSecretRef', 'appRole', 'kubernetes', 'jwt', 'userPass', 'cert'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Where the operator's own ServiceAccount token is mounted (kubernetes auth without refs). */
export const IN_CLUSTER_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The one configured auth method (validateStore guarantees exactly one). */
export function authMethodOf(auth: VaultAuthSpec): AuthMethod {
  const set = AUTH_METHODS.filter((m) => auth[m] !== undefined);
  if (set.length !== 1) throw new UserError(set.length === 0 ? 'no auth method set in vault.auth' : `only one auth method may be set in vault.auth, got ${set.join(', ')}`);
  return set[0] as AuthMethod;
}

/** Whether any ref of a ClusterSecretStore's auth leaves its namespace to the ExternalSecret. */
export function isReferentAuth(store: StoreRef, auth: VaultAuthSpec): boolean {
  if (store.kind !== 'ClusterSecretStore') return false;
  const refs: ({ namespace?: string } | undefined)[] = [
    auth.tokenSecretRef,
    auth.appRole?.roleRef,
    auth.appRole?.secretRef,
    auth.kubernetes?.serviceAccountRef,
    auth.kubernetes?.secretRef,
    auth.jwt?.secretRef,
    auth.jwt?.kubernetesServiceAccountToken?.serviceAccountRef,
    auth.userPass?.secretRef,
    auth.cert?.clientCert,
    auth.cert?.secretRef,
  ];
  return refs.some((r) => r !== undefined && r.namespace === undefined);
}

export interface LoginResult {
  token: string;
  /** Seconds; 0 = does not expire. */
  leaseDuration: number;
  renewable: boolean;
}

function loginResultOf(body: Record<string, unknown> | undefined): LoginResult {
  const auth = body?.['auth'] as { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | undefined | null;
  if (typeof auth?.client_token !== 'string' || auth.client_token === '') throw new Error('the Vault login answered without auth.client_token');
  return {
    token: auth.client_token,
    leaseDuration: typeof auth.lease_duration === 'number' ? auth.lease_duration : 0,
    renewable: auth.renewable === true,
  };
}

async function loginAt(http: VaultHttp, path: string, body: Record<string, unknown>, method: string): Promise<LoginResult> {
  const res = await http.request('POST', path, { body });
  if (res.status < 200 || res.status >= 300) throw new UserError(`cannot log in to Vault with ${method} auth: ${vaultErrors(res)}`);
  return loginResultOf(res.body);
}

const trim = (p: string): string => p.replace(/^\/+|\/+$/g, '');

/** Logs in with the store's (non-token) auth method. */
export async function login(http: VaultHttp, ctx: ProviderContext, store: StoreRef, auth: VaultAuthSpec): Promise<LoginResult> {
  if (auth.appRole !== undefined) {
    const a = auth.appRole;
    const roleId = a.roleRef !== undefined ? await readSecretKey(ctx, store, a.roleRef) : a.roleId;
    if (roleId === undefined || roleId === '') throw new UserError('appRole needs roleId or roleRef');
    const secretId = await readSecretKey(ctx, store, a.secretRef);
    return loginAt(http, `auth/${trim(a.path ?? 'approle')}/login`, { role_id: roleId, secret_id: secretId }, 'appRole');
  }
  if (auth.userPass !== undefined) {
    const u = auth.userPass;
    const password = await readSecretKey(ctx, store, u.secretRef);
    return loginAt(http, `auth/${trim(u.path ?? 'userpass')}/login/${encodeURIComponent(u.username)}`, { password }, 'userPass');
  }
  if (auth.kubernetes !== undefined) {
    const k = auth.kubernetes;
    let jwt: string;
    if (k.serviceAccountRef !== undefined) jwt = await requestServiceAccountToken(ctx, store, k.serviceAccountRef);
    else if (k.secretRef !== undefined) jwt = await readSecretKey(ctx, store, k.secretRef, 'token');
    else jwt = (await readFile(IN_CLUSTER_TOKEN_PATH, 'utf8')).trim();
    return loginAt(http, `auth/${trim(k.mountPath ?? 'kubernetes')}/login`, { role: k.role, jwt }, 'kubernetes');
  }
  if (auth.jwt !== undefined) {
    const j = auth.jwt;
    let jwt: string;
    if (j.secretRef !== undefined) jwt = await readSecretKey(ctx, store, j.secretRef);
    else if (j.kubernetesServiceAccountToken !== undefined) {
      const t = j.kubernetesServiceAccountToken;
      jwt = await requestServiceAccountToken(ctx, store, t.serviceAccountRef, {
        ...(t.audiences !== undefined ? { audiences: t.audiences } : {}),
        ...(t.expirationSeconds !== undefined ? { expirationSeconds: t.expirationSeconds } : {}),
      });
    } else throw new UserError('jwt auth needs secretRef or kubernetesServiceAccountToken');
    return loginAt(http, `auth/${trim(j.path ?? 'jwt')}/login`, { ...(j.role !== undefined ? { role: j.role } : {}), jwt }, 'jwt');
  }
  if (auth.cert !== undefined) {
    // The client certificate is presented on the TLS connection (see connectVault).
    const c = auth.cert;
    const body = c.vaultRole !== undefined && c.vaultRole !== '' ? { name: c.vaultRole } : {};
    return loginAt(http, `auth/${trim(c.path !== undefined && c.path !== '' ? c.path : 'cert')}/login`, body, 'cert');
  }
  throw new UserError('no login auth method set in vault.auth');
}

interface CachedToken {
  token: string;
  /** Epoch ms; undefined = never expires. */
  expiresAt: number | undefined;
  ttlMs: number;
  renewable: boolean;
}

/** Shared by every client of a provider: one login per key, renewed in place. */
export class VaultTokenCache {
  /** How many logins / renewals were made (for tests and metrics). */
  logins = 0;
  renewals = 0;
  private readonly entries = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A valid token for `key`, logging in or renewing as needed (one at a time per key). */
  async token(key: string, http: VaultHttp, doLogin: () => Promise<LoginResult>): Promise<string> {
    const inflight = this.pending.get(key);
    if (inflight !== undefined) return (await inflight).token;
    const entry = this.entries.get(key);
    if (entry !== undefined && !this.needsRefresh(entry)) return entry.token;
    const refresh = this.refresh(key, entry, http, doLogin);
    this.pending.set(key, refresh);
    try {
      return (await refresh).token;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Forgets a token Vault refused (the next client logs in again). */
  invalidate(key: string): void {
    this.entries.delete(key);
  }

  private needsRefresh(entry: CachedToken): boolean {
    if (entry.expiresAt === undefined) return false;
    return entry.expiresAt - this.now() <= entry.ttlMs / 3;
  }

  private async refresh(key: string, entry: CachedToken | undefined, http: VaultHttp, doLogin: () => Promise<LoginResult>): Promise<CachedToken> {
    if (entry !== undefined && entry.renewable && entry.expiresAt !== undefined && entry.expiresAt > this.now()) {
      const renewed = await this.renew(http, entry);
      if (renewed !== undefined) {
        this.entries.set(key, renewed);
        return renewed;
      }
    }
    this.entries.delete(key);
    const result = await doLogin();
    this.logins++;
    const fresh = this.cached(result, result.leaseDuration);
    this.entries.set(key, fresh);
    return fresh;
  }

  private async renew(http: VaultHttp, entry: CachedToken): Promise<CachedToken | undefined> {
    let result: LoginResult;
    try {
      const res = await http.request('POST', 'auth/token/renew-self', { token: entry.token, body: {} });
      if (res.status < 200 || res.status >= 300) return undefined;
      result = loginResultOf(res.body);
    } catch {
      return undefined;
    }
    this.renewals++;
    // At max TTL renewal stops extending the token: treat that as a failed renewal.
    if (result.leaseDuration * 1000 <= entry.ttlMs / 3) return undefined;
    return this.cached({ ...result, token: result.token || entry.token }, result.leaseDuration);
  }

  private cached(result: LoginResult, leaseSeconds: number): CachedToken {
    const ttlMs = leaseSeconds * 1000;
    return { token: result.token, expiresAt: leaseSeconds > 0 ? this.now() + ttlMs : undefined, ttlMs, renewable: result.renewable };
  }
}
