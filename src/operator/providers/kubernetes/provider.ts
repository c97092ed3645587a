/**
 * ESO's `kubernetes` provider (`providers/v1/kubernetes/`): reads Secrets of
 * `spec.provider.kubernetes.remoteNamespace` (default `default`). Without `server.url` it
 * uses the operator's own connection (`ctx.kube`); with one it builds a client that
 * authenticates as a ServiceAccount of the store's namespace (TokenRequest), with a bearer
 * token or a client certificate read from Secrets, or (`authRef`) from a kubeconfig in a Secret.
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { createKubeClient, type RuntimeKubeClient } from '../../runtime/index.js';
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
    checkRefNamespace(store, auth.cert.clientKey);
  }
  if (auth?.token !== undefined) {
    if (auth.token.bearerToken.name === '') throw new UserError('BearerToken.Name cannot be empty');
    if (auth.token.bearerToken.key === undefined || auth.token.bearerToken.key === '') throw new UserError('BearerToken.Key cannot be empty');
    checkRefNamespace(store, auth.token.bearerToken);
  }
  if (auth?.serviceAccount !== undefined) checkRefNamespace(store, auth.serviceAccount);
  if (spec.authRef !== undefined) checkRefNamespace(store, spec.authRef);
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
  const refs: ({ namespace?: string } | undefined)[] = [spec.auth?.serviceAccount, spec.auth?.token?.bearerToken, spec.auth?.cert?.clientCert, spec.auth?.cert?.clientKey, spec.authRef];
  return refs.some((r) => r !== undefined && r.namespace === undefined);
}

/** What the remote connection presents: a bearer token, a client certificate, or nothing. */
type Credentials = { token: string } | { cert: string; key: string } | Record<string, never>;

/** The credentials of the store's auth (ESO's `getAuth`, its messages). */
async function credentialsOf(spec: KubernetesProviderSpec, store: StoreRef, ctx: ProviderContext): Promise<Credentials> {
  const auth = spec.auth;
  if (auth === undefined) return {};
  if (auth.token !== undefined) {
    try {
      return { token: await readSecretKey(ctx, store, auth.token.bearerToken) };
    } catch (err) {
      throw new UserError(`could not fetch Auth.Token.BearerToken: ${(err as Error).message}`, { cause: err });
    }
  }
  if (auth.serviceAccount !== undefined) {
    try {
      // ESO asks for one hour; the client lives for one reconcile.
      return { token: await requestServiceAccountToken(ctx, store, auth.serviceAccount, { expirationSeconds: 3600 }) };
    } catch (err) {
      throw new UserError(`could not fetch Auth.ServiceAccount: ${(err as Error).message}`, { cause: err });
    }
  }
  if (auth.cert !== undefined) {
    let cert: string;
    let key: string;
    try {
      cert = await readSecretKey(ctx, store, auth.cert.clientCert);
    } catch (err) {
      throw new UserError(`could not fetch client key and cert: unable to fetch client certificate: ${(err as Error).message}`, { cause: err });
    }
    try {
      key = await readSecretKey(ctx, store, auth.cert.clientKey);
    } catch (err) {
      throw new UserError(`could not fetch client key and cert: unable to fetch client key: ${(err as Error).message}`, { cause: err });
    }
    return { cert, key };
  }
  throw new UserError('no auth provider given');
}

/** A kubeconfig for one cluster with the given credentials. */
function kubeConfigWith(url: string, caPem: string | undefined, creds: Credentials): KubeConfig {
  const kc = new KubeConfig();
  const user: User = {
    name: 'user',
    ...('token' in creds ? { token: creds.token } : {}),
    ...('cert' in creds ? { certData: Buffer.from(creds.cert).toString('base64'), keyData: Buffer.from(creds.key).toString('base64') } : {}),
  };
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server: url, ...(caPem !== undefined ? { caData: Buffer.from(caPem).toString('base64') } : {}), skipTLSVerify: false }],
    users: [user],
    contexts: [{ name: 'context', cluster: 'cluster', user: 'user' }],
    currentContext: 'context',
  });
  return kc;
}

/**
 * `authRef`: a kubeconfig held in a Secret. It comes from a tenant, so anything that would
 * make the operator run a command or read its own files (exec plugins, auth providers, file
 * paths) is refused: only inline data and tokens are used.
 */
async function kubeConfigFromAuthRef(ref: KeySelector, store: StoreRef, ctx: ProviderContext): Promise<KubeConfig> {
  const text = await readSecretKey(ctx, store, ref);
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch {
    // The parser's message may quote the document (credentials): never echo it.
    throw new UserError(`the kubeconfig in secret ${JSON.stringify(ref.name)} key ${JSON.stringify(ref.key ?? '')} is not valid`);
  }
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (cluster === null) throw new UserError('the kubeconfig of authRef has no current cluster');
  const unsafe = [
    user?.exec !== undefined ? 'exec' : '',
    user?.authProvider !== undefined ? 'auth-provider' : '',
    user?.certFile !== undefined ? 'client-certificate' : '',
    user?.keyFile !== undefined ? 'client-key' : '',
    cluster.caFile !== undefined ? 'certificate-authority' : '',
  ].filter((f) => f !== '');
  if (unsafe.length > 0) throw new UserError(`the kubeconfig of authRef may not use ${unsafe.join(', ')}: use inline data (client-certificate-data, client-key-data, certificate-authority-data) or a token`);
  if (cluster.skipTLSVerify) throw new UserError('the kubeconfig of authRef may not set insecure-skip-tls-verify');
  return kc;
}

export function createKubernetesProvider(): Provider {
  return {
    name: 'kubernetes',
    capabilities: 'ReadWrite',
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
      const base = { remoteNamespace, referent, storeKind: store.kind };
      if (spec.authRef !== undefined) {
        const remote: RuntimeKubeClient = createKubeClient(await kubeConfigFromAuthRef(spec.authRef, store, ctx));
        return new KubernetesSecretsClient({ ...base, kube: remote, onClose: () => remote.close() });
      }
      if (url === '') {
        if (spec.auth !== undefined) throw new UserError('no server URL provided');
        return new KubernetesSecretsClient({ ...base, kube: ctx.kube });
      }
      let parsedUrl: URL;
      try {
        parsedUrl = new URL(url);
      } catch {
        throw new UserError(`kubernetes.server.url is not a URL: ${JSON.stringify(url)}`);
      }
      if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') throw new UserError('kubernetes.server.url must be an http(s) URL');
      const caPem = await caPemFrom(spec.server ?? {}, store, ctx);
      const creds = await credentialsOf(spec, store, ctx);
      const remote: RuntimeKubeClient = createKubeClient(kubeConfigWith(url, caPem, creds));
      const kube: KubeClient = remote;
      return new KubernetesSecretsClient({ ...base, kube, onClose: () => remote.close() });
    },
  };
}
