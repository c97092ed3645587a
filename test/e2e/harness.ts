/**
 * The e2e harness: one cluster (`startCluster`), one real `coffer server` process (the built
 * CLI, sqlite storage, initialised and unsealed, KV v2 at `secret/`, kubernetes auth pointed
 * at the cluster's TokenReview) and one `coffer operator run -external-secrets` process per
 * test file. Everything is configured as an operator would: over HTTP and the Kubernetes API.
 *
 * Waits are bounded polls; a timeout fails with the operator's (and the server's) output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { RESOURCES, startCluster, type Cluster, type KubeEvent } from '../support/cluster.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { makeTempDir, removeTempDirs } from '../support/temp.js';
import type { KubeObject, ResourceRef } from '../../src/operator/runtime/types.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** A `coffer server` child process, initialised with one unseal key. */
export interface CofferServer {
  readonly address: string;
  readonly rootToken: string;
  readonly process: ServerProcess;
  /** A request with the root token; throws on a non-2xx answer. */
  call(method: string, path: string, body?: unknown): Promise<RawResponse>;
  /** Writes a new KV v2 version of `secret/<path>`. */
  put(path: string, data: Record<string, string>): Promise<void>;
  policy(name: string, hcl: string): Promise<void>;
  /** A kubernetes auth role bound to one ServiceAccount in one namespace. */
  role(name: string, namespace: string, serviceAccount: string, policies: string[]): Promise<void>;
  /** SIGKILL, then start again on the same storage and unseal. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface OperatorProcess {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface E2e {
  cluster: Cluster;
  coffer: CofferServer;
  operator: OperatorProcess;
  /** Polls `probe` until it gives a value (not undefined/null); fails with the processes' output. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | null>, timeoutMs?: number): Promise<T>;
  /** Creates an object given as YAML (or an object), in `namespace` when it is namespaced. */
  apply<T extends KubeObject = KubeObject>(manifest: string | KubeObject, namespace?: string): Promise<T>;
  secret(namespace: string, name: string): Promise<SecretObject | null>;
  externalSecret(namespace: string, name: string): Promise<KubeObject | null>;
  /** The Ready condition of an ExternalSecret (or store). */
  ready(res: ResourceRef, namespace: string | undefined, name: string): Promise<Condition | undefined>;
  /** Waits for Ready with `status` (and `reason`, when given). */
  waitReady(res: ResourceRef, namespace: string | undefined, name: string, status: 'True' | 'False', reason?: string): Promise<Condition>;
  /** Changes the `force-sync` annotation (ESO's manual refresh). */
  forceSync(namespace: string, name: string): Promise<void>;
  events(namespace: string, name: string): Promise<KubeEvent[]>;
  /**
   * A tenant: a namespace, a ServiceAccount, a policy reading `secret/data/<path>` for each
   * path, and a kubernetes auth role bound to that ServiceAccount in that namespace.
   */
  tenant(base: string, options: { serviceAccount: string; role: string; paths: string[]; labels?: Record<string, string> }): Promise<string>;
  close(): Promise<void>;
}

const KIND_RESOURCES: Readonly<Record<string, ResourceRef>> = {
  Secret: RESOURCES.secrets,
  ConfigMap: RESOURCES.configMaps,
  ServiceAccount: RESOURCES.serviceAccounts,
  ExternalSecret: RESOURCES.externalSecrets,
  SecretStore: RESOURCES.secretStores,
  ClusterSecretStore: RESOURCES.clusterSecretStores,
};

export const text = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');
export const b64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

/** A Secret's data decoded to text. */
export function decoded(secret: SecretObject | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, text(v)]));
}

export function readyOf(obj: KubeObject | null | undefined): Condition | undefined {
  const conditions = (obj?.['status'] as { conditions?: Condition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'Ready');
}

function tail(out: string, max = 6000): string {
  return out.length > max ? `…${out.slice(-max)}` : out;
}

const CLI_PATH = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'dist', 'cli', 'main.js');

function requireBuiltCli(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`the built CLI is missing (${CLI_PATH}): run \`npm run build\` before the e2e tests`);
}

/** The parent's environment minus VAULT_ and COFFER_ variables (a developer's VAULT_ADDR must not leak in). */
function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VAULT|COFFER)_/.test(k)) env[k] = v;
  return { ...env, HOME: home, USERPROFILE: home };
}

interface Child {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
}

function launch(args: string[], home: string): Child {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > 256 * 1024) out = out.slice(-256 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out, exited: () => child.exitCode !== null || child.signalCode !== null };
}

function waitExit(c: Child): Promise<void> {
  return c.exited() ? Promise.resolve() : new Promise((r) => c.child.once('exit', () => r()));
}

/**
 * The built `coffer server` (a config file, sqlite storage in a temp dir, a fixed port), so it
 * can be killed and started again on the same storage. Not `spawnServer` from
 * test/support/servers.ts: that module loads the whole server in-process (seconds per file).
 */
export interface ServerProcess {
  readonly address: string;
  output(): string;
  kill9(): Promise<void>;
  restart(): Promise<void>;
}

async function spawnServerProcess(): Promise<ServerProcess> {
  const dir = makeTempDir('coffer-e2e-server-');
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const config = join(dir, 'config.hcl');
  writeFileSync(
    config,
    [
      `storage "sqlite" {\n  path = ${JSON.stringify(join(dir, 'coffer.db'))}\n}`,
      `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}`,
      `api_addr = "${address}"`,
      'ui = false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  let current: Child;
  const start = async (): Promise<void> => {
    current = launch(['server', `-config=${config}`, '-log-level=warn'], dir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (current.exited()) throw new Error(`coffer server exited before it was ready:\n${current.output()}`);
      const res = await rawRequest(address, 'GET', '/v1/sys/health?uninitcode=200&sealedcode=200', { timeoutMs: 2000 }).catch(() => undefined);
      if (res?.status === 200) return;
      if (Date.now() > deadline) throw new Error(`coffer server not ready:\n${current.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    address,
    output: () => current.output(),
    async kill9() {
      current.child.kill('SIGKILL');
      await waitExit(current);
    },
    async restart() {
      if (!current.exited()) throw new Error('restart: the server is still running');
      await start();
    },
  };
}

async function startCoffer(): Promise<CofferServer> {
  const proc = await spawnServerProcess();
  const init = await rawRequest(proc.address, 'PUT', '/v1/sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
  if (init.status !== 200) throw new Error(`sys/init: ${init.status} ${init.text}`);
  const unsealKey = (init.json as { keys_base64: string[] }).keys_base64[0] ?? '';
  const unseal = async (): Promise<void> => {
    const res = await rawRequest(proc.address, 'PUT', '/v1/sys/unseal', { body: { key: unsealKey } });
    if (res.status !== 200 || (res.json as { sealed?: boolean }).sealed !== false) throw new Error(`sys/unseal: ${res.status} ${res.text}`);
  };
  await unseal();
  const rootToken = (init.json as { root_token: string }).root_token;
  const call = async (method: string, path: string, body?: unknown): Promise<RawResponse> => {
    const res = await rawRequest(proc.address, method, path, { token: rootToken, ...(body !== undefined ? { body } : {}) });
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res;
  };
  await call('POST', '/v1/sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  await call('POST', '/v1/sys/auth/kubernetes', { type: 'kubernetes' });
  return {
    address: proc.address,
    rootToken,
    process: proc,
    call,
    async put(path, data) {
      await call('POST', `/v1/secret/data/${path}`, { data });
    },
    async policy(name, hcl) {
      await call('PUT', `/v1/sys/policies/acl/${name}`, { policy: hcl });
    },
    async role(name, namespace, serviceAccount, policies) {
      await call('POST', `/v1/auth/kubernetes/role/${name}`, {
        bound_service_account_names: serviceAccount,
        bound_service_account_namespaces: namespace,
        token_policies: policies.join(','),
        token_ttl: '15m',
      });
    },
    async kill() {
      await proc.kill9();
    },
    async restart() {
      await proc.restart();
      await unseal();
    },
  };
}

async function startOperator(cluster: Cluster, controllerClass: string | undefined): Promise<OperatorProcess> {
  const home = makeTempDir('coffer-operator-home-');
  const [metricsPort, livePort] = [await freePort(), await freePort()];
  const op = launch(
    [
      'operator',
      'run',
      '-external-secrets',
      '--kubeconfig',
      cluster.kubeconfigPath,
      `-metrics-addr=127.0.0.1:${metricsPort}`,
      `-live-addr=127.0.0.1:${livePort}`,
      '-loglevel=info',
      ...(controllerClass !== undefined ? [`-controller-class=${controllerClass}`] : []),
    ],
    home,
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (op.exited()) throw new Error(`the operator exited before it was ready (${op.child.exitCode ?? op.child.signalCode}):\n${op.output()}`);
    const ok = await fetch(`http://127.0.0.1:${livePort}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      op.child.kill('SIGKILL');
      throw new Error(`the operator did not become ready:\n${op.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child: op.child,
    output: op.output,
    async stop() {
      if (!op.exited()) op.child.kill('SIGTERM');
      // A graceful shutdown that hangs must not hang the suite.
      const timer = setTimeout(() => op.child.kill('SIGKILL'), 10_000);
      await waitExit(op);
      clearTimeout(timer);
      return op.child.exitCode;
    },
  };
}

/** Starts the cluster, the coffer server (kubernetes auth configured) and the operator. */
export async function startE2e(): Promise<E2e> {
  requireBuiltCli();
  const cluster = await startCluster();
  // On a shared real cluster every test file's operator watches every namespace: a controller
  // class per file (set on the stores it creates) keeps each to its own stores.
  const controllerClass = cluster.mode === 'real' ? `coffer-e2e-${randomBytes(4).toString('hex')}` : undefined;
  // The server and the operator start side by side: the operator needs only the cluster.
  const [server, started] = await Promise.allSettled([
    (async () => {
      const coffer = await startCoffer();
      await coffer.call('POST', '/v1/auth/kubernetes/config', {
        kubernetes_host: cluster.server,
        kubernetes_ca_cert: cluster.caPem,
        token_reviewer_jwt: await cluster.reviewerToken(),
      });
      return coffer;
    })(),
    startOperator(cluster, controllerClass),
  ]);
  if (server.status === 'rejected' || started.status === 'rejected') {
    if (server.status === 'fulfilled') await server.value.process.kill9().catch(() => undefined);
    if (started.status === 'fulfilled') await started.value.stop().catch(() => undefined);
    await cluster.close();
    throw server.status === 'rejected' ? server.reason : (started as PromiseRejectedResult).reason;
  }
  const c = server.value;
  const op = started.value;
  const client = cluster.client;

  const e2e: E2e = {
    cluster,
    coffer: c,
    operator: op,

    async waitFor(what, probe, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let lastError = '';
      for (;;) {
        try {
          const value = await probe();
          if (value !== undefined && value !== null) return value;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${what}${lastError !== '' ? ` (last error: ${lastError})` : ''}\n--- operator output ---\n${tail(op.output())}\n--- coffer server output ---\n${tail(c.process.output(), 2000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },

    async apply<T extends KubeObject = KubeObject>(manifest: string | KubeObject, namespace?: string): Promise<T> {
      const obj = (typeof manifest === 'string' ? parseYaml(manifest) : structuredClone(manifest)) as T;
      const res = KIND_RESOURCES[obj.kind];
      if (res === undefined) throw new Error(`apply: unsupported kind ${obj.kind}`);
      if (res.namespaced) obj.metadata = { ...obj.metadata, namespace: namespace ?? obj.metadata.namespace ?? 'default' };
      const spec = obj['spec'] as { controller?: string } | undefined;
      if (controllerClass !== undefined && (obj.kind === 'SecretStore' || obj.kind === 'ClusterSecretStore') && spec !== undefined) spec.controller ??= controllerClass;
      if (!res.namespaced) return cluster.createClusterScoped(res, obj);
      return client.create(res, obj);
    },

    secret: (namespace, name) => client.get<SecretObject>(RESOURCES.secrets, namespace, name),
    externalSecret: (namespace, name) => client.get(RESOURCES.externalSecrets, namespace, name),

    async ready(res, namespace, name) {
      return readyOf(await client.get(res, namespace, name));
    },

    waitReady(res, namespace, name, status, reason) {
      let last: Condition | undefined;
      return e2e
        .waitFor(`${res.kind} ${namespace ?? ''}/${name} Ready=${status}${reason !== undefined ? ` (${reason})` : ''}`, async () => {
          last = await e2e.ready(res, namespace, name);
          return last !== undefined && last.status === status && (reason === undefined || last.reason === reason) ? last : undefined;
        })
        .catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n--- last Ready condition ---\n${JSON.stringify(last)}`);
        });
    },

    async forceSync(namespace, name) {
      await client.patch(RESOURCES.externalSecrets, namespace, name, { metadata: { annotations: { 'external-secrets.io/force-sync': `${Date.now()}-${Math.random()}` } } }, 'merge');
    },

    events: (namespace, name) => cluster.events(namespace, name),

    async tenant(base, options) {
      const ns = await cluster.namespace(base, options.labels ?? {});
      await cluster.serviceAccount(ns, options.serviceAccount);
      const hcl = options.paths.map((p) => `path "secret/data/${p}" {\n  capabilities = ["read"]\n}\n`).join('');
      await c.policy(`${options.role}-ro`, hcl);
      await c.role(options.role, ns, options.serviceAccount, [`${options.role}-ro`]);
      return ns;
    },

    async close() {
      await op.stop().catch(() => undefined);
      await c.process.kill9().catch(() => undefined);
      await cluster.close();
      removeTempDirs();
    },
  };
  return e2e;
}

/**
 * A SecretStore for the coffer server with kubernetes auth (the seeds' shape): KV v2 at
 * `secret`, `serviceAccountRef` to the tenant's ServiceAccount.
 */
export function vaultStore(
  e2e: E2e,
  name: string,
  role: string,
  serviceAccount: string,
  options: { kind?: 'SecretStore' | 'ClusterSecretStore'; serviceAccountNamespace?: string; conditions?: unknown[] } = {},
): KubeObject {
  const serviceAccountRef = { name: serviceAccount, ...(options.serviceAccountNamespace !== undefined ? { namespace: options.serviceAccountNamespace } : {}) };
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: options.kind ?? 'SecretStore',
    metadata: { name },
    spec: {
      provider: {
        vault: {
          server: e2e.coffer.address,
          path: 'secret',
          version: 'v2',
          auth: { kubernetes: { mountPath: 'kubernetes', role, serviceAccountRef } },
        },
      },
      ...(options.conditions !== undefined ? { conditions: options.conditions } : {}),
    },
  };
}
