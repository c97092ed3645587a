import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { changedPathOf } from './events.js';
import { subscribeToVaultEvents } from './subscribe.js';

/** A CloudEvents message as Vault sends it (docs: concepts/events, "Event format"). */
const vaultEvent = (eventType: string, metadata: Record<string, string>, mountPath = 'secret/'): unknown => ({
  id: 'a3be9fb1-b514-519f-5b25-b6f144a8c1ce',
  source: 'https://vaultproject.io/',
  specversion: '1.0',
  type: '*',
  data: {
    event: { id: 'a3be9fb1-b514-519f-5b25-b6f144a8c1ce', metadata },
    event_type: eventType,
    plugin_info: { mount_class: 'secret', mount_accessor: 'kv_5dc4d18e', mount_path: mountPath, plugin: 'kv' },
  },
  datacontentype: 'application/cloudevents',
  time: '2023-09-12T15:19:49.394915-07:00',
});

describe('changedPathOf', () => {
  it('takes data_path, and maps a KV v2 metadata path without it to the data path', () => {
    expect(changedPathOf(vaultEvent('kv-v2/data-write', { path: 'secret/data/foo', data_path: 'secret/data/foo', current_version: '1' }))).toEqual({ path: 'secret/data/foo', eventType: 'kv-v2/data-write' });
    expect(changedPathOf(vaultEvent('kv-v2/metadata-delete', { path: 'team/kv/metadata/app/db' }, 'team/kv/'))?.path).toBe('team/kv/data/app/db');
    expect(changedPathOf(vaultEvent('kv-v1/write', { path: 'kv1/apps/metadata/x' }, 'kv1/'))?.path).toBe('kv1/apps/metadata/x');
    expect(changedPathOf({ data: { event: { metadata: {} } } })).toBeUndefined();
    expect(changedPathOf('nonsense')).toBeUndefined();
  });
});

describe('subscribeToVaultEvents', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function listen(onUpgrade: (wss: WebSocketServer, headers: Record<string, unknown>) => void, status?: number): Promise<string> {
    const wss = new WebSocketServer({ noServer: true });
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => {
      if (status !== undefined) {
        socket.end(`HTTP/1.1 ${status} Nope\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      expect(req.url).toBe('/v1/sys/events/subscribe/kv*?json=true');
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.emit('connection', ws);
        onUpgrade(wss, req.headers);
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  it('reports changed paths with the token in X-Vault-Token, and a lost stream', async () => {
    let headers: Record<string, unknown> = {};
    const url = await listen((wss, h) => {
      headers = h;
      for (const ws of wss.clients) {
        ws.send(JSON.stringify(vaultEvent('kv-v2/data-write', { path: 'secret/data/app', data_path: 'secret/data/app' })));
        setTimeout(() => ws.terminate(), 20);
      }
    });
    const changes: string[] = [];
    let ready = 0;
    const lost = new Promise<Error>((resolve) => {
      void subscribeToVaultEvents({ server: url, token: 'tok-1' }, { onReady: () => ready++, onChange: (p) => changes.push(p), onLost: resolve });
    });
    const err = await lost;
    expect(ready).toBe(1);
    expect(changes).toEqual(['secret/data/app']);
    expect(headers['x-vault-token']).toBe('tok-1');
    expect(err.message).toContain('event stream closed');
  });

  it('resolves undefined when the server has no event stream (404), rejects when it cannot be reached', async () => {
    const url = await listen(() => undefined, 404);
    const noop = { onReady: () => undefined, onChange: () => undefined, onLost: () => undefined };
    await expect(subscribeToVaultEvents({ server: url, token: 't' }, noop)).resolves.toBeUndefined();
    await expect(subscribeToVaultEvents({ server: 'http://127.0.0.1:1', token: 't' }, noop)).rejects.toThrow(/ECONNREFUSED/);
  });
});
