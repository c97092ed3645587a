/**
 * ESO's `vault` provider: `spec.provider.vault {server, path, version, namespace, caBundle,
 * caProvider, auth}` (`secretstore_vault_types.go`). `newClient` resolves the CA, gets a token
 * from the shared cache (one login per store and auth identity) and returns a
 * `VaultSecretsClient`.
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import type { Provider, ProviderContext, SecretsClient, StoreRef } from '../types.js';
import { NAMESPACE_MISMATCH, caPemFrom, parseProviderSpec } from '../kube-refs.js';
import { VaultTokenCache, authMethodOf, isReferentAuth, login, readSecretKey, type SecretKeySelector, type VaultAuthSpec } from './auth.js';
import { VaultSecretsClient, type KvVersion } from './client.js';
import { createVaultHttp, type VaultHttp } from './http.js';
import { subscribeToVaultEvents, type VaultStreamTarget } from './subscribe.js';

const keySelector = z.object({ name: z.string().min(1), key: z.string().optional(), namespace: z.string().optional() });
const saSelector = z.object({ name: z.string().min(1), namespace: z.string().optional(), audiences: z.array(z.string()).optional() });

const authSchema = z.object({
  tokenSecretRef: keySelector.optional(),
  appRole: z.object({ path: z.string().optional(), roleId: z.string().optional(), roleRef: keySelector.optional(), secretRef: keySelector }).optional(),
  kubernetes: z
    .object({ mountPath: z.string().optional(), role: z.string().min(1), serviceAccountRef: saSelector.optional(), secretRef: keySelector.optional() })
    .optional(),
  jwt: z
    .object({
      path: z.string().optional(),
      role: z.string().optional(),
      secretRef: keySelector.optional(),
      kubernetesServiceAccountToken: z
        .object({ serviceAccountRef: saSelector, audiences: z.array(z.string()).optional(), expirationSeconds: z.number().int().positive().optional() })
        .optional(),
    })
    .optional(),
  userPass: z.object({ path: z.string().optional(), username: z.string().min(1), secretRef: keySelector }).optional(),
  cert: z.object({ path: z.string().optional(), clientCert: keySelector, secretRef: keySelector, vaultRole: z.string().optional() }).optional(),
});

const caProviderSchema = z.object({
  type: z.enum(['Secret', 'ConfigMap']),
  name: z.string().min(1),
  key: z.string().min(1),
  namespace: z.string().optional(),
});

const vaultSchema = z.object({
  server: z.url({ protocol: /^https?$/, error: 'vault.server must be an http(s) URL' }),
  path: z.string().optional(),
  version: z.enum(['v1', 'v2']).optional(),
  namespace: z.string().optional(),
  caBundle: z.string().optional(),
  caProvider: caProviderSchema.optional(),
  tls: z.object({ certSecretRef: keySelector.optional(), keySecretRef: keySelector.optional() }).optional(),
  checkAndSet: z.object({ required: z.boolean().optional() }).optional(),
  auth: authSchema,
});

export interface VaultProviderSpec {
  server: string;
  path?: string;
  version?: KvVersion;
  namespace?: string;
  /** Base64 PEM (as in ESO's CRD). */
  caBundle?: string;
  caProvider?: { type: 'Secret' | 'ConfigMap'; name: string; key: string; namespace?: string };
  /** Client TLS for a server that requires mutual TLS (not the cert auth method). */
  tls?: { certSecretRef?: SecretKeySelector; keySecretRef?: SecretKeySelector };
  /** PushSecret writes to KV v2 carry `options.cas` when required. */
  checkAndSet?: { required?: boolean };
  auth: VaultAuthSpec;
}

/** Parses and checks `spec.provider.vault` (ESO's messages where ESO has one). */
export function vaultSpecOf(store: StoreRef): VaultProviderSpec {
  const spec = parseProviderSpec<VaultProviderSpec>(store, 'vault', vaultSchema);
  authMethodOf(spec.auth);
  const appRole = spec.auth.appRole;
  if (appRole !== undefined) {
    const hasId = appRole.roleId !== undefined && appRole.roleId !== '';
    if (!hasId && appRole.roleRef === undefined) throw new UserError('invalid Auth.AppRole: neither `roleId` nor `roleRef` was supplied');
    if (hasId && appRole.roleRef !== undefined) throw new UserError('invalid Auth.AppRole: only one of `roleId` or `roleRef` can be supplied');
  }
  if (spec.auth.jwt !== undefined && spec.auth.jwt.secretRef === undefined && spec.auth.jwt.kubernetesServiceAccountToken === undefined) {
    throw new UserError('invalid Auth.Jwt: neither `secretRef` nor `kubernetesServiceAccountToken` was supplied');
  }
  if (store.kind === 'SecretStore') {
    const refs = [
      spec.auth.tokenSecretRef,
      appRole?.roleRef,
      appRole?.secretRef,
      spec.auth.kubernetes?.serviceAccountRef,
      spec.auth.kubernetes?.secretRef,
      spec.auth.jwt?.secretRef,
      spec.auth.jwt?.kubernetesServiceAccountToken?.serviceAccountRef,
      spec.auth.userPass?.secretRef,
      spec.auth.cert?.clientCert,
      spec.auth.cert?.secretRef,
      spec.caProvider,
      spec.tls?.certSecretRef,
      spec.tls?.keySecretRef,
    ];
    for (const ref of refs) {
      if (ref?.namespace !== undefined && ref.namespace !== store.namespace) throw new UserError(NAMESPACE_MISMATCH);
    }
  }
  return spec;
}

export interface VaultProviderOptions {
  /** Shared token cache (default: one per provider). */
  tokenCache?: VaultTokenCache;
}

export interface VaultProvider extends Provider {
  readonly tokenCache: VaultTokenCache;
}

/** A logged-in connection to the store's Vault: the HTTP client and a (cached) token. */
export interface VaultConnection {
  http: VaultHttp;
  /** Where `http` points, for connections it cannot make (the event stream's WebSocket). */
  target: VaultStreamTarget;
  token: string;
  referent: boolean;
  /** The token cache key (absent for a static tokenSecretRef). */
  cacheKey?: string;
}

/**
 * Resolves the CA and client certificate, then gets a token: a static `tokenSecretRef` is read
 * each time; every other method logs in once per (store, auth identity) through `tokenCache`.
 * Shared by the provider and the VaultDynamicSecret generator.
 */
export async function connectVault(spec: VaultProviderSpec, store: StoreRef, ctx: ProviderContext, tokenCache: VaultTokenCache): Promise<VaultConnection> {
  const caPem = await caPemFrom(spec, store, ctx);
  const base = { server: spec.server, ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}), ...(caPem !== undefined ? { caPem } : {}) };
  let clientCert: { cert: string; key: string } | undefined;
  if (spec.auth.cert !== undefined) {
    clientCert = { cert: await readSecretKey(ctx, store, spec.auth.cert.clientCert, 'tls.crt'), key: await readSecretKey(ctx, store, spec.auth.cert.secretRef, 'tls.key') };
  } else if (spec.tls?.certSecretRef !== undefined && spec.tls.keySecretRef !== undefined) {
    clientCert = { cert: await readSecretKey(ctx, store, spec.tls.certSecretRef, 'tls.crt'), key: await readSecretKey(ctx, store, spec.tls.keySecretRef, 'tls.key') };
  }
  const target = { ...base, ...(clientCert !== undefined ? { clientCert } : {}) };
  const http = createVaultHttp(target);
  const referent = isReferentAuth(store, spec.auth);
  try {
    if (spec.auth.tokenSecretRef !== undefined) {
      // A static token: read it each time (it may be rotated), nothing to log in to.
      return { http, target, token: await readSecretKey(ctx, store, spec.auth.tokenSecretRef), referent };
    }
    const cacheKey = JSON.stringify([store.kind, store.namespace ?? '', store.name, spec.server, spec.namespace ?? '', spec.auth, referent ? ctx.namespace : '']);
    const token = await tokenCache.token(cacheKey, http, () => login(http, ctx, store, spec.auth));
    return { http, target, token, referent, cacheKey };
  } catch (err) {
    http.close();
    throw err;
  }
}

export function createVaultProvider(options: VaultProviderOptions = {}): VaultProvider {
  const tokenCache = options.tokenCache ?? new VaultTokenCache();
  return {
    name: 'vault',
    capabilities: 'ReadWrite',
    tokenCache,
    validateStore(store) {
      const spec = vaultSpecOf(store);
      const warnings: string[] = [];
      if (spec.server.startsWith('http://')) warnings.push('vault.server uses plain http: secrets travel unencrypted');
      return { warnings };
    },
    async newClient(store, ctx): Promise<SecretsClient> {
      const spec = vaultSpecOf(store);
      const { http, token, referent, cacheKey } = await connectVault(spec, store, ctx, tokenCache);
      return new VaultSecretsClient({
        http,
        token,
        version: spec.version ?? 'v2',
        referent,
        ...(spec.path !== undefined ? { path: spec.path } : {}),
        ...(spec.checkAndSet?.required === true ? { checkAndSetRequired: true } : {}),
        ...(cacheKey !== undefined ? { onTokenRejected: () => tokenCache.invalidate(cacheKey) } : {}),
      });
    },
    async subscribe(store, ctx, handlers) {
      // KV change events exist on Coffer (and Vault ≥ 1.16); the stream carries paths only.
      const { http, target, token } = await connectVault(vaultSpecOf(store), store, ctx, tokenCache);
      http.close();
      return subscribeToVaultEvents({ ...target, token }, handlers);
    },
  };
}
