/**
 * Just enough kubeconfig for `coffer seal` to reach the controller through the API server's
 * service proxy (as kubeseal does) and for `coffer seal backup` to read the key Secrets: the
 * current (or `--context`) context's server, CA, bearer token / token file, client
 * certificate or basic auth. `exec` and `auth-provider` plugins are not supported.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../shared/errors.js';

export interface KubeConnection {
  server: string;
  namespace: string;
  ca?: Buffer;
  insecureSkipTlsVerify?: boolean;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  username?: string;
  password?: string;
}

export interface KubeconfigOptions {
  /** `--kubeconfig`: wins over `KUBECONFIG` and `~/.kube/config`. */
  path?: string;
  /** `--context`. */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

/** Raised when there is no kubeconfig at all (kubeseal's `IsEmptyConfig`). */
export class NoKubeconfigError extends UserError {}

type Named<T> = { name?: string } & T;

interface RawConfig {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
  clusters?: Named<{ cluster?: { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kubeconfig files in precedence order. */
export function kubeconfigPaths(options: KubeconfigOptions = {}): string[] {
  if (options.path !== undefined && options.path !== '') return [options.path];
  const env = options.env ?? process.env;
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length > 0) return list;
  const home = env['HOME'] ?? homedir();
  return [join(home, '.kube', 'config')];
}

interface Loaded {
  config: RawConfig;
  /** Which file each named entry came from (relative paths resolve against it). */
  dirOf: Map<object, string>;
}

function load(options: KubeconfigOptions): Loaded {
  const merged: RawConfig = { contexts: [], clusters: [], users: [] };
  const dirOf = new Map<object, string>();
  let found = false;
  const explicit = options.path !== undefined && options.path !== '';
  for (const file of kubeconfigPaths(options)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (explicit) throw new UserError(`cannot read kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      continue;
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      throw new UserError(`cannot parse kubeconfig ${file}: invalid YAML`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new UserError(`cannot parse kubeconfig ${file}: expected a mapping`);
    found = true;
    const raw = doc as RawConfig;
    // As clientcmd merges: the first file to set a value (or name an entry) wins.
    if (merged['current-context'] === undefined && typeof raw['current-context'] === 'string' && raw['current-context'] !== '') {
      merged['current-context'] = raw['current-context'];
    }
    for (const key of ['contexts', 'clusters', 'users'] as const) {
      const entries = Array.isArray(raw[key]) ? (raw[key] as Named<object>[]) : [];
      const target = merged[key] as Named<object>[];
      for (const entry of entries) {
        if (!isRecord(entry) || target.some((e) => e.name === entry.name)) continue;
        target.push(entry);
        dirOf.set(entry, dirname(file));
      }
    }
  }
  if (!found) throw new NoKubeconfigError(`no kubeconfig found (looked in ${kubeconfigPaths(options).join(', ')})`);
  return { config: merged, dirOf };
}

function fileOrData(dir: string, file: unknown, data: unknown, what: string): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file !== '') {
    const path = isAbsolute(file) ? file : join(dir, file);
    try {
      return readFileSync(path);
    } catch {
      throw new UserError(`cannot read ${what} ${path}`);
    }
  }
  return undefined;
}

/** Resolves the kubeconfig into one connection (server, credentials, namespace). */
export function loadKubeConnection(options: KubeconfigOptions = {}): KubeConnection {
  const { config, dirOf } = load(options);
  const contextName = options.context !== undefined && options.context !== '' ? options.context : config['current-context'];
  if (contextName === undefined) throw new UserError('the kubeconfig has no current-context (use --context)');
  const ctx = config.contexts?.find((c) => c.name === contextName);
  if (ctx === undefined) throw new UserError(`context ${JSON.stringify(contextName)} not found in the kubeconfig`);
  const clusterEntry = config.clusters?.find((c) => c.name === ctx.context?.cluster);
  if (clusterEntry?.cluster?.server === undefined) throw new UserError(`cluster ${JSON.stringify(ctx.context?.cluster ?? '')} of context ${JSON.stringify(contextName)} has no server`);
  const cluster = clusterEntry.cluster;
  const conn: KubeConnection = { server: String(cluster.server).replace(/\/+$/, ''), namespace: ctx.context?.namespace || 'default' };
  const clusterDir = dirOf.get(clusterEntry) ?? '.';
  const ca = fileOrData(clusterDir, cluster['certificate-authority'], cluster['certificate-authority-data'], 'certificate-authority');
  if (ca !== undefined) conn.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTlsVerify = true;

  const userEntry = config.users?.find((u) => u.name === ctx.context?.user);
  const user = userEntry?.user ?? {};
  const userDir = userEntry !== undefined ? (dirOf.get(userEntry) ?? '.') : '.';
  if (user['exec'] !== undefined || user['auth-provider'] !== undefined) {
    throw new UserError(`user ${JSON.stringify(ctx.context?.user ?? '')}: exec and auth-provider credentials are not supported; use a token, a token file or a client certificate`);
  }
  if (typeof user['token'] === 'string' && user['token'] !== '') conn.token = user['token'];
  else if (typeof user['tokenFile'] === 'string' && user['tokenFile'] !== '') {
    const token = fileOrData(userDir, user['tokenFile'], undefined, 'tokenFile');
    if (token !== undefined) conn.token = token.toString('utf8').trim();
  }
  const cert = fileOrData(userDir, user['client-certificate'], user['client-certificate-data'], 'client-certificate');
  const key = fileOrData(userDir, user['client-key'], user['client-key-data'], 'client-key');
  if (cert !== undefined) conn.cert = cert;
  if (key !== undefined) conn.key = key;
  if (typeof user['username'] === 'string' && typeof user['password'] === 'string') {
    conn.username = user['username'];
    conn.password = user['password'];
  }
  return conn;
}

export interface KubeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request to the API server (path starts with `/`). */
export function kubeRequest(
  conn: KubeConnection,
  method: string,
  path: string,
  options: { body?: string | Buffer; contentType?: string; accept?: string; timeoutMs?: number } = {},
): Promise<KubeResponse> {
  const url = new URL(conn.server + path);
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json, */*', 'User-Agent': 'coffer-seal' };
  if (conn.token !== undefined) headers['Authorization'] = `Bearer ${conn.token}`;
  else if (conn.username !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${conn.username}:${conn.password ?? ''}`).toString('base64')}`;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  }
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:') return Promise.reject(new UserError(`unsupported server URL scheme ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      url,
      {
        method,
        headers,
        ...(tls
          ? {
              ...(conn.ca !== undefined ? { ca: conn.ca } : {}),
              ...(conn.cert !== undefined ? { cert: conn.cert } : {}),
              ...(conn.key !== undefined ? { key: conn.key } : {}),
              rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
            }
          : {}),
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url.host} timed out`)));
    req.on('error', (err) => reject(new UserError(`cannot reach the API server ${url.host}: ${err.message}`)));
    req.end(options.body);
  });
}

/** The message of a Kubernetes `Status` body, or the status line. */
export function statusMessage(res: KubeResponse): string {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') return body.message;
  } catch {
    // not a Status
  }
  const text = res.body.toString('utf8').trim();
  return text !== '' && text.length < 300 ? `${res.status}: ${text}` : `the server responded with status ${res.status}`;
}

/** `http:<name>:<port>` as client-go's `JoinSchemeNamePort` writes it. */
export function joinSchemeNamePort(scheme: string, name: string, port: string): string {
  if (scheme !== '') return `${scheme}:${name}:${port}`;
  return port !== '' ? `${name}:${port}` : name;
}

/** The service proxy path of a controller endpoint (`/v1/cert.pem`, …). */
export function serviceProxyPath(namespace: string, name: string, port: string, suffix: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(joinSchemeNamePort('http', name, port)).replace(/%3A/g, ':')}/proxy${suffix}`;
}

/** Where the controller is: its Service (kubeseal's `--controller-name/--controller-namespace`). */
export interface ControllerRef {
  namespace: string;
  name: string;
}

/**
 * The Service's first port name, as kubeseal's `getServicePortName`. Without permission to read
 * Services (403) the port is left empty, which the proxy resolves for a single-port Service.
 */
export async function controllerPortName(conn: KubeConnection, controller: ControllerRef): Promise<string> {
  const res = await kubeRequest(conn, 'GET', `/api/v1/namespaces/${encodeURIComponent(controller.namespace)}/services/${encodeURIComponent(controller.name)}`);
  if (res.status === 403) return '';
  if (res.status !== 200) {
    throw new UserError(
      `cannot get sealed secret service: ${statusMessage(res)}.\nPlease, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller`,
    );
  }
  try {
    const svc = JSON.parse(res.body.toString('utf8')) as { spec?: { ports?: { name?: string }[] } };
    return svc.spec?.ports?.[0]?.name ?? '';
  } catch {
    return '';
  }
}

/** A request to the controller through the API server's service proxy. */
export async function controllerRequest(
  conn: KubeConnection,
  controller: ControllerRef,
  method: 'GET' | 'POST',
  suffix: string,
  body?: string,
): Promise<KubeResponse> {
  const port = await controllerPortName(conn, controller);
  return kubeRequest(conn, method, serviceProxyPath(controller.namespace, controller.name, port, suffix), {
    ...(body !== undefined ? { body, contentType: 'application/json' } : {}),
    accept: method === 'GET' ? 'application/x-pem-file, */*' : 'application/json, */*',
  });
}
