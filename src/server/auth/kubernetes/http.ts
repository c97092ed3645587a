/**
 * The one way this method reaches the Kubernetes API: a request/response function, by
 * default over node:https with the configured cluster CA (Vault's TLS client with the
 * `kubernetes_ca_cert` pool). Tests can substitute it (`fetchImpl`).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface KubeRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** PEM CA bundle to trust instead of the system roots; undefined: the system roots. */
  caPem?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  body: string;
}

export type KubeFetch = (request: KubeRequest) => Promise<KubeResponse>;

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Keep-alive agents, one per trusted CA bundle: a TLS handshake per TokenReview cost
 * milliseconds per login. Bounded, since the CA is configuration, not client input.
 */
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgents = new Map<string, HttpsAgent>();
const MAX_AGENTS = 16;

function httpsAgentFor(caPem: string | undefined): HttpsAgent {
  const key = caPem ?? '';
  let agent = httpsAgents.get(key);
  if (!agent) {
    if (httpsAgents.size >= MAX_AGENTS) {
      for (const old of httpsAgents.values()) old.destroy();
      httpsAgents.clear();
    }
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(caPem !== undefined ? { ca: caPem } : {}) });
    httpsAgents.set(key, agent);
  }
  return agent;
}
const DEFAULT_TIMEOUT_MS = 10_000;

export const nodeKubeFetch: KubeFetch = (request) =>
  new Promise<KubeResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const options = {
      method: request.method,
      headers: {
        ...request.headers,
        ...(request.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(request.body)) } : {}),
      },
      agent: secure ? httpsAgentFor(request.caPem) : httpAgent,
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          res.destroy(new Error('response from the Kubernetes API is too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = secure ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.setTimeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => req.destroy(new Error('timed out waiting for the Kubernetes API')));
    req.on('error', reject);
    req.end(request.body);
  });

/** `kubernetes_host` may be a host, a host:port pair or a URL (Vault's wording): default https. */
export function normaliseHost(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}
