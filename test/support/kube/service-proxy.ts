/**
 * The API server's service proxy (`/api/v1/namespaces/<ns>/services/[scheme:]<name>[:port]/proxy/<path>`)
 * for the test server, added without touching it: a small HTTPS front that serves proxy paths
 * with in-process backends (node:http listeners, e.g. a Sealed Secrets controller's handlers)
 * and forwards every other request to the test server unchanged.
 *
 * Proxy requests are authorised as the apiserver does it: the caller must be allowed to read the
 * Service (checked by a GET with the caller's credentials); the Service must exist and have the
 * named port (or exactly one port when none is named).
 *
 * ```ts
 * const kube = await start();
 * registerServices(kube);
 * kube.store.create(servicesType, 'kube-system', { metadata: { name: 'ctl' }, spec: { ports: [{ name: 'http', port: 8080 }] } });
 * const proxy = await startServiceProxy(kube, { 'kube-system/ctl': handler });
 * // point clients at proxy.url with proxy.caPem
 * ```
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeTestServer } from './server.js';
import { generateServingCertificate } from './tls.js';
import type { KubeObject, ResourceType } from './types.js';

export const servicesType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'services',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
};

/** Serves `services` on the test server (idempotent). */
export function registerServices(kube: KubeTestServer): void {
  if (kube.store.resolve('', 'v1', 'services') === undefined) kube.store.register(servicesType);
}

export interface ProxiedRequest {
  method: string;
  namespace: string;
  service: string;
  port: string;
  /** The path the backend saw. */
  path: string;
  status: number;
}

export interface ServiceProxy {
  url: string;
  caPem: string;
  /** Proxy requests served, oldest first. */
  readonly proxied: ProxiedRequest[];
  close(): Promise<void>;
}

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

function status(res: ServerResponse, code: number, message: string, reason: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** `scheme:name:port`, `name:port` or `name`, as the apiserver splits the proxy segment. */
function splitServiceSegment(segment: string): { scheme: string; name: string; port: string } {
  const parts = decodeURIComponent(segment).split(':');
  if (parts.length === 3) return { scheme: parts[0] ?? '', name: parts[1] ?? '', port: parts[2] ?? '' };
  if (parts.length === 2) return { scheme: '', name: parts[0] ?? '', port: parts[1] ?? '' };
  return { scheme: '', name: parts[0] ?? '', port: '' };
}

export async function startServiceProxy(kube: KubeTestServer, backends: Record<string, RequestListener>): Promise<ServiceProxy> {
  registerServices(kube);
  const tls = await generateServingCertificate('coffer-test-service-proxy');
  const upstream = new URL(kube.url);
  const agent = new Agent({ keepAlive: true, ca: kube.caPem });
  const proxied: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const up = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => status(res, 502, 'upstream error', 'InternalError'));
    req.pipe(up);
  };

  const getService = (req: IncomingMessage, namespace: string, name: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (req.headers.authorization !== undefined) headers['Authorization'] = req.headers.authorization;
      const up = request(
        { host: upstream.hostname, port: upstream.port, path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`, method: 'GET', headers, agent },
        (upRes) => {
          let body = '';
          upRes.setEncoding('utf8');
          upRes.on('data', (c: string) => (body += c));
          upRes.on('end', () => resolve({ status: upRes.statusCode ?? 0, body }));
        },
      );
      up.on('error', reject);
      up.end();
    });

  const serveProxy = async (req: IncomingMessage, res: ServerResponse, namespace: string, segment: string, rest: string, query: string): Promise<void> => {
    const { name, port } = splitServiceSegment(segment);
    const record: ProxiedRequest = { method: req.method ?? 'GET', namespace, service: name, port, path: rest, status: 0 };
    proxied.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const svc = await getService(req, namespace, name);
    if (svc.status !== 200) {
      res.writeHead(svc.status, { 'Content-Type': 'application/json' });
      res.end(svc.body);
      return;
    }
    const ports = ((JSON.parse(svc.body) as KubeObject)['spec'] as { ports?: { name?: string; port?: number }[] } | undefined)?.ports ?? [];
    const portOk = port === '' ? ports.length === 1 : ports.some((p) => p.name === port || String(p.port) === port);
    if (!portOk) {
      status(res, 503, `no endpoints available for service "${name}:${port}"`, 'ServiceUnavailable');
      return;
    }
    const backend = backends[`${namespace}/${name}`];
    if (backend === undefined) {
      status(res, 503, `no endpoints available for service "${name}"`, 'ServiceUnavailable');
      return;
    }
    req.url = `${rest}${query}`;
    backend(req, res);
  };

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const m = PROXY_PATH.exec(url.pathname);
    if (m === null) {
      forward(req, res);
      return;
    }
    serveProxy(req, res, decodeURIComponent(m[1] ?? ''), m[2] ?? '', m[3] ?? '/', url.search).catch((err: unknown) => {
      if (!res.headersSent) status(res, 500, err instanceof Error ? err.message : String(err), 'InternalError');
      else res.end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    proxied,
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
