/**
 * The controller's HTTP API (`pkg/controller/server.go`) as plain node:http handlers over a
 * key registry, so `coffer operator` can mount them on any server:
 *
 *   GET  /v1/cert.pem  the newest certificate (`application/x-pem-file`)
 *   POST /v1/verify    a SealedSecret (JSON or YAML): 200 if it opens, 409 if not
 *   POST /v1/rotate    a SealedSecret: 200 with it re-encrypted for the newest key (JSON)
 *   GET  /healthz      "ok"; /readyz "ok" once a key is loaded
 *
 * verify and rotate are rate limited like upstream (GCRA, `--rate-limit` 2/s,
 * `--rate-limit-burst` 2, keyed by path and X-Forwarded-For). Bad input gets a 4xx with a
 * message; unlike upstream, a SealedSecret that does not open gets 409 from rotate too (kubeseal
 * then says "unable to rotate secret"), not a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import { UserError } from '../../shared/errors.js';
import type { KeyRegistry } from './keys.js';
import { orderSealedSecret, parseSealedSecret } from './manifest.js';
import { UnsealError, canUnseal, reencryptSealedSecret } from './sealed-secret.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RateLimitOptions {
  /** Requests per second (`--rate-limit`, default 2). */
  rate?: number;
  /** Requests allowed beyond the rate (`--rate-limit-burst`, default 2). */
  burst?: number;
  /** Clock in milliseconds. */
  now?: () => number;
  /** Distinct keys remembered (upstream's memstore holds 65536). */
  maxKeys?: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until a request would be allowed (0 when allowed). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetAfterMs: number;
}

/** GCRA, as the `throttled` package the controller uses: burst + 1 requests at once, then `rate`/s. */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly tat: LRUCache<string, number>;
  private readonly now: () => number;
  readonly limit: number;

  constructor(options: RateLimitOptions = {}) {
    const rate = options.rate ?? 2;
    const burst = options.burst ?? 2;
    if (!(rate > 0) || !Number.isFinite(rate)) throw new UserError('rate limit must be a positive number');
    if (!Number.isInteger(burst) || burst < 0) throw new UserError('rate limit burst must be a non-negative integer');
    this.intervalMs = 1000 / rate;
    this.toleranceMs = this.intervalMs * (burst + 1);
    this.limit = burst + 1;
    this.now = options.now ?? Date.now;
    this.tat = new LRUCache({ max: options.maxKeys ?? 65536 });
  }

  take(key: string): RateDecision {
    const now = this.now();
    const tat = Math.max(this.tat.get(key) ?? now, now);
    const next = tat + this.intervalMs;
    const allowAt = next - this.toleranceMs;
    if (now < allowAt) {
      return { allowed: false, limit: this.limit, remaining: 0, retryAfterMs: allowAt - now, resetAfterMs: tat - now };
    }
    this.tat.set(key, next);
    const remaining = Math.floor((now - allowAt) / this.intervalMs + 1e-9);
    return { allowed: true, limit: this.limit, remaining: Math.max(0, Math.min(remaining, this.limit - 1)), retryAfterMs: 0, resetAfterMs: next - now };
  }
}

export interface SealedHttpOptions {
  /** The controller's keys (read on every request, so renewals show at once). */
  registry: KeyRegistry;
  rateLimit?: RateLimitOptions;
  /** Request bodies above this get 413 (default 4 MiB). */
  maxBodyBytes?: number;
  /** Readiness for /readyz beyond "a key is loaded" (e.g. informers started). */
  ready?: () => boolean;
  /** Called once per answered request (metrics: `http_requests_total{path,code,method}`). */
  onRequest?: (info: { path: string; method: string; code: number; durationMs: number }) => void;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, code: number, body: string, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

/** The routes above as one handler; unknown paths get Go's `404 page not found`. */
export function createSealedHttpHandler(options: SealedHttpOptions): NodeHandler {
  const limiter = new RateLimiter(options.rateLimit);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const { registry } = options;

  const limited = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const forwarded = req.headers['x-forwarded-for'];
    const key = `${path}\n${Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')}`;
    const d = limiter.take(key);
    const headers = {
      'X-RateLimit-Limit': String(d.limit),
      'X-RateLimit-Remaining': String(d.remaining),
      'X-RateLimit-Reset': String(Math.ceil(d.resetAfterMs / 1000)),
    };
    if (d.allowed) {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      return false;
    }
    send(res, 429, 'limit exceeded\n', undefined, { ...headers, 'Retry-After': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))) });
    return true;
  };

  const withSealedSecret = async (req: IncomingMessage, res: ServerResponse, path: string, then: (text: string) => void): Promise<void> => {
    if (limited(req, res, path)) return;
    let text: string;
    try {
      text = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) send(res, 413, `request body larger than ${maxBody} bytes\n`);
      else send(res, 400, 'cannot read the request body\n');
      return;
    }
    then(text);
  };

  const verify = (res: ServerResponse, text: string): void => {
    let ss;
    try {
      ss = parseSealedSecret(text);
    } catch (err) {
      send(res, 400, `${(err as Error).message}\n`);
      return;
    }
    if (canUnseal(ss, registry)) send(res, 200, '');
    else send(res, 409, 'unable to decrypt sealed secret\n');
  };

  const rotate = (res: ServerResponse, text: string): void => {
    const latest = registry.latest();
    if (latest === undefined) {
      send(res, 503, 'cannot rotate: the controller has no keys yet\n');
      return;
    }
    try {
      const ss = parseSealedSecret(text);
      const rotated = reencryptSealedSecret(ss, registry, latest.publicKey);
      send(res, 200, JSON.stringify(orderSealedSecret(rotated)), 'application/json');
    } catch (err) {
      if (err instanceof UnsealError) send(res, 409, `error decrypting secret: ${err.message}\n`);
      else if (err instanceof UserError) send(res, 400, `${err.message}\n`);
      else throw err;
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> => {
    const only = (...allowed: string[]): boolean => {
      if (allowed.includes(method)) return true;
      send(res, 405, 'method not allowed\n', undefined, { Allow: allowed.join(', ') });
      return false;
    };
    switch (path) {
      case '/healthz':
        send(res, 200, 'ok\n');
        return;
      case '/readyz':
        if (registry.latest() !== undefined && (options.ready?.() ?? true)) send(res, 200, 'ok\n');
        else send(res, 503, 'not ready\n');
        return;
      case '/v1/cert.pem': {
        if (!only('GET', 'HEAD')) return;
        const pem = registry.certificatePem();
        if (pem === undefined) send(res, 503, 'cannot get certificate: the controller has no keys yet\n');
        else send(res, 200, method === 'HEAD' ? '' : pem, 'application/x-pem-file');
        return;
      }
      case '/v1/verify':
        if (only('POST')) await withSealedSecret(req, res, path, (text) => verify(res, text));
        return;
      case '/v1/rotate':
        if (only('POST')) await withSealedSecret(req, res, path, (text) => rotate(res, text));
        return;
      default:
        send(res, 404, '404 page not found\n');
    }
  };

  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://controller').pathname;
    } catch {
      // an unparsable URL falls through to 404
    }
    res.on('finish', () => options.onRequest?.({ path, method, code: res.statusCode, durationMs: performance.now() - started }));
    route(req, res, path, method).catch(() => send(res, 500, 'internal error\n'));
  };
}
