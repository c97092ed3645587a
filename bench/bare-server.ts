/**
 * The ceiling: a bare `node:http` server answering with the same JSON and the same headers
 * as Coffer's KV v2 endpoints, doing the least work any server doing that job must do —
 * a fresh `request_id` and a `JSON.stringify` per response, and for POST reading and
 * parsing the whole request body. No routing, auth, storage or framework.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareTemplates {
  /** The body of a KV v2 read (`GET /v1/secret/data/<key>`), as the real server returned it. */
  read: Record<string, unknown>;
  /** The body of a KV v2 write (`POST /v1/secret/data/<key>`). */
  write: Record<string, unknown>;
}

export interface BareServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Fastify's default keep-alive timeout (72 s), so connection handling matches. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function send(res: ServerResponse, template: Record<string, unknown>): void {
  const body = Buffer.from(JSON.stringify({ ...template, request_id: randomUUID() }), 'utf8');
  res.writeHead(200, {
    'cache-control': 'no-store',
    'content-type': 'application/json',
    'content-length': body.length,
  });
  res.end(body);
}

function handle(templates: BareTemplates, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET') {
    send(res, templates.read);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"errors":["failed to parse JSON input"]}');
      return;
    }
    send(res, templates.write);
  });
}

export async function startBareServer(templates: BareTemplates, host = '127.0.0.1'): Promise<BareServer> {
  const server: Server = createServer((req, res) => handle(templates, req, res));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
