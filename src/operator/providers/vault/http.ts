/**
 * The minimal Vault HTTP exchange the provider needs: JSON in, JSON out, a per-store CA
 * bundle (PEM in memory, which `src/api`'s file-based `caCert` cannot take) and the
 * `X-Vault-Namespace` header. Never throws for an HTTP status; callers map statuses.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

export interface VaultHttpOptions {
  server: string;
  namespace?: string;
  caPem?: string;
  /** Client certificate and key (PEM) for TLS cert auth. */
  clientCert?: { cert: string; key: string };
}

export interface VaultRequest {
  token?: string;
  body?: unknown;
  query?: Record<string, string>;
  signal?: AbortSignal;
}

export interface VaultHttp {
  request(method: string, path: string, req?: VaultRequest): Promise<VaultResponse>;
  close(): void;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createVaultHttp(options: VaultHttpOptions): VaultHttp {
  const base = new URL(options.server);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...(options.caPem !== undefined ? { ca: options.caPem } : {}),
        ...(options.clientCert !== undefined ? { cert: options.clientCert.cert, key: options.clientCert.key } : {}),
      })
    : undefined;
  const basePath = base.pathname.replace(/\/+$/, '');

  return {
    async request(method, path, req = {}) {
      const qs = req.query !== undefined ? `?${new URLSearchParams(req.query).toString()}` : '';
      const url = `${base.protocol}//${base.host}${basePath}/v1/${path.replace(/^\/+/, '')}${qs}`;
      const text = req.body === undefined ? undefined : JSON.stringify(req.body);
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (text !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(text));
      }
      if (req.token !== undefined && req.token !== '') headers['X-Vault-Token'] = req.token;
      if (options.namespace !== undefined && options.namespace !== '') headers['X-Vault-Namespace'] = options.namespace;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = (secure ? httpsRequest : httpRequest)(
          url,
          { method, headers, ...(agent !== undefined ? { agent } : {}), ...(req.signal !== undefined ? { signal: req.signal } : {}) },
          resolve,
        );
        r.on('error', reject);
        r.end(text);
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          throw new Error(`the Vault response to ${method} ${path} is larger than ${MAX_BODY_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      if (raw.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(raw);
          body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
        } catch {
          body = undefined;
        }
      }
      return { status: res.statusCode ?? 0, body };
    },
    close() {
      agent?.destroy();
    },
  };
}

/** Vault's `errors` array joined (Vault never puts secret values in it). */
export function vaultErrors(res: VaultResponse): string {
  const errors = res.body?.['errors'];
  if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join('; ');
  return `HTTP ${res.status}`;
}
