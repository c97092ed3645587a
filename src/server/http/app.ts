/**
 * The HTTP surface: Vault's `/v1/*` API on Fastify. This module only translates — HTTP in,
 * `IncomingRequest` to the core, pipeline result or error back out as Vault renders it.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { PermissionDeniedError, UnsupportedMediaTypeError, UnsupportedOperationError, UserError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { AuditError } from '../audit/index.js';
import type { Core, IncomingRequest } from '../core/index.js';
import type { ServerMetrics } from '../metrics/index.js';
import { parseBool, type Operation } from '../sdk/index.js';
import { renderResult } from './envelope.js';
import { toHttpError } from './error-map.js';
import { registerEventsEndpoint } from './events-ws.js';
import { LIST_ALIAS_METHOD, acceptListMethod } from './list-method.js';

export interface HttpAppOptions {
  core: Core;
  logger: Logger;
  /** Records every API request; optional so tests can leave it out. */
  metrics?: ServerMetrics;
  /** Largest accepted request body in bytes (Vault's `max_request_size`, default 32 MiB). */
  maxRequestSize?: number;
  /** Supplies a TLS server; plain HTTP when absent. */
  https?: { key: Buffer; cert: Buffer; minVersion?: 'TLSv1.2' | 'TLSv1.3' };
}

export const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024;

const JSON_TYPE = 'application/json';
const MERGE_PATCH_TYPE = 'application/merge-patch+json';

export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { core, logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxRequestSize ?? DEFAULT_MAX_REQUEST_SIZE,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    return503OnClosing: false,
    // A URL Fastify cannot decode (`%ff`, a lone `%`) still gets Vault's error body.
    frameworkErrors: (err, request, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 400;
      return sendError(reply as FastifyReply, request as FastifyRequest, status, [
        err.code === 'FST_ERR_BAD_URL' ? 'invalid URL path encoding' : err.message,
      ]);
    },
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert, minVersion: options.https.minVersion ?? 'TLSv1.2' } } : {}),
  });
  app.addHttpMethod(LIST_ALIAS_METHOD, { hasBody: true });
  acceptListMethod(app.server as Server);

  // Vault reads bodies as JSON whatever the Content-Type says (the CLI sends none), so one
  // catch-all parser hands us the raw bytes and we parse them with Vault's error messages.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 && err.code?.startsWith('FST_')) {
      const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'http: request body too large' : err.message;
      return sendError(reply, request, err.statusCode, [message]);
    }
    const mapped = toHttpError(err);
    if (err instanceof AuditError) options.metrics?.auditFailure();
    if (mapped.unexpected) logger.error({ err, method: request.method, path: pathOf(request) }, 'request failed');
    return sendError(reply, request, mapped.status, mapped.errors);
  });

  // The `/v1/*` route takes every method Vault knows, so a `/v1/` request that lands here
  // used another verb: Vault answers those 405.
  // Metrics: the label is the mount serving the path (bounded cardinality), never the path.
  if (options.metrics) {
    const metrics = options.metrics;
    app.addHook('onResponse', (request, reply, done) => {
      const path = pathOf(request);
      if (path.startsWith('/v1/')) {
        const mount = core.findMountFor(path.slice(4))?.path ?? '';
        const operation = request.method === LIST_ALIAS_METHOD ? 'LIST' : request.method;
        metrics.observeRequest({ mount, operation, status: reply.statusCode, seconds: reply.elapsedTime / 1000 });
      }
      done();
    });
  }

  registerEventsEndpoint(app, { core, logger });

  app.setNotFoundHandler((request, reply) => sendError(reply, request, pathOf(request).startsWith('/v1/') ? 405 : 404, []));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', LIST_ALIAS_METHOD],
    url: '/v1/*',
    handler: async (request, reply) => {
      const incoming = toIncomingRequest(request);
      const result = await core.handleRequest(incoming);
      const rendered = renderResult(result, incoming.path);
      reply.code(rendered.status).header('cache-control', 'no-store').header('content-type', rendered.contentType ?? JSON_TYPE);
      if (request.method === 'HEAD' || rendered.body === null) return reply.send();
      return reply.send(typeof rendered.body === 'string' ? jsonBytes(rendered.body) : Buffer.from(rendered.body));
    },
  });

  return app;
}

function sendError(reply: FastifyReply, request: FastifyRequest, status: number, errors: string[]): FastifyReply {
  reply.code(status).header('cache-control', 'no-store').header('content-type', JSON_TYPE);
  return request.method === 'HEAD' ? reply.send() : reply.send(jsonBytes(JSON.stringify({ errors })));
}

/**
 * Bodies go out as bytes because Fastify appends `; charset=utf-8` to a JSON Content-Type
 * on string payloads, and hvac parses error bodies only when it is exactly
 * `application/json`.
 */
function jsonBytes(json: string): Buffer {
  return Buffer.from(json, 'utf8');
}

function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Translates an HTTP request into the core's request, following Vault's http/logical.go. */
export function toIncomingRequest(request: FastifyRequest): IncomingRequest {
  const rawUrl = request.raw.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath.slice('/v1/'.length));
  } catch {
    throw new UserError('invalid URL path encoding');
  }
  if (path.includes('\0')) throw new UserError('invalid URL path');
  const query = q === -1 ? {} : flattenQuery(parseQueryString(rawUrl.slice(q + 1)));

  const namespace = header(request, 'x-vault-namespace');
  if (namespace !== undefined && !['', 'root', 'root/', '/'].includes(namespace)) {
    throw new PermissionDeniedError('namespaces feature not enabled');
  }

  let operation: Operation;
  let data: Record<string, unknown>;
  const method = request.method;
  const contentType = header(request, 'content-type');
  const boolQuery = (name: string): boolean => {
    const value = query[name];
    if (value === undefined) return false;
    try {
      return parseBool(value);
    } catch {
      throw new UserError(`invalid value for "${name}" query parameter`);
    }
  };
  const { list: _list, help: _help, ...queryData } = query;

  switch (method) {
    case 'GET':
    case 'HEAD':
      if (method === 'HEAD' && path.replace(/\/+$/, '') !== 'sys/health') throw new UnsupportedOperationError('');
      operation = boolQuery('help') ? 'help' : boolQuery('list') ? 'list' : 'read';
      data = queryData;
      break;
    case LIST_ALIAS_METHOD:
      operation = 'list';
      data = { ...queryData, ...parseBody(request.body, contentType) };
      break;
    case 'POST':
    case 'PUT':
      operation = boolQuery('help') ? 'help' : 'update';
      data = parseBody(request.body, contentType);
      break;
    case 'PATCH':
      if (!contentType || contentType.split(';')[0]?.trim().toLowerCase() !== MERGE_PATCH_TYPE) {
        throw new UnsupportedMediaTypeError(`PATCH requires Content-Type of ${MERGE_PATCH_TYPE}, got "${contentType ?? ''}"`);
      }
      operation = 'patch';
      data = parseBody(request.body, contentType);
      break;
    case 'DELETE':
      operation = 'delete';
      // Some delete endpoints take a body; Vault merges it with the query.
      data = { ...queryData, ...parseBody(request.body, contentType) };
      break;
    default:
      throw new UnsupportedOperationError('');
  }
  if (operation === 'list' && !path.endsWith('/')) path += '/';

  const authorization = header(request, 'authorization');
  const clientToken =
    header(request, 'x-vault-token') ??
    (authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined);

  return {
    operation,
    path,
    data,
    ...(clientToken ? { clientToken } : {}),
    headers: request.headers as Record<string, string | undefined>,
    remoteAddr: request.socket.remoteAddress ?? '',
    ...(contentType !== undefined ? { contentType } : {}),
  };
}

function flattenQuery(query: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
  return out;
}

/** A JSON object body (or a form body), as Vault accepts it. Empty bodies are `{}`. */
export function parseBody(body: unknown, contentType: string | undefined): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
  if (bytes.length === 0) return {};
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const text = bytes.toString('utf8');
  // Like Vault's isForm: a form only when the type says so and the body is not JSON
  // (curl sends JSON bodies with the form type by default).
  if (type === 'application/x-www-form-urlencoded' && !text.trimStart().startsWith('{')) {
    return flattenQuery(parseQueryString(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the input, which may be a secret: report only the position.
    const position = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined;
    throw new UserError(`failed to parse JSON input: invalid JSON${position ? ` at position ${position}` : ''}`);
  }
  if (exceedsDepth(parsed, MAX_JSON_DEPTH)) throw new UserError('failed to parse JSON input: exceeded max depth');
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError('failed to parse JSON input: the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Go's encoding/json (Vault) refuses input nested deeper than 10000. V8's JSON.stringify and
 * structuredClone overflow the stack at a few thousand levels, which would turn a stored
 * value into a 500 on every later read or write, so bodies are capped lower.
 */
export const MAX_JSON_DEPTH = 1000;

/** True when `value` nests objects/arrays more than `max` levels deep (iterative: no recursion). */
function exceedsDepth(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > max) return true;
    for (const child of Object.values(item.value)) {
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: item.depth + 1 });
    }
  }
  return false;
}
