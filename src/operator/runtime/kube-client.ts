/**
 * The `KubeClient` over plain HTTP(S) requests. `@kubernetes/client-node`'s `KubeConfig`
 * supplies the server, TLS material and credentials (`applyToHTTPSOptions`, re-applied per
 * request so exec/OIDC tokens refresh); the requests are ours so every resource — core,
 * built-in groups and custom resources alike — goes through one path with one error mapping.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeRequestError, type KubeClient, type KubeObject, type ListOptions, type ResourceRef } from './types.js';

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

/** The runtime's client: the contract's CRUD plus the watch stream informers need. */
export interface RuntimeKubeClient extends KubeClient {
  /**
   * Streams watch events to `onEvent`; resolves when the server ends the watch, rejects with a
   * `KubeRequestError` on a non-2xx answer or an `ERROR` event (410 = resourceVersion too old).
   */
  watch<T extends KubeObject>(res: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, signal?: AbortSignal): Promise<void>;
  /** Closes pooled connections. */
  close(): void;
}

/** `/api/v1` or `/apis/<group>/<version>`, then `namespaces/<ns>/`, the plural, the name. */
export function resourceUrlPath(res: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  const ns = res.namespaced && namespace !== undefined && namespace !== '' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}${subresource === undefined ? '' : `/${subresource}`}`;
  return `${base}${ns}/${res.plural}${tail}`;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

function errorFromBody(status: number, text: string, fallback: string): KubeRequestError {
  let body: StatusBody | undefined;
  try {
    body = JSON.parse(text) as StatusBody;
  } catch {
    body = undefined;
  }
  const message = typeof body?.message === 'string' && body.message !== '' ? body.message : fallback;
  return new KubeRequestError(status, message, typeof body?.reason === 'string' ? body.reason : undefined);
}

function contentTypeFor(patchType: 'merge' | 'json'): string {
  return patchType === 'json' ? 'application/json-patch+json' : 'application/merge-patch+json';
}

interface Answer {
  status: number;
  text: string;
}

export function createKubeClient(kc: KubeConfig): RuntimeKubeClient {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const secure = server.protocol === 'https:';
  const basePath = server.pathname.replace(/\/+$/, '');
  let pooled: HttpsAgent | undefined;

  const open = async (method: string, path: string, query: URLSearchParams | undefined, headers: Record<string, string>): Promise<{ options: RequestOptions; url: string }> => {
    const options: RequestOptions = { method, headers: { Accept: 'application/json', ...headers } };
    // Re-applied per request: exec plugins and token files refresh credentials here.
    await kc.applyToHTTPSOptions(options);
    // KubeConfig makes a fresh agent each time; reuse one keep-alive agent (same TLS material)
    // so reconciles do not pay a TLS handshake each. Proxied clusters keep the proxy agent.
    if (secure && !cluster.proxyUrl) {
      pooled ??= new HttpsAgent({
        keepAlive: true,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
        ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
        ...(options.servername !== undefined ? { servername: options.servername } : {}),
      });
      options.agent = pooled;
    }
    const qs = query !== undefined && [...query.keys()].length > 0 ? `?${query.toString()}` : '';
    const url = `${server.protocol}//${server.host}${basePath}${path}${qs}`;
    return { options, url };
  };

  const send = (url: string, options: RequestOptions, body: string | undefined, signal?: AbortSignal): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, { ...options, ...(signal !== undefined ? { signal } : {}) }, resolve);
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });

  const call = async (method: string, path: string, body?: unknown, query?: URLSearchParams, contentType = 'application/json'): Promise<Answer> => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = text === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) };
    const { options, url } = await open(method, path, query, headers);
    const res = await send(url, options, text);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy();
        throw new KubeRequestError(502, `${method} ${path}: response larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') };
  };

  const expectOk = <T>(answer: Answer, method: string, path: string): T => {
    if (answer.status < 200 || answer.status > 299) throw errorFromBody(answer.status, answer.text, `${method} ${path}: HTTP ${answer.status}`);
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw new KubeRequestError(502, `${method} ${path}: the answer is not JSON`);
    }
  };

  const nsOf = (res: ResourceRef, obj: KubeObject): string | undefined => (res.namespaced ? obj.metadata.namespace : undefined);

  return {
    close() {
      pooled?.destroy();
      pooled = undefined;
    },

    async get<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T | null> {
      const path = resourceUrlPath(res, namespace, name);
      const answer = await call('GET', path);
      if (answer.status === 404) return null;
      return expectOk<T>(answer, 'GET', path);
    },

    async list<T extends KubeObject>(res: ResourceRef, options: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
      const path = resourceUrlPath(res, options.namespace);
      const items: T[] = [];
      let resourceVersion = '';
      let cont: string | undefined;
      // Paged like client-go's reflector (500 a page), so a big cluster is not one huge answer.
      do {
        const query = new URLSearchParams({ limit: '500' });
        if (options.labelSelector) query.set('labelSelector', options.labelSelector);
        if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
        if (cont !== undefined) query.set('continue', cont);
        const body = expectOk<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(await call('GET', path, undefined, query), 'GET', path);
        const apiVersion = res.group === '' ? res.version : `${res.group}/${res.version}`;
        // List items carry no apiVersion/kind on the wire; fill them in as the typed clients do.
        for (const item of body.items ?? []) items.push({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? res.kind });
        resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
        cont = body.metadata?.continue || undefined;
      } while (cont !== undefined);
      return { items, resourceVersion };
    },

    async create<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T> {
      const path = resourceUrlPath(res, nsOf(res, obj));
      return expectOk<T>(await call('POST', path, obj), 'POST', path);
    },

    async replace<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T> {
      const path = resourceUrlPath(res, nsOf(res, obj), obj.metadata.name);
      return expectOk<T>(await call('PUT', path, obj), 'PUT', path);
    },

    async replaceStatus<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T> {
      const path = resourceUrlPath(res, nsOf(res, obj), obj.metadata.name, 'status');
      return expectOk<T>(await call('PUT', path, obj), 'PUT', path);
    },

    async patch<T extends KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json' = 'merge'): Promise<T> {
      const path = resourceUrlPath(res, namespace, name);
      return expectOk<T>(await call('PATCH', path, patch, undefined, contentTypeFor(type)), 'PATCH', path);
    },

    async delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<void> {
      const path = resourceUrlPath(res, namespace, name);
      const answer = await call('DELETE', path);
      if (answer.status === 404) return;
      expectOk<unknown>(answer, 'DELETE', path);
    },

    async watch<T extends KubeObject>(res: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, signal?: AbortSignal): Promise<void> {
      const path = resourceUrlPath(res, options.namespace);
      const query = new URLSearchParams({ watch: 'true' });
      if (options.labelSelector) query.set('labelSelector', options.labelSelector);
      if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
      if (options.resourceVersion !== undefined && options.resourceVersion !== '') query.set('resourceVersion', options.resourceVersion);
      if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
      if (options.allowWatchBookmarks === true) query.set('allowWatchBookmarks', 'true');
      const { options: reqOptions, url } = await open('GET', path, query, {});
      if (signal?.aborted) return;
      let response: IncomingMessage;
      try {
        response = await send(url, reqOptions, undefined, signal);
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        let text = '';
        for await (const chunk of response) text += (chunk as Buffer).toString('utf8');
        throw errorFromBody(status, text, `WATCH ${path}: HTTP ${status}`);
      }
      let buffered = '';
      try {
        for await (const chunk of response) {
          buffered += (chunk as Buffer).toString('utf8');
          let nl: number;
          while ((nl = buffered.indexOf('\n')) !== -1) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line === '') continue;
            const event = JSON.parse(line) as { type: string; object: StatusBody & KubeObject };
            if (event.type === 'ERROR') {
              response.destroy();
              const st = event.object;
              throw new KubeRequestError(st.code ?? 500, st.message ?? 'watch error', st.reason);
            }
            onEvent(event as unknown as WatchEvent<T>);
          }
        }
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
    },
  };
}
