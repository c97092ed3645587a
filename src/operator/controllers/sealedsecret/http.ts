/**
 * The controller's HTTP API (`/v1/cert.pem`, `/v1/verify`, `/v1/rotate`, `/healthz`,
 * `/readyz`) on its own listener. Upstream listens on :8080, but `coffer operator` serves its
 * metrics there, so the default is :8081; a Service mapping port 8080 → 8081 keeps kubeseal's
 * service-proxy URLs working unchanged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSealedHttpHandler, type KeyRegistry, type RateLimitOptions } from '../../../gitops/sealed/index.js';
import { UserError } from '../../../shared/errors.js';
import type { SealedSecretsMetrics } from './metrics.js';

export const DEFAULT_LISTEN_ADDR = ':8081';

/** `:8081`, `0.0.0.0:8081`, `127.0.0.1:0`, `[::1]:8081` → host (undefined = all interfaces) and port. */
export function parseListenAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new UserError(`invalid listen address ${JSON.stringify(addr)}: expected [host]:port, e.g. ":8081"`);
  }
  const host = m[1] ?? m[2];
  return { host: host === undefined || host === '' ? undefined : host, port };
}

export interface SealedHttpServer {
  /** `host:port` actually bound (useful with port 0). */
  readonly address: string;
  /** `http://127.0.0.1:<port>` style base URL. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startSealedHttpServer(options: {
  listenAddr: string;
  registry: KeyRegistry;
  metrics?: SealedSecretsMetrics;
  ready?: () => boolean;
  rateLimit?: RateLimitOptions;
}): Promise<SealedHttpServer> {
  const { host, port } = parseListenAddr(options.listenAddr);
  const handler = createSealedHttpHandler({
    registry: options.registry,
    ...(options.ready !== undefined ? { ready: options.ready } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...(options.metrics !== undefined ? { onRequest: options.metrics.httpRequest } : {}),
  });
  const server: Server = createServer(handler);
  // Upstream's read/write timeout is 2 minutes.
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const urlHost = host === undefined || bound.address === '::' || bound.address === '0.0.0.0' ? '127.0.0.1' : shownHost;
  return {
    address: `${shownHost}:${bound.port}`,
    url: `http://${urlHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
