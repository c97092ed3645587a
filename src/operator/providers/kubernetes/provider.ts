/**
 * ESO's `kubernetes` provider (`providers/v1/kubernetes/`): reads Secrets of
 * `spec.provider.kubernetes.remoteNamespace` (default `default`). Without `server.url` it
 * uses the operator's own connection (`ctx.kube`); with one it builds a client that
 * authenticates as a ServiceAccount of the store's namespace (TokenRequest) or with a bearer
 * token read from a Secret.
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import { createKubeClient, kubeConfigFor, type RuntimeKubeClient } from '../../runtime/index.js';
import type { KubeClient } from '../../runtime/types.js';
import type { Provider, ProviderContext, SecretsClient, StoreRef } from '../types.js';
import { NAMESPACE_MISMATCH, caPemFrom, parseProviderSpec, readSecretKey, requestServiceAccountToken } from '../kube-refs.js';
import { KubernetesSecretsClient } from './client.js';

const keySelector = z.object({ name: z.string(), key: z.string().optional(), namespace: z.string().optional() });
const saSelector = z.object({ name: z.string().min(1), namespace: z.string().optional(), audiences: z.array(z.string()).optional() });

const kubernetesSchema = z.object({
  remoteNamespace: z.string().optional(),
  server: z
    .object({
      url: z.string().optional(),
      caBundle: z.string().optional(),
      caProvider: z
        .object({ type: z.enum(['Secret', 'ConfigMap']), name: z.string().min(1), key: z.string().min(1), namespace: z.string().optional() })
        .optional(),
    })
    .optional(),
  auth: z
    .object({
      serviceAccount: saSelector.optional(),
      token: z.object({ bearerToken: keySelector }).optional(),
      cert: z.object({ clientCert: keySelector, clientKey: keySelector }).optional(),
    })
    .optional(),
  authRef: keySelector.optional(),
});

interface KeySelector {
  name: string;
  key?: string;
  namespace?: string;
}

/** `spec.provider.kubernetes` (ESO `secretstore_kubernetes_types.go`). */
export interface KubernetesProviderSpec {
  remoteNamespace?: string;
  server?: {
    url?: string;
    /** Base64 PEM (as in ESO's CRD). */
    caBundle?: string;
    caProvider?: { type: 'Secret' | 'ConfigMap'; name: string; key: string; namespace?: string };
  };
  auth?: {
    serviceAccount?: { name: string; namespace?: string; audiences?: string[] };
    token?: { bearerToken: KeySelector };
    cert?: { clientCert: KeySelector; clientKey: KeySelector };
  };
  authRef?: KeySelector;
}

/** Parses `spec.provider.kubernetes` and applies ESO's `ValidateStore` rules (its messages). */
export function kubernetesSpecOf(store: StoreRef): KubernetesProviderSpec {
  const spec = parseProviderSpec<KubernetesProviderSpec>(store, 'kubernetes', kubernetesSchema);
  const ca = spec.server?.caProvider;
  if (store.kind === 'ClusterSecretStore' && ca !== undefined && ca.namespace === undefined) throw new UserError('CAProvider.namespace must not be empty with ClusterSecretStore');
  if (store.kind === 'SecretStore' && ca?.namespace !== undefined) throw new UserError('CAProvider.namespace must be empty with SecretStore');
  const auth = spec.auth;
  if (auth?.cert !== undefined) {
    if (auth.cert.clientCert.name === '') throw new UserError('ClientCert.Name cannot be empty');
    if (auth.cert.clientCert.key === undefined || auth.cert.clientCert.key === '') throw new UserError('ClientCert.Key cannot be empty');
    checkRefNamespace(store, auth.cert.clientCert);
  }
  if (auth?.token !== undefined) {
    if (auth.token.bearerToken.name === '') throw new UserError('BearerToken.Name cannot be empty');
    if (auth.token.bearerToken.key === undefined || auth.token.bearerToken.key === '') throw new UserError('BearerToken.Key cannot be empty');
    checkRefNamespace(store, auth.token.bearerToken);
  }
  if (auth?.serviceAccount !== undefined) checkRefNamespace(store, auth.serviceAccount);
  return spec;
}

// ESO's ValidateSecretSelector / ValidateReferentServiceAccountSelector: a namespaced store
// may only name its own namespace.
function checkRefNamespace(store: StoreRef, ref: { namespace?: string }): void {
  if (store.kind === 'SecretStore' && ref.namespace !== undefined && ref.namespace !== store.namespace) throw new UserError(NAMESPACE_MISMATCH);
}

/** A ClusterSecretStore whose auth refs leave the namespace to the ExternalSecret (ESO: `isReferentSpec`). */
function isReferent(store: StoreRef, spec: KubernetesProviderSpec): boolean {
  if (store.kind !== 'ClusterSecretStore') return false;
  const refs: ({ namespace?: string } | undefined)[] = [spec.auth?.serviceAccount, spec.auth?.token?.bearerToken, spec.auth?.cert?.clientCert];
  return refs.some((r) => r !== undefined && r.namespace === undefined);
}

/** The bearer token of the store's auth (ESO's `getAuth`, its messages). */
async function bearerTokenOf(spec: KubernetesProviderSpec, store: StoreRef, ctx: ProviderContext): Promise<string> {
  const auth = spec.auth;
  if (auth?.token !== undefined) {
    try {
      return await readSecretKey(ctx, store, auth.token.bearerToken);
    } catch (err) {
      throw new UserError(`could not fetch Auth.Token.BearerToken: ${(err as Error).message}`, { cause: err });
    }
  }
  if (auth?.serviceAccount !== undefined) {
    try {
      // ESO asks for one hour; the client lives for one reconcile.
      return await requestServiceAccountToken(ctx, store, auth.serviceAccount, { expirationSeconds: 3600 });
    } catch (err) {
      throw new UserError(`could not fetch Auth.ServiceAccount: ${(err as Error).message}`, { cause: err });
    }
  }
  if (auth?.cert !== undefined) throw new UserError('kubernetes auth.cert is not supported by this operator; use auth.serviceAccount or auth.token');
  if (spec.authRef !== undefined) throw new UserError('kubernetes authRef (a kubeconfig Secret) is not supported by this operator');
  throw new UserError('no auth provider given');
}

export function createKubernetesProvider(): Provider {
  return {
    name: 'kubernetes',
    capabilities: 'ReadOnly',
    validateStore(store) {
      const spec = kubernetesSpecOf(store);
      const warnings: string[] = [];
      if (spec.server?.url?.startsWith('http://') === true) warnings.push('kubernetes.server.url uses plain http: secrets travel unencrypted');
      return { warnings };
    },
    async newClient(store, ctx): Promise<SecretsClient> {
      const spec = kubernetesSpecOf(store);
      const remoteNamespace = spec.remoteNamespace !== undefined && spec.remoteNamespace !== '' ? spec.remoteNamespace : 'default';
      const url = spec.server?.url ?? '';
      const referent = isReferent(store, spec);
      if (url === '') {
        if (spec.auth !== undefined || spec.authRef !== undefined) throw new UserError('no server URL provided');
        return new KubernetesSecretsClient({ kube: ctx.kube, remoteNamespace, referent });
      }
      let parsedUrl: URL;
      try {
        parsedUrl = new URL(url);
      } catch {
        throw new UserError(`kubernetes.server.url is not a URL: ${JSON.stringify(url)}`);
      }
      if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') throw new UserError('kubernetes.server.url must be an http(s) URL');
      const caPem = await caPemFrom(spec.server ?? {}, store, ctx);
      const token = await bearerTokenOf(spec, store, ctx);
      const remote: RuntimeKubeClient = createKubeClient(kubeConfigFor({ server: url, token, ...(caPem !== undefined ? { caPem } : {}) }));
      const kube: KubeClient = remote;
      return new KubernetesSecretsClient({ kube, remoteNamespace, referent, onClose: () => remote.close() });
    },
  };
}
