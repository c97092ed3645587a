/**
 * Test helper: a throwaway node:http server answering canned Vault responses and recording
 * every request. Not part of the build (`src/**\/testing.ts` is excluded).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/secret/data/foo`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface FakeResponse {
  status?: number;
  /** JSON body (omit for an empty body). */
  body?: unknown;
  /** A raw body, sent as is (wins over `body`). */
  raw?: string;
  headers?: Record<string, string>;
}

export type FakeHandler = FakeResponse | ((req: RecordedRequest) => FakeResponse);

export interface FakeVault {
  address: string;
  requests: RecordedRequest[];
  /** Routes keyed `"GET /v1/sys/seal-status"` (no query); replace or add at any time. */
  routes: Map<string, FakeHandler>;
  close(): Promise<void>;
}

/** A Vault success envelope around `data`. */
export function envelope(data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: 'req-1',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: '',
    ...extra,
  };
}

export async function startFakeVault(routes: Record<string, FakeHandler> = {}): Promise<FakeVault> {
  const table = new Map<string, FakeHandler>(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = body === '' ? null : (JSON.parse(body) as unknown);
      } catch {
        json = null;
      }
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body, json };
      requests.push(recorded);
      const handler = table.get(`${recorded.method} ${recorded.path}`);
      const answer: FakeResponse = handler === undefined ? { status: 404, body: { errors: [] } } : typeof handler === 'function' ? handler(recorded) : handler;
      const status = answer.status ?? (answer.body === undefined && answer.raw === undefined ? 204 : 200);
      const text = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...(answer.headers ?? {}) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    routes: table,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `sys/internal/ui/mounts/<path>` answering a KV mount of the given version. */
export function uiMount(path: string, version: 1 | 2): FakeResponse {
  return { body: envelope({ path, type: 'kv', description: '', options: version === 2 ? { version: '2' } : null }) };
}
