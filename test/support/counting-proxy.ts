/**
 * A plain-HTTP reverse proxy in front of a coffer server that counts requests by method and
 * path and passes WebSocket upgrades (the event stream) through — with switches to cut the
 * open streams and to refuse new ones, so tests can simulate a lost event connection or a
 * server without events.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

export interface CountingProxy {
  url: string;
  /** Requests seen, as `METHOD /path` (query stripped). */
  count(method: string, path: string): number;
  reset(): void;
  /** How upgrades are answered: passed through, refused with 404 (no events), or held back (503). */
  upgrades: 'pass' | 'not-found' | 'unavailable';
  /** Cuts every open WebSocket connection. */
  dropStreams(): void;
  openStreams(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const counts = new Map<string, number>();
  const streams = new Set<Socket>();
  const bump = (req: IncomingMessage): void => {
    const key = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0] ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const server: Server = createServer((req, res) => {
    bump(req);
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  const proxy: CountingProxy = {
    url: '',
    upgrades: 'pass',
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    reset: () => counts.clear(),
    dropStreams: () => {
      for (const s of streams) s.destroy();
      streams.clear();
    },
    openStreams: () => streams.size,
    close: async () => {
      proxy.dropStreams();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    bump(req);
    if (proxy.upgrades !== 'pass') {
      const status = proxy.upgrades === 'not-found' ? '404 Not Found' : '503 Service Unavailable';
      client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const up = connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i] ?? ''}: ${req.rawHeaders[i + 1] ?? ''}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    streams.add(client);
    const done = (): void => {
      streams.delete(client);
      client.destroy();
      up.destroy();
    };
    up.on('error', done);
    up.on('close', done);
    client.on('error', done);
    client.on('close', done);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
