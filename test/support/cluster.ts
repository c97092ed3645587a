/**
 * One Kubernetes cluster for the e2e suites (`test/e2e/`), whichever kind it is:
 *
 * - default: the in-process Kubernetes API test server (`test/support/kube/`), with Leases,
 *   Events, the ownerReference garbage collector and the `external-secrets.io/v1` CRDs
 *   applied through its API (`applyCrds`, schema-validated);
 * - `COFFER_TEST_CLUSTER=1` with `KUBECONFIG` set (`npm run test:cluster`): the real cluster
 *   of the kubeconfig's current context. Namespaces get a random suffix, the CRDs from
 *   `deploy/crds/` are created when absent (and left in place), and `close()` deletes what
 *   the suite created.
 *
 * Everything goes through one Kubernetes client (the operator runtime's, over the
 * kubeconfig), so a test does not know which kind it runs against.
 *
 * Real-cluster requirements (the coffer server and the operator run on this machine):
 * - the kubeconfig's user may create namespaces, ServiceAccounts, TokenRequests, Secrets,
 *   ConfigMaps, CRDs, ClusterRoleBindings and the external-secrets.io objects;
 * - the API server URL of the kubeconfig must be reachable from this machine (the coffer
 *   server calls its TokenReview API for kubernetes auth, with the kubeconfig's CA, which must
 *   be present: `certificate-authority[-data]`, not `insecure-skip-tls-verify`);
 * - no External Secrets Operator may run on it (the CRDs and objects would be shared), and it
 *   should be a throwaway cluster: the operator under test watches every namespace (the e2e
 *   harness gives each test file's operator its own `--controller-class` and sets it as
 *   `spec.controller` on the stores it creates, so parallel files keep to their own stores).
 * The reviewer token is a TokenRequest token of a ServiceAccount bound to
 * `system:auth-delegator` (what Vault's docs prescribe for `token_reviewer_jwt`).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKubeClient, type RuntimeKubeClient } from '../../src/operator/runtime/kube-client.js';
import { kubeConfigFor, loadKubeConfig } from '../../src/operator/runtime/kubeconfig.js';
import { KubeRequestError, type KubeObject, type ResourceRef } from '../../src/operator/runtime/types.js';
import { applyCrds, loadCrdManifests, start as startKubeTestServer, type KubeTestServer } from './kube/index.js';
import { writeKubeconfig } from './kube/kubeconfig-file.js';
import { registerOperatorResources } from './kube/operator-resources.js';
import { makeTempDir } from './temp.js';

const ref = (group: string, version: string, plural: string, kind: string, namespaced: boolean): ResourceRef => ({ group, version, plural, kind, namespaced });

/** The resources the e2e suites touch. */
export const RESOURCES = {
  namespaces: ref('', 'v1', 'namespaces', 'Namespace', false),
  secrets: ref('', 'v1', 'secrets', 'Secret', true),
  configMaps: ref('', 'v1', 'configmaps', 'ConfigMap', true),
  serviceAccounts: ref('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  events: ref('', 'v1', 'events', 'Event', true),
  externalSecrets: ref('external-secrets.io', 'v1', 'externalsecrets', 'ExternalSecret', true),
  secretStores: ref('external-secrets.io', 'v1', 'secretstores', 'SecretStore', true),
  clusterSecretStores: ref('external-secrets.io', 'v1', 'clustersecretstores', 'ClusterSecretStore', false),
  crds: ref('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  clusterRoleBindings: ref('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
} as const;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The ESO CRD manifests of this repository (`deploy/crds/external-secrets.io_*.yaml`). */
export const ESO_CRD_FILES: readonly string[] = readdirSync(join(REPO_ROOT, 'deploy', 'crds'))
  .filter((f) => f.startsWith('external-secrets.io_') && f.endsWith('.yaml'))
  .sort()
  .map((f) => join(REPO_ROOT, 'deploy', 'crds', f));

export interface Cluster {
  readonly mode: 'test-server' | 'real';
  /** A client with the kubeconfig's (admin) credentials. */
  readonly client: RuntimeKubeClient;
  /** A kubeconfig file for child processes (`coffer operator run --kubeconfig`). */
  readonly kubeconfigPath: string;
  /** The API server URL and CA, as the coffer server's kubernetes auth method takes them. */
  readonly server: string;
  readonly caPem: string;
  /** The in-process server (fault injection, recorded requests); undefined on a real cluster. */
  readonly testServer: KubeTestServer | undefined;
  /**
   * Creates a namespace and returns its name: `base` on the test server, `base-<random>` on a
   * real cluster (deleted by `close`).
   */
  namespace(base: string, labels?: Record<string, string>): Promise<string>;
  serviceAccount(namespace: string, name: string): Promise<void>;
  /** A token the coffer server can call TokenReview with (`token_reviewer_jwt`). */
  reviewerToken(): Promise<string>;
  /** Creates a cluster-scoped object, deleted again by `close` on a real cluster. */
  createClusterScoped<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T>;
  /** Events about the object `name` in `namespace`, oldest first. */
  events(namespace: string, name: string): Promise<KubeEvent[]>;
  close(): Promise<void>;
}

export interface KubeEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

/** `COFFER_TEST_CLUSTER=1` and `KUBECONFIG` set: run against that cluster. */
export function realClusterRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['COFFER_TEST_CLUSTER'] === '1' || env['COFFER_TEST_CLUSTER'] === 'true') && (env['KUBECONFIG'] ?? '') !== '';
}

/**
 * Serves the ESO CRDs on the test server: POSTed through its API (`applyCrds`), which
 * registers the types and validates custom resources against their schemas.
 */
export async function installEsoCrdsOnTestServer(kube: KubeTestServer, files: readonly string[] = ESO_CRD_FILES): Promise<void> {
  await applyCrds(kube, [...files]);
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates the CRDs a real cluster lacks (never replaces existing ones) and waits until they are Established. */
async function ensureCrds(client: RuntimeKubeClient, files: readonly string[]): Promise<void> {
  for (const manifest of loadCrdManifests([...files])) {
    const crd = manifest as KubeObject;
    const name = crd.metadata.name;
    const existing = await client.get(RESOURCES.crds, undefined, name);
    if (existing === null) await client.create(RESOURCES.crds, crd);
    await waitUntil(`CRD ${name} to be Established`, async () => {
      const got = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(RESOURCES.crds, undefined, name);
      return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true ? true : undefined;
    });
  }
}

function caPemOf(cluster: { caData?: string; caFile?: string }): string {
  if (cluster.caData !== undefined && cluster.caData !== '') return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster.caFile !== undefined && cluster.caFile !== '') return readFileSync(cluster.caFile, 'utf8');
  throw new Error('the kubeconfig cluster has no certificate-authority: the coffer server needs the CA to call TokenReview');
}

interface Parts {
  mode: Cluster['mode'];
  client: RuntimeKubeClient;
  kubeconfigPath: string;
  server: string;
  caPem: string;
  testServer: KubeTestServer | undefined;
  suffix: string;
  onClose: () => Promise<void>;
}

function buildCluster(parts: Parts): Cluster {
  const { client, mode } = parts;
  const namespaces: string[] = [];
  const clusterScoped: { res: ResourceRef; name: string }[] = [];
  let reviewer: Promise<string> | undefined;

  const cluster: Cluster = {
    mode,
    client,
    kubeconfigPath: parts.kubeconfigPath,
    server: parts.server,
    caPem: parts.caPem,
    testServer: parts.testServer,

    async namespace(base, labels = {}) {
      const name = `${base}${parts.suffix}`;
      await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
      namespaces.push(name);
      return name;
    },

    async serviceAccount(namespace, name) {
      await client.create(RESOURCES.serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
    },

    reviewerToken() {
      reviewer ??= (async () => {
        const ns = await cluster.namespace('coffer-e2e-system');
        await cluster.serviceAccount(ns, 'vault-reviewer');
        if (mode === 'real') {
          // A cluster without RBAC (404: the API is not served) needs no binding.
          await cluster
            .createClusterScoped(RESOURCES.clusterRoleBindings, {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: `${ns}-token-reviewer` },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
            subjects: [{ kind: 'ServiceAccount', name: 'vault-reviewer', namespace: ns }],
            })
            .catch((err: unknown) => {
              if (!isKubeStatus(err, 404)) throw err;
            });
        }
        const tokenRes = { ...RESOURCES.serviceAccounts, plural: 'serviceaccounts/vault-reviewer/token', kind: 'TokenRequest' };
        const answer = await client.create<KubeObject & { status?: { token?: string } }>(tokenRes, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: { name: 'vault-reviewer', namespace: ns },
          spec: { expirationSeconds: 3600 },
        });
        const token = answer.status?.token;
        if (token === undefined || token === '') throw new Error('TokenRequest answered without a token');
        return token;
      })();
      return reviewer;
    },

    async createClusterScoped(res, obj) {
      const created = await client.create(res, obj);
      clusterScoped.push({ res, name: obj.metadata.name });
      return created;
    },

    async events(namespace, name) {
      const { items } = await client.list<KubeEvent>(RESOURCES.events, { namespace, fieldSelector: `involvedObject.name=${name}` });
      return items.sort((a, b) => Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0));
    },

    async close() {
      try {
        if (mode === 'real') {
          // Our finalizers must not hold the namespaces once the operator is gone.
          for (const ns of namespaces) {
            const { items } = await client.list(RESOURCES.externalSecrets, { namespace: ns }).catch(() => ({ items: [] as KubeObject[] }));
            for (const es of items) {
              await client.patch(RESOURCES.externalSecrets, ns, es.metadata.name, { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
            }
          }
          for (const { res, name } of clusterScoped.reverse()) await client.delete(res, undefined, name).catch(() => undefined);
          for (const ns of namespaces) await client.delete(RESOURCES.namespaces, undefined, ns).catch(() => undefined);
        }
      } finally {
        client.close();
        await parts.onClose();
      }
    },
  };
  return cluster;
}

async function startTestServerCluster(dir: string): Promise<Cluster> {
  // Garbage collection is on (the default), as on every cluster: owned Secrets follow their ExternalSecret.
  const kube = await startKubeTestServer();
  registerOperatorResources(kube);
  await installEsoCrdsOnTestServer(kube);
  const kubeconfigPath = writeKubeconfig(dir, kube);
  const client = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  return buildCluster({ mode: 'test-server', client, kubeconfigPath, server: kube.url, caPem: kube.caPem, testServer: kube, suffix: '', onClose: () => kube.close() });
}

async function startRealCluster(dir: string, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const { kc } = loadKubeConfig({ env });
  const current = kc.getCurrentCluster();
  if (current === null) throw new Error('the kubeconfig has no current cluster');
  const kubeconfigPath = join(dir, 'kubeconfig');
  // One self-contained file (KUBECONFIG may be a list) for the operator child process.
  writeFileSync(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  const client = createKubeClient(kc);
  await ensureCrds(client, ESO_CRD_FILES);
  return buildCluster({
    mode: 'real',
    client,
    kubeconfigPath,
    server: current.server,
    caPem: caPemOf(current),
    testServer: undefined,
    suffix: `-${randomBytes(3).toString('hex')}`,
    onClose: () => Promise.resolve(),
  });
}

/** The test server (default) or, with `COFFER_TEST_CLUSTER=1` and `KUBECONFIG`, the real cluster. */
export async function startCluster(options: { env?: NodeJS.ProcessEnv } = {}): Promise<Cluster> {
  const env = options.env ?? process.env;
  const dir = makeTempDir('coffer-cluster-');
  return realClusterRequested(env) ? startRealCluster(dir, env) : startTestServerCluster(dir);
}

/** True when `err` is the API server's answer `status`. */
export function isKubeStatus(err: unknown, status: number): boolean {
  return err instanceof KubeRequestError && err.status === status;
}
