/**
 * What every provider needs from the cluster to authenticate: reading a key of a Kubernetes
 * Secret named by a store's `secretRef`, a CA bundle from `caBundle`/`caProvider`, and minting
 * a ServiceAccount token with the TokenRequest API — with ESO's namespace rules ("referent"
 * ClusterSecretStores) and messages. Also the parsing of a store's provider block.
 */
import type { z } from 'zod';
import { UserError } from '../../shared/errors.js';
import { KubeRequestError, type KubeObject, type ResourceRef } from '../runtime/types.js';
import type { ProviderContext, StoreRef } from './types.js';

export interface SecretKeySelector {
  name: string;
  key?: string;
  namespace?: string;
}

export interface ServiceAccountSelector {
  name: string;
  namespace?: string;
  audiences?: string[];
}

export const SECRETS_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/**
 * The namespace a secretRef/serviceAccountRef is read from. A SecretStore may only read its
 * own namespace; a ClusterSecretStore reads `ref.namespace`, or the ExternalSecret's
 * namespace when unset (ESO's "referent" authentication).
 */
export function refNamespace(store: StoreRef, ref: { namespace?: string }, esNamespace: string): string {
  if (store.kind === 'SecretStore') return store.namespace ?? esNamespace;
  return ref.namespace ?? esNamespace;
}

/** The value of `ref.key` in a Kubernetes Secret (ESO's messages; never the value). */
export async function readSecretKey(ctx: ProviderContext, store: StoreRef, ref: SecretKeySelector, defaultKey?: string): Promise<string> {
  const namespace = refNamespace(store, ref, ctx.namespace);
  const key = ref.key ?? defaultKey;
  if (key === undefined || key === '') throw new UserError(`secretRef ${JSON.stringify(ref.name)} needs a key`);
  let secret: KubeObject | null;
  try {
    secret = await ctx.kube.get<KubeObject>(SECRETS_RESOURCE, namespace, ref.name);
  } catch (err) {
    const why = err instanceof KubeRequestError ? err.message : 'request failed';
    throw new UserError(`cannot get Kubernetes secret "${namespace}/${ref.name}": ${why}`, { cause: err });
  }
  if (secret === null) throw new UserError(`cannot get Kubernetes secret "${namespace}/${ref.name}": not found`);
  const data = secret['data'] as Record<string, string> | undefined;
  const stringData = secret['stringData'] as Record<string, string> | undefined;
  const encoded = data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
  const plain = stringData?.[key];
  if (plain !== undefined) return plain;
  throw new UserError(`cannot find secret data for key: ${JSON.stringify(key)} in secret "${namespace}/${ref.name}"`);
}

/**
 * A ServiceAccount token from the TokenRequest API. `KubeClient` has no subresource create,
 * so the subresource goes in the resource's plural: `create` POSTs to
 * `/api/v1/namespaces/<ns>/serviceaccounts/<name>/token`.
 */
export async function requestServiceAccountToken(
  ctx: ProviderContext,
  store: StoreRef,
  sa: ServiceAccountSelector,
  options: { audiences?: string[]; expirationSeconds?: number } = {},
): Promise<string> {
  const namespace = refNamespace(store, sa, ctx.namespace);
  const res: ResourceRef = { group: '', version: 'v1', plural: `serviceaccounts/${encodeURIComponent(sa.name)}/token`, kind: 'TokenRequest', namespaced: true };
  const audiences = options.audiences ?? sa.audiences;
  const body: KubeObject = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: sa.name, namespace },
    spec: {
      ...(audiences !== undefined && audiences.length > 0 ? { audiences } : {}),
      expirationSeconds: options.expirationSeconds ?? 600,
    },
  };
  let answer: KubeObject;
  try {
    answer = await ctx.kube.create<KubeObject>(res, body);
  } catch (err) {
    const why = err instanceof KubeRequestError ? err.message : 'request failed';
    throw new UserError(`cannot create a token for ServiceAccount "${namespace}/${sa.name}": ${why}`, { cause: err });
  }
  const token = (answer['status'] as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || token === '') throw new UserError(`the TokenRequest for ServiceAccount "${namespace}/${sa.name}" returned no token`);
  return token;
}

/** ESO's message when a namespaced store names another namespace in a ref. */
export const NAMESPACE_MISMATCH = 'namespace should either be empty or match the namespace of the SecretStore for a namespace scoped secret store';

const CONFIGMAPS_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

export interface CaProviderRef {
  type: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  namespace?: string;
}

/** The CA bundle PEM, from `caBundle` (base64) or `caProvider` (a Secret or ConfigMap key); undefined when neither is set. */
export async function caPemFrom(
  source: { caBundle?: string | undefined; caProvider?: CaProviderRef | undefined },
  store: StoreRef,
  ctx: ProviderContext,
): Promise<string | undefined> {
  if (source.caBundle !== undefined && source.caBundle !== '') return Buffer.from(source.caBundle, 'base64').toString('utf8');
  const ca = source.caProvider;
  if (ca === undefined) return undefined;
  if (ca.type === 'Secret') return readSecretKey(ctx, store, ca);
  const namespace = refNamespace(store, ca, ctx.namespace);
  const cm = await ctx.kube.get<KubeObject>(CONFIGMAPS_RESOURCE, namespace, ca.name);
  const value = (cm?.['data'] as Record<string, string> | undefined)?.[ca.key];
  if (value === undefined) throw new UserError(`cannot find key ${JSON.stringify(ca.key)} in ConfigMap "${namespace}/${ca.name}"`);
  return value;
}

/** `spec.provider.<name>` checked against `schema`; a UserError naming the first bad field otherwise. */
export function parseProviderSpec<T>(store: StoreRef, name: string, schema: z.ZodType): T {
  const raw = store.provider[name];
  if (raw === undefined || raw === null) throw new UserError(`missing store provider ${name}`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new UserError(`invalid ${name} provider${where === '' ? '' : ` (${name}.${where})`}: ${issue?.message ?? 'invalid'}`);
  }
  // zod leaves absent optionals out, which is what exactOptionalPropertyTypes means.
  return parsed.data as T;
}
