/**
 * A small HTTP(S) client for talking to identity providers (discovery documents, JWKS,
 * token and userinfo endpoints). Uses node:http/node:https directly so that a configured
 * CA bundle (`oidc_discovery_ca_pem`, `jwks_ca_pem`) replaces the system roots, as Vault's
 * `createCAContext` does.
 *
 * Error messages never contain request bodies (client secrets, codes) or response bodies.
 */
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** PEM bundle that replaces the system trust store for https URLs. */
  ca?: string;
  timeoutMs?: number;
  /** Responses larger than this are refused. */
  maxBytes?: number;
  /** GET redirects followed (go's http.Client follows up to 10). */
  maxRedirects?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

/** Thrown for transport failures and unusable responses; the message is safe to show. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
}

export async function httpFetch(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  let current = url;
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const resp = await requestOnce(current, options);
    const location = resp.headers.location;
    const method = options.method ?? 'GET';
    if (method === 'GET' && resp.status >= 301 && resp.status <= 308 && resp.status !== 304 && location) {
      if (hop >= maxRedirects) throw new HttpError('stopped after too many redirects');
      current = new URL(location, current).toString();
      continue;
    }
    return resp;
  }
}

function requestOnce(url: string, options: HttpOptions): Promise<HttpResponse> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new HttpError('invalid URL'));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.reject(new HttpError(`unsupported protocol scheme "${parsed.protocol.replace(/:$/, '')}"`));
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  const reqOptions: RequestOptions & { ca?: string } = {
    method: options.method ?? 'GET',
    headers,
    timeout: timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  if (parsed.protocol === 'https:' && options.ca !== undefined && options.ca !== '') reqOptions.ca = options.ca;
  const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const req = send(parsed, reqOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          fail(new HttpError('response too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => fail(new HttpError(describeTransportError(err))));
    });
    req.on('timeout', () => {
      req.destroy();
      fail(new HttpError('request timed out'));
    });
    req.on('error', (err) => fail(new HttpError(describeTransportError(err))));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function describeTransportError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ABORT_ERR') return 'request aborted';
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `TLS error: ${code}`;
  return code ? `request failed: ${code}` : 'request failed';
}

/** GETs `url` and parses a JSON object; any non-200 status is an error. */
export async function fetchJsonObject(url: string, options: HttpOptions = {}): Promise<Record<string, unknown>> {
  const resp = await httpFetch(url, options);
  if (resp.status !== 200) throw new HttpError(`unexpected status ${resp.status}`);
  return parseJsonObject(resp.body);
}

export function parseJsonObject(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError('response is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError('response is not a JSON object');
  return parsed as Record<string, unknown>;
}
