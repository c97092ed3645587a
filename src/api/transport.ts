/**
 * One HTTP exchange over node:http/https with keep-alive agents (not fetch, so CA files,
 * client certificates and `tlsSkipVerify` work). Never throws for an HTTP status; only for
 * a missing response (connection refused, TLS failure, timeout), as an `ApiError` with
 * status 0 whose message names the server address.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, STATUS_CONNECTION_FAILED, redactUrl } from './errors.js';
import type { ResolvedConfig } from './config.js';

export interface RawResponse {
  status: number;
  /** The body parsed as JSON, or `null` when empty or not JSON. */
  body: unknown;
  /** The body as text. */
  text: string;
  headers: IncomingHttpHeaders;
}

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

function goMethodWord(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}

function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** A clear, token-free explanation of a failed connection. */
export function describeConnectionError(err: unknown, url: URL, timeoutMs: number): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const server = origin(url);
  // First line only: OpenSSL errors carry multi-line internals.
  const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? '';
  let why: string;
  switch (code) {
    case 'ECONNREFUSED':
      why = `connection refused: no server is listening at ${server}`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      why = `cannot resolve host ${url.hostname}`;
      break;
    case 'ECONNRESET':
      why = `connection to ${server} was reset`;
      break;
    case 'ETIMEDOUT':
    case 'ERR_COFFER_TIMEOUT':
      why = `no response from ${server} within ${Math.round(timeoutMs / 1000)}s`;
      break;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      why = `TLS handshake with ${server} failed: the server does not speak TLS here (is the address http://${url.host}?)`;
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      why = `TLS certificate of ${server} is not trusted (${detail}); pass -ca-cert or set VAULT_CACERT`;
      break;
    default:
      why = `cannot reach ${server}: ${detail}`;
  }
  return why;
}

export class Transport {
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #timeoutMs: number;

  constructor(config: ResolvedConfig) {
    this.#timeoutMs = config.timeoutMs;
    this.#httpAgent = new http.Agent({ keepAlive: true });
    const tls: https.AgentOptions = { keepAlive: true, rejectUnauthorized: !config.tlsSkipVerify };
    if (config.caCerts !== undefined) tls.ca = config.caCerts;
    if (config.clientCert !== undefined) tls.cert = config.clientCert;
    if (config.clientKey !== undefined) tls.key = config.clientKey;
    if (config.tlsServerName !== undefined) tls.servername = config.tlsServerName;
    this.#httpsAgent = new https.Agent(tls);
  }

  send(req: TransportRequest): Promise<RawResponse> {
    const { url } = req;
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const shownUrl = redactUrl(url);
    const timeoutMs = this.#timeoutMs;

    return new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
      const options: http.RequestOptions = {
        method: req.method,
        headers,
        agent: isHttps ? this.#httpsAgent : this.#httpAgent,
      };
      if (url.username !== '' || url.password !== '') {
        options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      }
      const target = new URL(url.toString());
      target.username = '';
      target.password = '';

      const fail = (err: unknown): void => {
        reject(
          new ApiError({
            status: STATUS_CONNECTION_FAILED,
            errors: [describeConnectionError(err, url, timeoutMs)],
            method: req.method,
            url: shownUrl,
            message: `${goMethodWord(req.method)} "${shownUrl}": ${describeConnectionError(err, url, timeoutMs)}`,
            cause: err,
          }),
        );
      };

      const request = mod.request(target, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = null;
          if (text.trim() !== '') {
            try {
              body = JSON.parse(text) as unknown;
            } catch {
              body = null;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
      });
      request.setTimeout(timeoutMs, () => {
        const err = Object.assign(new Error(`timed out after ${timeoutMs}ms`), { code: 'ERR_COFFER_TIMEOUT' });
        request.destroy(err);
      });
      request.on('error', fail);
      if (req.body !== undefined) request.write(req.body);
      request.end();
    });
  }

  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
