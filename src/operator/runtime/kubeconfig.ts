/**
 * Where the operator's Kubernetes credentials come from, in kubectl's order: `--kubeconfig`,
 * then `KUBECONFIG` (a path list, merged), then `~/.kube/config`, then the in-cluster
 * ServiceAccount. Unlike `KubeConfig.loadFromDefault` it never falls back to an unauthenticated
 * `http://localhost:8080`: with nothing found it says so.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeConfigOptions {
  /** `--kubeconfig`. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides `~` (tests). */
  home?: string;
  /** Overrides the ServiceAccount mount (tests). */
  serviceAccountDir?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  source: 'flag' | 'env' | 'home' | 'in-cluster';
  /** The namespace the operator runs in, when known (in-cluster, or the context's namespace). */
  namespace: string | undefined;
}

export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const saDir = options.serviceAccountDir ?? SA_DIR;
  const kc = new KubeConfig();
  const contextNamespace = (): string | undefined => {
    const ctx = kc.getContextObject(kc.getCurrentContext());
    return ctx?.namespace || undefined;
  };
  const load = (path: string): void => {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new UserError(`error loading kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  if (options.path !== undefined && options.path !== '') {
    load(options.path);
    return { kc, source: 'flag', namespace: contextNamespace() };
  }
  const fromEnv = env['KUBECONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const paths = fromEnv.split(process.platform === 'win32' ? ';' : ':').filter((p) => p !== '' && existsSync(p));
    if (paths.length === 0) throw new UserError(`KUBECONFIG names no existing file: ${fromEnv}`);
    // Merged as kubectl does: the first file's current context wins.
    for (const [i, path] of paths.entries()) {
      if (i === 0) {
        load(path);
        continue;
      }
      const more = new KubeConfig();
      try {
        more.loadFromFile(path);
      } catch (err) {
        throw new UserError(`error loading kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
      kc.mergeConfig(more, false);
    }
    return { kc, source: 'env', namespace: contextNamespace() };
  }
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) {
    load(home);
    return { kc, source: 'home', namespace: contextNamespace() };
  }
  if (env['KUBERNETES_SERVICE_HOST'] && existsSync(join(saDir, 'token'))) {
    kc.loadFromCluster(saDir);
    const nsFile = join(saDir, 'namespace');
    const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || undefined : undefined;
    return { kc, source: 'in-cluster', namespace };
  }
  throw new UserError('no Kubernetes configuration found: pass -kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a cluster');
}

/** A KubeConfig for one server and bearer token (tests, embedded use). */
export function kubeConfigFor(options: { server: string; caPem?: string; token: string; namespace?: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server: options.server, ...(options.caPem !== undefined ? { caData: Buffer.from(options.caPem).toString('base64') } : {}), skipTLSVerify: false }],
    users: [{ name: 'user', token: options.token }],
    contexts: [{ name: 'context', cluster: 'cluster', user: 'user', ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) }],
    currentContext: 'context',
  });
  return kc;
}
