/**
 * `GET /v1/sys/events/subscribe/<event type>?json=true` — Vault's event stream over
 * WebSocket (Vault's `http/events.go`). The upgrade request is authenticated with
 * `X-Vault-Token` (or `Authorization: Bearer`), authorised, and only then accepted; each event
 * is one CloudEvents JSON text message. Errors before the upgrade are answered as Vault's
 * JSON error bodies (403, 400, 503).
 *
 * Close codes: 1013 when the subscriber fell too far behind (its buffer overflowed:
 * resubscribe and catch up), 1008 when its token was revoked, expired or lost access,
 * 1001 when the server seals or shuts down.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseQueryString } from 'node:querystring';
import { WebSocketServer, type WebSocket } from 'ws';
import { PermissionDeniedError, SealedError, UserError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Core } from '../core/index.js';
import { formatCloudEvent, type EventRecord, type Subscription, type SubscriptionEnd } from '../events/index.js';
import { parseBool } from '../sdk/index.js';
import { toHttpError } from './error-map.js';

export const EVENTS_SUBSCRIBE_PREFIX = '/v1/sys/events/subscribe/';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * After a close frame is queued, how long a peer that does not answer keeps its socket: a
 * slow reader gets this long to drain its backlog and see why it was closed.
 */
const CLOSE_GRACE_MS = 30_000;
/** Keep-alive pings, as Vault sends them. */
const PING_INTERVAL_MS = 30_000;

export interface EventsEndpointOptions {
  core: Core;
  logger: Logger;
}

interface Prepared {
  pattern: string;
  filter: string;
  token: string | undefined;
  json: boolean;
}

/** Vault's default is protobuf; Coffer serves the JSON form only and says so. */
const JSON_ONLY = 'only JSON events are supported: add the json=true query parameter';

/**
 * Serves the events endpoint on `app`: WebSocket upgrades on its server, and a plain GET
 * (no upgrade) that answers the same checks and then 400, since only WebSocket is served.
 */
export function registerEventsEndpoint(app: FastifyInstance, options: EventsEndpointOptions): void {
  const { core, logger } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096 });
  const sockets = new Set<WebSocket>();

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void handleUpgrade(request, socket, head).catch((err: unknown) => {
      logger.error({ err }, 'event subscription upgrade failed');
      rejectUpgrade(socket, 500, ['internal error']);
    });
  });

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = request.url ?? '/';
    if (!pathOf(url).startsWith(EVENTS_SUBSCRIBE_PREFIX) && pathOf(url) !== EVENTS_SUBSCRIBE_PREFIX.slice(0, -1)) {
      rejectUpgrade(socket, 404, []);
      return;
    }
    let sub: Subscription;
    let prepared: Prepared;
    let ws: WebSocket | null = null;
    // Events published between subscribing and the upgrade completing wait here.
    const early: [EventRecord, () => void][] = [];
    try {
      prepared = prepare(core, url, request.headers);
      // Subscribe before accepting, as Vault does, so no event between the two is lost.
      sub = await core.eventSubscriptions.open({
        token: prepared.token,
        remoteAddr: request.socket.remoteAddress ?? '',
        pattern: prepared.pattern,
        filter: prepared.filter,
        sink: {
          send(event, done) {
            if (ws === null) early.push([event, done]);
            else sendEvent(ws, event, done);
          },
          end(why) {
            if (ws !== null) closeFor(ws, why);
            else socket.destroy();
          },
        },
      });
    } catch (err) {
      const mapped = toHttpError(err);
      if (mapped.unexpected) logger.error({ err }, 'event subscription failed');
      rejectUpgrade(socket, mapped.status, mapped.errors);
      return;
    }
    if (!sub.active) return;
    // Checked after the token, as Vault answers 403 before looking at parameters.
    if (!prepared.json) {
      core.eventSubscriptions.close(sub);
      rejectUpgrade(socket, 400, [JSON_ONLY]);
      return;
    }
    wss.handleUpgrade(request, socket, head, (accepted) => {
      ws = accepted;
      sockets.add(accepted);
      const ping = setInterval(() => accepted.ping(), PING_INTERVAL_MS);
      ping.unref();
      const stop = (): void => {
        clearInterval(ping);
        sockets.delete(accepted);
        core.eventSubscriptions.close(sub);
      };
      accepted.on('close', stop);
      accepted.on('error', (err) => {
        logger.debug({ err }, 'event subscriber connection error');
        stop();
      });
      // Subscribers send nothing; anything they do send is ignored.
      accepted.on('message', () => undefined);
      for (const [event, done] of early.splice(0)) sendEvent(accepted, event, done);
    });
  }

  // Without an upgrade: the same checks (so a client learns what is wrong), then 400.
  app.get(`${EVENTS_SUBSCRIBE_PREFIX}*`, async (request, reply) => {
    try {
      const prepared = prepare(core, request.raw.url ?? '/', request.headers);
      const sub = await core.eventSubscriptions.open({
        token: prepared.token,
        remoteAddr: request.socket.remoteAddress ?? '',
        pattern: prepared.pattern,
        filter: prepared.filter,
        sink: { send: (_event, done) => done(), end: () => undefined },
      });
      core.eventSubscriptions.close(sub);
      if (!prepared.json) throw new UserError(JSON_ONLY);
      throw new UserError('this endpoint streams events over WebSocket: send an Upgrade: websocket request');
    } catch (err) {
      const mapped = toHttpError(err);
      return sendJsonError(reply, mapped.status, mapped.errors);
    }
  });

  app.addHook('onClose', async () => {
    for (const ws of sockets) closeFor(ws, { reason: 'closed' });
    wss.close();
  });
}

function prepare(core: Core, url: string, headers: IncomingMessage['headers']): Prepared {
  if (core.sealed) throw new SealedError();
  const namespace = header(headers, 'x-vault-namespace');
  if (namespace !== undefined && !['', 'root', 'root/', '/'].includes(namespace)) {
    throw new PermissionDeniedError('namespaces feature not enabled');
  }
  const path = pathOf(url);
  let pattern: string;
  try {
    pattern = decodeURIComponent(path.slice(EVENTS_SUBSCRIBE_PREFIX.length));
  } catch {
    throw new UserError('invalid URL path encoding');
  }
  const q = url.indexOf('?');
  const query = q === -1 ? {} : parseQueryString(url.slice(q + 1));
  const first = (name: string): string | undefined => {
    const value = query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const jsonRaw = first('json');
  let json = false;
  if (jsonRaw !== undefined && jsonRaw !== '') {
    try {
      json = parseBool(jsonRaw);
    } catch {
      throw new UserError(`invalid parameter for JSON: ${jsonRaw}`);
    }
  }
  const authorization = header(headers, 'authorization');
  const token =
    header(headers, 'x-vault-token') ?? (authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined);
  // `namespaces` is accepted and has nothing to select: every event is in the root namespace.
  return { pattern, filter: first('filter') ?? '', token: token === '' ? undefined : token, json };
}

/** Each event is serialised once however many subscribers receive it. */
const formatted = new WeakMap<EventRecord, string>();

function sendEvent(ws: WebSocket, event: EventRecord, done: () => void): void {
  if (ws.readyState !== ws.OPEN) {
    done();
    return;
  }
  let text = formatted.get(event);
  if (text === undefined) {
    text = formatCloudEvent(event);
    formatted.set(event, text);
  }
  // The callback fires once the frame reached the socket: the bus's in-flight accounting.
  ws.send(text, () => done());
}

function closeFor(ws: WebSocket, why: SubscriptionEnd): void {
  if (ws.readyState === ws.CLOSED) return;
  switch (why.reason) {
    case 'overflow':
      ws.close(CLOSE_TRY_AGAIN_LATER, `subscriber too slow: ${why.pending} events buffered; resubscribe and catch up`);
      break;
    case 'revoked':
      ws.close(CLOSE_POLICY_VIOLATION, 'token revoked or expired');
      break;
    case 'denied':
      ws.close(CLOSE_POLICY_VIOLATION, 'permission denied');
      break;
    case 'closed':
      ws.close(CLOSE_GOING_AWAY, 'server is sealing or shutting down');
      break;
    case 'unsubscribed':
      ws.close(1000, '');
      break;
  }
  // A peer that does not read never answers the close frame: drop it after a grace period.
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
}

function rejectUpgrade(socket: Duplex, status: number, errors: string[]): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ errors });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function sendJsonError(reply: FastifyReply, status: number, errors: string[]): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify({ errors }), 'utf8'));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function header(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
