/**
 * A subscription to a Coffer (or Vault ≥ 1.16) server's event stream:
 * `GET /v1/sys/events/subscribe/<type>?json=true` upgraded to a WebSocket, one CloudEvents
 * JSON message per event. The operator only needs *which path changed*: Vault puts it in
 * `data.event.metadata.data_path` (kv-v2 metadata events name the data path there too), with
 * `path` as the fallback for older servers.
 *
 * A server without events answers the upgrade with 404/405 (or 403 for a token without the
 * `subscribe` capability): that is reported as `unsupported`, and the caller keeps polling.
 */
import WebSocket from 'ws';

export interface VaultEventStreamOptions {
  server: string;
  token: string;
  namespace?: string;
  caPem?: string;
  clientCert?: { cert: string; key: string };
  /** Event type pattern; default `kv*` (kv-v1/* and kv-v2/*). */
  eventType?: string;
}

export interface VaultEventHandlers {
  onOpen(): void;
  /** A changed path (`secret/data/apps/db`). */
  onEvent(path: string, eventType: string): void;
  /** The stream ended. `unsupported`: the server has no (permitted) event stream; do not retry soon. */
  onClose(info: { unsupported: boolean; reason: string }): void;
}

export interface VaultEventStream {
  close(): void;
}

/** The changed path of one event message, or undefined when it names none. */
export function changedPathOf(message: unknown): { path: string; eventType: string } | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const data = (message as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const eventType = typeof (data as { event_type?: unknown }).event_type === 'string' ? (data as { event_type: string }).event_type : '';
  const metadata = ((data as { event?: { metadata?: unknown } }).event?.metadata ?? {}) as Record<string, unknown>;
  if (typeof metadata['data_path'] === 'string' && metadata['data_path'] !== '') return { path: metadata['data_path'].replace(/^\/+/, ''), eventType };
  const raw = metadata['path'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  let path = raw.replace(/^\/+/, '');
  // Servers before `data_path` name a KV v2 metadata/destroy/… path; reads are indexed by `<mount>data/<key>`.
  const mount = (data as { plugin_info?: { mount_path?: unknown } }).plugin_info?.mount_path;
  if (eventType.startsWith('kv-v2/') && typeof mount === 'string' && mount !== '') {
    const m = mount.replace(/^\/+/, '').replace(/\/*$/, '/');
    const rest = path.startsWith(m) ? path.slice(m.length) : undefined;
    const op = rest?.match(/^(metadata|destroy|delete|undelete|data)\//);
    if (rest !== undefined && op) path = `${m}data/${rest.slice(op[0].length)}`;
  }
  return { path, eventType };
}

/** Statuses that mean "no event stream here" rather than "try again". */
const UNSUPPORTED_STATUSES = new Set([400, 403, 404, 405, 501]);

export function openVaultEventStream(options: VaultEventStreamOptions, handlers: VaultEventHandlers): VaultEventStream {
  const base = new URL(options.server);
  const protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const type = encodeURIComponent(options.eventType ?? 'kv*').replaceAll('%2A', '*');
  const url = `${protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}/v1/sys/events/subscribe/${type}?json=true`;
  const headers: Record<string, string> = { 'X-Vault-Token': options.token };
  if (options.namespace !== undefined && options.namespace !== '') headers['X-Vault-Namespace'] = options.namespace;
  const socket = new WebSocket(url, {
    headers,
    handshakeTimeout: 10_000,
    ...(options.caPem !== undefined ? { ca: options.caPem } : {}),
    ...(options.clientCert !== undefined ? { cert: options.clientCert.cert, key: options.clientCert.key } : {}),
  });
  let closedByUs = false;
  let reported = false;
  const report = (info: { unsupported: boolean; reason: string }): void => {
    if (reported || closedByUs) return;
    reported = true;
    handlers.onClose(info);
  };
  socket.on('open', () => handlers.onOpen());
  socket.on('message', (raw: WebSocket.RawData, isBinary: boolean) => {
    if (isBinary) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      return; // not an event; Vault only sends JSON with ?json=true
    }
    const changed = changedPathOf(parsed);
    if (changed !== undefined) handlers.onEvent(changed.path, changed.eventType);
  });
  socket.on('unexpected-response', (_req, res) => {
    const status = res.statusCode ?? 0;
    res.resume();
    report({ unsupported: UNSUPPORTED_STATUSES.has(status), reason: `the server answered the event subscription with HTTP ${status}` });
    socket.terminate();
  });
  socket.on('error', (err: Error) => report({ unsupported: false, reason: err.message }));
  socket.on('close', (code: number, reason: Buffer) => report({ unsupported: false, reason: `event stream closed (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})` }));
  return {
    close() {
      closedByUs = true;
      socket.terminate();
    },
  };
}
