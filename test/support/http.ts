/**
 * Raw HTTP requests with `node:http`/`node:https`: any verb (LIST included), the exact path
 * bytes we give (no URL normalisation), optional keep-alive agents and a CA for TLS.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text ('' when empty). */
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: any;
  /** The socket the request went over (to check keep-alive reuse). */
  socket: Socket | null;
}

export interface RawRequestOptions {
  /** Sent as `X-Vault-Token`. */
  token?: string;
  /** Serialised as JSON (`Content-Type: application/json` unless `headers` say otherwise). */
  body?: unknown;
  /** Sent as is. Overrides `body`. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** CA certificate(s) for https. */
  ca?: string | Buffer;
  agent?: HttpAgent | HttpsAgent;
  timeoutMs?: number;
}

/**
 * Sends `method path` to `base` (e.g. `http://127.0.0.1:8200`). `path` is used verbatim,
 * so it must already be percent-encoded where needed.
 */
export function rawRequest(base: string, method: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers['X-Vault-Token'] = options.token;
  let payload: Buffer | undefined;
  if (options.rawBody !== undefined) {
    payload = Buffer.isBuffer(options.rawBody) ? options.rawBody : Buffer.from(options.rawBody, 'utf8');
  } else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body), 'utf8');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  if (payload !== undefined) headers['Content-Length'] = String(payload.length);
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let socket: Socket | null = null;
    const req = send(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        ...(options.agent !== undefined ? { agent: options.agent } : { agent: false }),
        ...(secure && options.ca !== undefined ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, socket });
        });
      },
    );
    req.on('socket', (s: Socket) => {
      socket = s;
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A client bound to one server and token: `api.get('/v1/sys/health')`. */
export interface Api {
  readonly base: string;
  request(method: string, path: string, options?: RawRequestOptions): Promise<RawResponse>;
  get(path: string, options?: RawRequestOptions): Promise<RawResponse>;
  put(path: string, body?: unknown, options?: RawRequestOptions): Promise<RawResponse>;
  post(path: string, body?: unknown, options?: RawRequestOptions): Promise<RawResponse>;
  delete(path: string, options?: RawRequestOptions): Promise<RawResponse>;
  list(path: string, options?: RawRequestOptions): Promise<RawResponse>;
  patch(path: string, body: unknown, options?: RawRequestOptions): Promise<RawResponse>;
}

/** `token` goes with every request unless a call passes its own; for a request without any token use `rawRequest`. */
export function api(base: string, token?: string, defaults: RawRequestOptions = {}): Api {
  const merge = (options: RawRequestOptions = {}): RawRequestOptions => ({
    ...defaults,
    ...(token !== undefined ? { token } : {}),
    ...options,
  });
  const withBody = (body: unknown, options?: RawRequestOptions): RawRequestOptions =>
    body === undefined ? merge(options) : merge({ ...options, body });
  return {
    base,
    request: (method, path, options) => rawRequest(base, method, path, merge(options)),
    get: (path, options) => rawRequest(base, 'GET', path, merge(options)),
    put: (path, body, options) => rawRequest(base, 'PUT', path, withBody(body, options)),
    post: (path, body, options) => rawRequest(base, 'POST', path, withBody(body, options)),
    delete: (path, options) => rawRequest(base, 'DELETE', path, merge(options)),
    list: (path, options) => rawRequest(base, 'LIST', path, merge(options)),
    patch: (path, body, options) =>
      rawRequest(base, 'PATCH', path, merge({ headers: { 'Content-Type': 'application/merge-patch+json' }, ...options, body })),
  };
}

/** A keep-alive agent with a single socket, like hvac's requests.Session. */
export function keepAliveAgent(secure = false): HttpAgent | HttpsAgent {
  return secure ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
}

/** The exact envelope keys Vault sends on a logical response. */
export const ENVELOPE_KEYS = [
  'auth',
  'data',
  'lease_duration',
  'lease_id',
  'mount_type',
  'renewable',
  'request_id',
  'warnings',
  'wrap_info',
] as const;
