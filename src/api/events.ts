/**
 * `sys/events/subscribe/<event type>` over WebSocket: the client side of Vault's event
 * stream (what `vault events subscribe` does). Resolves the address, token and TLS settings
 * like every other request, and hands each event's JSON text to `onEvent`.
 */
import WebSocket from 'ws';
import type { ClientOptions } from './config.js';
import { resolveConfig } from './config.js';
import { ApiError } from './errors.js';

export interface EventStreamOptions {
  /** go-bexpr filter (`data_path == secret/data/foo`). */
  filter?: string;
  /** Extra namespace patterns (Vault Enterprise); Coffer has only the root namespace. */
  namespaces?: readonly string[];
  /** Called once the server accepted the subscription. */
  onOpen?: () => void;
  /** One CloudEvents JSON document per event, as the server sent it. */
  onEvent(json: string): void;
  /** Aborting closes the stream normally (code 1000). */
  signal?: AbortSignal;
}

export interface EventStreamEnd {
  /** WebSocket close code (1000 after `signal` aborted, 1013 when the server found us too slow…). */
  code: number;
  reason: string;
}

/** The WebSocket URL of a subscription (`ws://…/v1/sys/events/subscribe/kv-v2/*?json=true`). */
export function eventStreamUrl(baseUrl: URL, eventType: string, options: Pick<EventStreamOptions, 'filter' | 'namespaces'> = {}): string {
  const url = new URL(baseUrl.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = `${base}/v1/sys/events/subscribe/${eventType.split('/').map(encodeURIComponent).join('/').replace(/%2A/gi, '*')}`;
  url.search = '';
  url.searchParams.set('json', 'true');
  if (options.filter !== undefined && options.filter !== '') url.searchParams.set('filter', options.filter);
  for (const ns of options.namespaces ?? []) url.searchParams.append('namespaces', ns);
  url.username = '';
  url.password = '';
  return url.toString();
}

/**
 * Subscribes and streams until the server closes the connection or `signal` aborts. Rejects
 * with an `ApiError` (403, 400…) when the server refuses the subscription.
 */
export function subscribeEvents(clientOptions: ClientOptions, eventType: string, options: EventStreamOptions): Promise<EventStreamEnd> {
  const config = resolveConfig(clientOptions);
  const url = eventStreamUrl(config.baseUrl, eventType, options);
  const headers: Record<string, string> = { ...config.headers };
  if (config.token !== undefined) headers['X-Vault-Token'] = config.token;
  if (config.namespace !== undefined) headers['X-Vault-Namespace'] = config.namespace;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers,
      rejectUnauthorized: !config.tlsSkipVerify,
      handshakeTimeout: config.timeoutMs,
      ...(config.caCerts !== undefined ? { ca: config.caCerts } : {}),
      ...(config.clientCert !== undefined ? { cert: config.clientCert } : {}),
      ...(config.clientKey !== undefined ? { key: config.clientKey } : {}),
      ...(config.tlsServerName !== undefined ? { servername: config.tlsServerName } : {}),
    });
    const shownUrl = url.split('?')[0] ?? url;
    let opened = false;
    const abort = (): void => ws.close(1000);
    options.signal?.addEventListener('abort', abort, { once: true });
    const cleanup = (): void => options.signal?.removeEventListener('abort', abort);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        cleanup();
        let errors: string[] = [body];
        let rawError = true;
        try {
          const parsed = JSON.parse(body) as { errors?: unknown };
          if (Array.isArray(parsed.errors)) {
            errors = parsed.errors.map(String);
            rawError = false;
          }
        } catch {
          // not JSON: keep the raw body
        }
        reject(new ApiError({ status: res.statusCode ?? 0, errors, method: 'GET', url: shownUrl, rawError }));
      });
    });
    ws.on('open', () => {
      opened = true;
      if (options.signal?.aborted) abort();
      options.onOpen?.();
    });
    ws.on('message', (data) => options.onEvent(String(data)));
    ws.on('error', (err) => {
      if (opened) return; // a close follows
      cleanup();
      reject(new ApiError({ status: 0, errors: [err.message], method: 'GET', url: shownUrl, message: `error connecting to ${shownUrl}: ${err.message}`, cause: err }));
    });
    ws.on('close', (code, reason) => {
      cleanup();
      if (opened) resolve({ code, reason: String(reason) });
    });
  });
}
