/**
 * A small typed client for tests: CRUD, list, patch, watch, TokenRequest and TokenReview
 * over HTTPS with the server's CA and a bearer token. Not a replacement for
 * `@kubernetes/client-node` (the operator uses that against the same server).
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { PatchType } from './patch.js';
import type { StatusObject } from './status.js';
import type { KubeObject, WatchEvent } from './types.js';

/** `'configmaps'` (core/v1), `'apps/v1/deployments'`, or the parts. */
export type ResourceRef = string | { group?: string; version: string; resource: string };

export interface KubeList<T = KubeObject> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind: string; apiVersion?: string; name: string; uid?: string };
}

export interface TokenRequestResult {
  kind: 'TokenRequest';
  apiVersion: string;
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: TokenRequestSpec;
  status: { token: string; expirationTimestamp: string };
}

export interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: unknown;
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, text: string) {
    const message = (body as Partial<StatusObject> | undefined)?.message;
    super(typeof message === 'string' ? message : `HTTP ${status}: ${text.slice(0, 200)}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.body = body;
  }

  get reason(): string | undefined {
    const reason = (this.body as Partial<StatusObject> | undefined)?.reason;
    return typeof reason === 'string' ? reason : undefined;
  }
}

export interface KubeWatch {
  /** The next event; rejects after `timeoutMs` (default 5000) or when the stream ended. */
  next(timeoutMs?: number): Promise<WatchEvent>;
  close(): void;
  readonly ended: boolean;
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent>;
}

type Query = Record<string, string | number | boolean | undefined>;

export interface KubeClientOptions {
  url: string;
  caPem: string;
  token?: string;
  /** Shared keep-alive agent (clients made with `withToken` share their parent's). */
  agent?: Agent;
}

function basePath(ref: ResourceRef): { prefix: string; resource: string } {
  const parts = typeof ref === 'string' ? ref.split('/') : [ref.group ?? '', ref.version, ref.resource];
  if (parts.length === 1) return { prefix: '/api/v1', resource: parts[0] ?? '' };
  if (parts.length === 2) return { prefix: `/api/${parts[0] ?? 'v1'}`, resource: parts[1] ?? '' };
  const [group = '', version = '', resource = ''] = parts;
  return { prefix: group === '' ? `/api/${version}` : `/apis/${group}/${version}`, resource };
}

/** The REST path of a collection, object or subresource. */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  const { prefix, resource } = basePath(ref);
  let path = prefix;
  if (namespace !== undefined && resource !== 'namespaces') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? path : `${path}?${s}`;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class KubeClient {
  readonly url: string;
  private readonly caPem: string;
  private readonly token: string | undefined;
  private readonly agent: Agent;

  constructor(options: KubeClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.caPem = options.caPem;
    this.token = options.token;
    this.agent = options.agent ?? new Agent({ keepAlive: true, ca: options.caPem });
  }

  /** The same server with another bearer token (or none). */
  withToken(token: string | undefined): KubeClient {
    return new KubeClient({ url: this.url, caPem: this.caPem, agent: this.agent, ...(token !== undefined ? { token } : {}) });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private open(method: string, path: string, headers: Record<string, string>, body?: string, longLived = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${this.url}${path}`, {
        method,
        ca: this.caPem,
        agent: longLived ? false : this.agent,
        headers: {
          Accept: 'application/json',
          ...(this.token !== undefined ? { Authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  async raw(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query } = {}): Promise<RawResponse> {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const res = await this.open(method, withQuery(path, options.query), body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json' } : {}, body);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return { status: res.statusCode ?? 0, headers: res.headers, text, body: parseBody(text) };
  }

  async request<T = unknown>(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query } = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    if (res.status >= 400) throw new KubeApiError(res.status, res.body, res.text);
    return res.body as T;
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, options: { namespace?: string; dryRun?: boolean } = {}): Promise<T> {
    const namespace = options.namespace ?? obj.metadata.namespace;
    return this.request<T>('POST', resourcePath(ref, namespace), { body: obj, query: { dryRun: options.dryRun ? 'All' : undefined } });
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, options: { namespace?: string } = {}): Promise<T> {
    return this.request<T>('GET', resourcePath(ref, options.namespace, name));
  }

  list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    options: {
      namespace?: string | undefined;
      labelSelector?: string | undefined;
      fieldSelector?: string | undefined;
      limit?: number | undefined;
      continue?: string | undefined;
    } = {},
  ): Promise<KubeList<T>> {
    const { namespace, ...query } = options;
    return this.request<KubeList<T>>('GET', resourcePath(ref, namespace), { query });
  }

  /** PUT; name and namespace come from `obj.metadata`. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, options: { subresource?: 'status' } = {}): Promise<T> {
    return this.request<T>('PUT', resourcePath(ref, obj.metadata.namespace, obj.metadata.name ?? '', options.subresource), { body: obj });
  }

  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    options: { namespace?: string; type?: PatchType; subresource?: 'status' } = {},
  ): Promise<T> {
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[options.type ?? 'merge'];
    return this.request<T>('PATCH', resourcePath(ref, options.namespace, name, options.subresource), { body: patch, contentType });
  }

  delete(ref: ResourceRef, name: string, options: { namespace?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<unknown> {
    const body = options.preconditions ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: options.preconditions } : undefined;
    return this.request('DELETE', resourcePath(ref, options.namespace, name), body !== undefined ? { body } : {});
  }

  requestToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec = {}): Promise<TokenRequestResult> {
    return this.request<TokenRequestResult>('POST', resourcePath('serviceaccounts', namespace, serviceAccount, 'token'), {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
    });
  }

  async tokenReview(token: string, audiences: string[] = []): Promise<TokenReviewStatus> {
    const review = await this.request<{ status: TokenReviewStatus }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences.length > 0 ? { audiences } : {}) } },
    });
    return review.status;
  }

  async watch(
    ref: ResourceRef,
    options: {
      namespace?: string | undefined;
      resourceVersion?: string | undefined;
      labelSelector?: string | undefined;
      fieldSelector?: string | undefined;
      allowWatchBookmarks?: boolean | undefined;
      sendInitialEvents?: boolean | undefined;
      timeoutSeconds?: number | undefined;
    } = {},
  ): Promise<KubeWatch> {
    const { namespace, sendInitialEvents, ...rest } = options;
    const query: Query = { watch: 'true', ...rest, ...(sendInitialEvents ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' } : {}) };
    const res = await this.open('GET', withQuery(resourcePath(ref, namespace), query), {}, undefined, true);
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      throw new KubeApiError(res.statusCode ?? 0, parseBody(text), text);
    }
    return streamWatch(res);
  }
}

function streamWatch(res: IncomingMessage): KubeWatch {
  const queue: WatchEvent[] = [];
  const waiters: { resolve: (e: WatchEvent) => void; reject: (err: Error) => void }[] = [];
  let ended = false;
  let buffer = '';
  const finish = (): void => {
    ended = true;
    for (const w of waiters.splice(0)) w.reject(new Error('watch ended'));
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl !== -1) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line !== '') {
        const event = JSON.parse(line) as WatchEvent;
        const waiter = waiters.shift();
        if (waiter) waiter.resolve(event);
        else queue.push(event);
      }
      nl = buffer.indexOf('\n');
    }
  });
  res.on('end', finish);
  res.on('close', finish);
  res.on('error', finish);

  const watch: KubeWatch = {
    get ended() {
      return ended;
    },
    next(timeoutMs = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (ended) return Promise.reject(new Error('watch ended'));
      return new Promise<WatchEvent>((resolve, reject) => {
        const waiter = {
          resolve: (e: WatchEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
          reject: (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i !== -1) waiters.splice(i, 1);
          reject(new Error(`no watch event within ${timeoutMs}ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close() {
      res.destroy();
      finish();
    },
    [Symbol.asyncIterator]() {
      return {
        next: async (): Promise<IteratorResult<WatchEvent>> => {
          try {
            return { value: await watch.next(2 ** 31 - 1), done: false };
          } catch {
            return { value: undefined, done: true };
          }
        },
      };
    },
  };
  return watch;
}
