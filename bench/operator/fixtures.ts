/**
 * What the operator benchmark sets up: the ESO resource types on the Kubernetes API test
 * server, per-namespace SecretStores (vault provider, `tokenSecretRef` auth) with their token
 * Secrets, the ExternalSecrets (created straight in the store: no API load before the
 * operator starts), the KV v2 keys and a read-only token in the Coffer server, a kubeconfig.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, KubeTestServer, ResourceType } from '../../test/support/kube/index.js';
import { DEFAULT_CRD_DIR, applyCrds } from '../../test/support/kube/crds.js';
import { registerOperatorResources } from '../../test/support/kube/operator-resources.js';
import { vaultCall } from '../harness.js';
import { CES_TYPE, CSS_TYPE, ES_TYPE, SS_TYPE, esoType } from '../../test/support/kube/eso-types.js';
export { writeKubeconfig } from '../../test/support/kube/kubeconfig-file.js';
export { ES_TYPE, SS_TYPE, CSS_TYPE } from '../../test/support/kube/eso-types.js';


/** `shared`: N/10 remote keys, each read by 10 ExternalSecrets; `unique`: one key per ExternalSecret. */
export type Layout = 'shared' | 'unique';
export const SHARED_FANOUT = 10;

export function keyCount(objects: number, layout: Layout): number {
  return layout === 'unique' ? objects : Math.max(1, Math.ceil(objects / SHARED_FANOUT));
}

export const keyPath = (layout: Layout, j: number): string => `bench/${layout}/k${j}`;
export const esName = (i: number): string => `es-${String(i).padStart(5, '0')}`;

export interface BenchObject {
  namespace: string;
  name: string;
  /** Index of its remote key. */
  key: number;
}

/** ExternalSecret i reads key `i mod M`; namespaces round-robin. */
export function planObjects(objects: number, layout: Layout, namespaces: readonly string[]): BenchObject[] {
  const keys = keyCount(objects, layout);
  return Array.from({ length: objects }, (_, i) => ({ namespace: namespaces[i % namespaces.length] ?? 'default', name: esName(i), key: i % keys }));
}


/** Whether a store type is the one the benchmark's ExternalSecrets live in (however it was registered). */
export const isExternalSecretType = (type: ResourceType): boolean => type.group === ES_TYPE.group && type.resource === ES_TYPE.resource;

/** What the operator may watch besides the three types the benchmark uses. */
const OTHER_ESO_TYPES: ResourceType[] = [
  CES_TYPE,
  { ...esoType('pushsecrets', 'PushSecret', true), version: 'v1alpha1' },
];

/**
 * Serves the ESO types (and Leases/Events) on the test server: every CRD in deploy/crds/
 * through `applyCrds`, as an install does (schema defaulting and validation on every write,
 * as an apiserver does), or — when they cannot be applied — plain registrations without a
 * schema. Returns how, for the report.
 */
export async function registerEsoTypes(kube: KubeTestServer): Promise<string> {
  registerOperatorResources(kube);
  try {
    const files = readdirSync(DEFAULT_CRD_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(DEFAULT_CRD_DIR, f));
    await applyCrds(kube, files);
    return `CRDs from deploy/crds/ (${files.length} files, schema-validated)`;
  } catch (err) {
    for (const t of [ES_TYPE, SS_TYPE, CSS_TYPE, ...OTHER_ESO_TYPES]) if (kube.store.resolve(t.group, t.version, t.resource) === undefined) kube.store.register(t);
    return `plain registrations without a schema (applyCrds failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** The ExternalSecret type as the store serves it. */
export function esType(kube: KubeTestServer): ResourceType {
  const type = kube.store.resolve(ES_TYPE.group, ES_TYPE.version, ES_TYPE.resource);
  if (type === undefined) throw new Error('externalsecrets.external-secrets.io is not served');
  return type;
}

export const TOKEN_SECRET = 'coffer-token';
export const STORE_NAME = 'coffer';

/** A namespace with the token Secret and a SecretStore pointing at the Coffer server (status left to the operator). */
export function createTenant(kube: KubeTestServer, namespace: string, vaultAddress: string, vaultToken: string): void {
  kube.createNamespace(namespace);
  kube.store.create(kube.store.type('secrets'), namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: TOKEN_SECRET },
    type: 'Opaque',
    data: { token: Buffer.from(vaultToken).toString('base64') },
  } as KubeObject);
  const ssType = kube.store.resolve(SS_TYPE.group, SS_TYPE.version, SS_TYPE.resource) ?? SS_TYPE;
  kube.store.create(ssType, namespace, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name: STORE_NAME },
    spec: { provider: { vault: { server: vaultAddress, path: 'secret', version: 'v2', auth: { tokenSecretRef: { name: TOKEN_SECRET, key: 'token' } } } } },
  });
}

export function externalSecret(obj: BenchObject, layout: Layout, refreshInterval: string): KubeObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: obj.name, namespace: obj.namespace },
    spec: {
      refreshInterval,
      secretStoreRef: { name: STORE_NAME, kind: 'SecretStore' },
      target: { name: obj.name },
      data: [{ secretKey: 'value', remoteRef: { key: keyPath(layout, obj.key), property: 'value' } }],
    },
  };
}

export async function pool<T>(items: readonly T[], inFlight: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, worker));
}

/**
 * A policy reading `secret/data/bench/*` and a token holding it (what the SecretStores use).
 * With `events`, the policy also lets it subscribe to KV events (`read` on
 * `sys/events/subscribe/*`); without, the server refuses the subscription and the operator
 * falls back to polling — so the propagation mode is decided here, not by an operator flag.
 */
export async function createReadToken(address: string, rootToken: string, events: boolean): Promise<string> {
  const rules = [
    'path "secret/data/bench/*" {\n  capabilities = ["read"]\n}',
    'path "secret/metadata/bench/*" {\n  capabilities = ["read", "list"]\n}',
    ...(events ? ['path "sys/events/subscribe/*" {\n  capabilities = ["read"]\n}'] : []),
  ];
  await vaultCall(address, 'PUT', 'sys/policies/acl/bench-eso', { token: rootToken, body: { policy: `${rules.join('\n')}\n` } });
  const { body } = await vaultCall(address, 'POST', 'auth/token/create', { token: rootToken, body: { policies: ['bench-eso'], ttl: '24h', no_default_policy: false } });
  const token = (body?.['auth'] as { client_token?: string } | undefined)?.client_token;
  if (typeof token !== 'string') throw new Error('auth/token/create returned no client_token');
  return token;
}

/** Writes `{value: "<layout>-<j>-v0"}` to every key of the layout. */
export async function seedKeys(address: string, rootToken: string, layout: Layout, keys: number): Promise<void> {
  await pool(
    Array.from({ length: keys }, (_, j) => j),
    32,
    async (j) => {
      await vaultCall(address, 'POST', `secret/data/${keyPath(layout, j)}`, { token: rootToken, body: { data: { value: `${layout}-${j}-v0` } } });
    },
  );
}

/** GET (read) requests the Coffer server served on the `secret/` mount so far, and every other request. */
export async function serverRequestCounts(address: string, rootToken: string): Promise<{ kvReads: number; kvWrites: number; other: number }> {
  const url = `${address}/v1/sys/metrics?format=prometheus`;
  const scrape = async (): Promise<string> => (await fetch(url, { headers: { 'x-vault-token': rootToken }, signal: AbortSignal.timeout(10_000) })).text();
  let text: string;
  try {
    text = await scrape();
  } catch (err) {
    // A pooled keep-alive connection the server closed meanwhile fails once; a fresh one must not.
    try {
      text = await scrape();
    } catch (again) {
      const cause = (e: unknown): string => (e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e));
      throw new Error(`cannot read the Coffer server's request metrics at ${url}: ${cause(again)}; first attempt: ${cause(err)}`);
    }
  }
  let kvReads = 0;
  let kvWrites = 0;
  let other = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('coffer_requests_total{')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    const secretMount = line.includes('mount="secret/"');
    if (secretMount && line.includes('operation="GET"')) kvReads += value;
    else if (secretMount && /operation="(POST|PUT|PATCH)"/.test(line)) kvWrites += value;
    else if (!line.includes('mount="sys/"')) other += value;
  }
  return { kvReads, kvWrites, other };
}
