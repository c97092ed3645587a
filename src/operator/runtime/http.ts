/**
 * The operator's probe and metrics listeners, as controller-runtime serves them: `/healthz`
 * (liveness) and `/readyz` on `--live-addr`, Prometheus `/metrics` on `--metrics-addr`. The
 * same address for both serves all three on one listener; `0` disables a listener.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { UserError } from '../../shared/errors.js';

export interface ProbeServerOptions {
  metricsAddr: string;
  liveAddr: string;
  registry: Registry;
  /** Live: the process is not wedged. */
  healthy: () => boolean;
  /** Ready: leading-or-standby with caches synced. */
  ready: () => boolean;
}

export interface ProbeServers {
  /** `http://host:port` of the metrics listener (undefined when disabled). */
  metricsUrl: string | undefined;
  liveUrl: string | undefined;
  close(): Promise<void>;
}

/** `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`, `[::1]:8080`; `0` (or empty) = disabled. */
export function parseListenAddress(addr: string, flag: string): { host: string | undefined; port: number } | undefined {
  if (addr === '' || addr === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) throw new UserError(`invalid ${flag} "${addr}": expected host:port, e.g. ":8080"`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? undefined : host, port };
}

function text(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

async function listen(server: Server, host: string | undefined, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}

export async function startProbeServers(options: ProbeServerOptions): Promise<ProbeServers> {
  const metrics = parseListenAddress(options.metricsAddr, '--metrics-addr');
  const live = parseListenAddress(options.liveAddr, '--live-addr');
  // Port 0 means "any free port": two such listeners are two listeners.
  const shared = metrics !== undefined && live !== undefined && metrics.port !== 0 && options.metricsAddr === options.liveAddr;

  const handler =
    (serveProbes: boolean, serveMetrics: boolean) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const path = new URL(req.url ?? '/', 'http://probe').pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        text(res, 405, 'method not allowed\n');
        return;
      }
      if (serveProbes && (path === '/healthz' || path === '/livez')) {
        if (options.healthy()) text(res, 200, 'ok');
        else text(res, 500, 'healthz check failed\n');
        return;
      }
      if (serveProbes && path === '/readyz') {
        if (options.ready()) text(res, 200, 'ok');
        else text(res, 500, 'readyz check failed: not leading or standby, or caches not synced\n');
        return;
      }
      if (serveMetrics && path === '/metrics') {
        options.registry.metrics().then(
          (body) => text(res, 200, body, options.registry.contentType),
          (err: unknown) => text(res, 500, `error gathering metrics: ${err instanceof Error ? err.message : String(err)}\n`),
        );
        return;
      }
      text(res, 404, '404 page not found\n');
    };

  const servers: { server: Server; sockets: Set<Socket> }[] = [];
  const make = (serveProbes: boolean, serveMetrics: boolean): Server => {
    const server = createServer(handler(serveProbes, serveMetrics));
    const sockets = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    servers.push({ server, sockets });
    return server;
  };

  const close = async (): Promise<void> => {
    await Promise.all(
      servers.map(
        ({ server, sockets }) =>
          new Promise<void>((resolve) => {
            if (!server.listening) {
              resolve();
              return;
            }
            server.close(() => resolve());
            for (const s of sockets) s.destroy();
          }),
      ),
    );
  };

  try {
    let metricsUrl: string | undefined;
    let liveUrl: string | undefined;
    if (shared && metrics !== undefined) {
      metricsUrl = liveUrl = await listen(make(true, true), metrics.host, metrics.port);
    } else {
      if (metrics !== undefined) metricsUrl = await listen(make(false, true), metrics.host, metrics.port);
      if (live !== undefined) liveUrl = await listen(make(true, false), live.host, live.port);
    }
    return { metricsUrl, liveUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}
