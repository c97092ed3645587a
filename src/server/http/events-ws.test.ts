/**
 * sys/events/subscribe over a real WebSocket against an in-process dev server: event shapes
 * per KV operation, policy filtering, refusals, slow consumers and token revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startInProcessDev, type InProcessServer } from '../../../test/support/servers.js';

let server: InProcessServer;

interface Received {
  messages: Record<string, any>[];
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first `n` messages once they arrived. */
  take(n: number): Promise<Record<string, any>[]>;
}

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.address}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': token, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function wsUrl(pattern: string, query = 'json=true'): string {
  return `${server.address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/${pattern}${query ? `?${query}` : ''}`;
}

/** Opens a subscription; resolves once the upgrade succeeded, rejects with the HTTP status otherwise. */
function subscribe(pattern: string, token: string, query = 'json=true', headers: Record<string, string> = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(pattern, query), { headers: { 'X-Vault-Token': token, ...headers } });
    const messages: Record<string, any>[] = [];
    const waiters: { n: number; resolve: (m: Record<string, any>[]) => void }[] = [];
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as Record<string, any>);
      for (const w of waiters.splice(0)) {
        if (messages.length >= w.n) w.resolve(messages.slice(0, w.n));
        else waiters.push(w);
      }
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        messages,
        ws,
        closed,
        take: (n) => (messages.length >= n ? Promise.resolve(messages.slice(0, n)) : new Promise((r) => waiters.push({ n, resolve: r }))),
      }),
    );
  });
}

async function tokenWithPolicy(name: string, policy: string): Promise<string> {
  expect((await api('PUT', `sys/policies/acl/${name}`, server.rootToken, { policy })).status).toBe(204);
  const created = await api('POST', 'auth/token/create', server.rootToken, { policies: [name] });
  return created.json.auth.client_token as string;
}

beforeAll(async () => {
  server = await startInProcessDev();
});
afterAll(async () => {
  await server.close();
});

describe('sys/events/subscribe', () => {
  it('streams a kv-v2 data write as Vault CloudEvents JSON, without the secret value', async () => {
    const sub = await subscribe('kv-v2/data-write', server.rootToken);
    await api('POST', 'secret/data/app/db', server.rootToken, { data: { password: 'hunter2' } });
    const [event] = await sub.take(1);
    sub.ws.close();
    expect(event).toMatchObject({
      source: 'https://vaultproject.io/',
      specversion: '1.0',
      type: '*',
      datacontentype: 'application/cloudevents',
      data: {
        event_type: 'kv-v2/data-write',
        event: {
          metadata: {
            current_version: '1',
            oldest_version: '0',
            data_path: 'secret/data/app/db',
            path: 'secret/data/app/db',
            modified: 'true',
            operation: 'data-write',
          },
        },
        plugin_info: { mount_class: 'secret', mount_path: 'secret/', plugin: 'kv' },
      },
    });
    expect(event?.['id']).toBe(event?.['data'].event.id);
    expect(Object.keys(event ?? {})).toEqual(['id', 'source', 'specversion', 'type', 'data', 'datacontentype', 'datacontenttype', 'time']);
    expect(JSON.stringify(event)).not.toContain('hunter2');
  });

  it('names every kv-v2 operation with Vault metadata; removals carry no data_path', async () => {
    const sub = await subscribe('kv-v2/*', server.rootToken);
    const root = server.rootToken;
    await api('POST', 'secret/data/ops', root, { data: { a: '1' } });
    await fetch(`${server.address}/v1/secret/data/ops`, {
      method: 'PATCH',
      headers: { 'X-Vault-Token': root, 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { b: '2' } }),
    });
    await api('DELETE', 'secret/data/ops', root);
    await api('POST', 'secret/undelete/ops', root, { versions: [2] });
    await api('POST', 'secret/delete/ops', root, { versions: [1] });
    await api('POST', 'secret/destroy/ops', root, { versions: [1] });
    await api('POST', 'secret/metadata/ops', root, { max_versions: 5 });
    await fetch(`${server.address}/v1/secret/metadata/ops`, {
      method: 'PATCH',
      headers: { 'X-Vault-Token': root, 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ custom_metadata: { owner: 'x' } }),
    });
    await api('DELETE', 'secret/metadata/ops', root);
    await api('POST', 'secret/config', root, { max_versions: 7 });
    const events = await sub.take(10);
    sub.ws.close();
    const summary = events.map((e) => [e['data'].event_type, e['data'].event.metadata.path, e['data'].event.metadata.data_path ?? null]);
    expect(summary).toEqual([
      ['kv-v2/data-write', 'secret/data/ops', 'secret/data/ops'],
      ['kv-v2/data-patch', 'secret/data/ops', 'secret/data/ops'],
      ['kv-v2/data-delete', 'secret/data/ops', null],
      ['kv-v2/undelete', 'secret/undelete/ops', 'secret/data/ops'],
      ['kv-v2/delete', 'secret/delete/ops', null],
      ['kv-v2/destroy', 'secret/destroy/ops', null],
      ['kv-v2/metadata-write', 'secret/metadata/ops', 'secret/metadata/ops'],
      ['kv-v2/metadata-patch', 'secret/metadata/ops', 'secret/metadata/ops'],
      ['kv-v2/metadata-delete', 'secret/metadata/ops', null],
      ['kv-v2/config-write', 'secret/config', 'secret/config'],
    ]);
    expect(events[1]?.['data'].event.metadata).toMatchObject({ current_version: '2', operation: 'data-patch' });
  });

  it('emits nothing for a write that failed', async () => {
    const sub = await subscribe('kv-v2/data-write', server.rootToken);
    await api('POST', 'secret/data/cas', server.rootToken, { data: { a: '1' } });
    // A check-and-set mismatch is refused: no event for it.
    expect((await api('POST', 'secret/data/cas', server.rootToken, { options: { cas: 5 }, data: { a: '2' } })).status).toBe(400);
    await api('POST', 'secret/data/cas-after', server.rootToken, { data: { a: '3' } });
    const events = await sub.take(2);
    sub.ws.close();
    expect(events.map((e) => e['data'].event.metadata.path)).toEqual(['secret/data/cas', 'secret/data/cas-after']);
  });

  it('streams kv-v1 write and delete', async () => {
    expect((await api('POST', 'sys/mounts/kv1', server.rootToken, { type: 'kv', options: { version: '1' } })).status).toBe(204);
    const sub = await subscribe('kv-v1/*', server.rootToken);
    await api('POST', 'kv1/app', server.rootToken, { password: 'p' });
    await api('DELETE', 'kv1/app', server.rootToken);
    const events = await sub.take(2);
    sub.ws.close();
    expect(events.map((e) => [e['data'].event_type, e['data'].event.metadata])).toEqual([
      ['kv-v1/write', { data_path: 'kv1/app', modified: 'true', operation: 'write', path: 'kv1/app' }],
      ['kv-v1/delete', { modified: 'true', operation: 'delete', path: 'kv1/app' }],
    ]);
  });

  it('never tells a tenant about another tenant’s paths', async () => {
    const token = await tokenWithPolicy(
      'team-a-events',
      `path "sys/events/subscribe/*" { capabilities = ["read"] }
       path "secret/data/team-a/*" { capabilities = ["read"] }`,
    );
    const sub = await subscribe('kv-v2/*', token);
    await api('POST', 'secret/data/team-b/db', server.rootToken, { data: { a: '1' } });
    // A soft delete has no data_path: root tokens only, as in Vault.
    await api('DELETE', 'secret/data/team-a/db', server.rootToken);
    await api('POST', 'secret/data/team-a/db', server.rootToken, { data: { a: '1' } });
    const [first] = await sub.take(1);
    // Events reach a subscriber in publish order: had team-b's been delivered it came first.
    expect(first?.['data'].event.metadata.path).toBe('secret/data/team-a/db');
    expect(sub.messages.every((m) => !JSON.stringify(m).includes('team-b'))).toBe(true);
    sub.ws.close();
  });

  it('honours Vault’s subscribe capability with subscribe_event_types on the data path', async () => {
    const token = await tokenWithPolicy(
      'vault-style-events',
      `path "sys/events/subscribe/kv*" { capabilities = ["read"] }
       path "secret/data/vs/*" {
         capabilities = ["subscribe"]
         subscribe_event_types = ["kv-v2/data-write"]
       }`,
    );
    const sub = await subscribe('kv-v2/*', token);
    await api('POST', 'secret/data/vs/a', server.rootToken, { data: { a: '1' } });
    await fetch(`${server.address}/v1/secret/data/vs/a`, {
      method: 'PATCH',
      headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { b: '2' } }),
    });
    await api('POST', 'secret/data/vs/b', server.rootToken, { data: { a: '1' } });
    const events = await sub.take(2);
    sub.ws.close();
    expect(events.map((e) => [e['data'].event_type, e['data'].event.metadata.path])).toEqual([
      ['kv-v2/data-write', 'secret/data/vs/a'],
      ['kv-v2/data-write', 'secret/data/vs/b'],
    ]);
  });

  it('applies a go-bexpr filter', async () => {
    const filter = encodeURIComponent('data_path == secret/data/f/one or (operation == "data-write" and data_path matches "two$")');
    const sub = await subscribe('kv-v2/*', server.rootToken, `json=true&filter=${filter}`);
    await api('POST', 'secret/data/f/zero', server.rootToken, { data: { a: '1' } });
    await api('POST', 'secret/data/f/one', server.rootToken, { data: { a: '1' } });
    await api('POST', 'secret/data/f/two', server.rootToken, { data: { a: '1' } });
    const events = await sub.take(2);
    sub.ws.close();
    expect(events.map((e) => e['data'].event.metadata.path)).toEqual(['secret/data/f/one', 'secret/data/f/two']);
  });

  it('accepts Authorization: Bearer', async () => {
    const sub = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl('kv-v2/*'), { headers: { Authorization: `Bearer ${server.rootToken}` } });
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
    });
    sub.close();
  });

  it('refuses with Vault’s statuses before upgrading', async () => {
    const noSubscribe = await tokenWithPolicy('no-events', `path "secret/data/*" { capabilities = ["read"] }`);
    await expect(subscribe('kv-v2/*', noSubscribe)).rejects.toMatchObject({ status: 403 });
    await expect(subscribe('kv-v2/*', 'hvs.not-a-token')).rejects.toMatchObject({ status: 403 });
    await expect(subscribe('kv-v2/*', '')).rejects.toMatchObject({ status: 403 });
    // `subscribe` with an empty subscribe_event_types grants no event type.
    const narrow = await tokenWithPolicy(
      'narrow-events',
      `path "sys/events/subscribe/*" {
         capabilities = ["subscribe"]
         subscribe_event_types = []
       }`,
    );
    await expect(subscribe('kv-v2/*', narrow)).rejects.toMatchObject({ status: 403 });
    await expect(subscribe('kv-v2/*', server.rootToken, '')).rejects.toMatchObject({ status: 400 });
    await expect(subscribe('kv-v2/*', server.rootToken, 'json=maybe')).rejects.toMatchObject({ status: 400 });
    const badFilter = await subscribe('kv-v2/*', server.rootToken, `json=true&filter=${encodeURIComponent('secret_value == x')}`).catch(
      (err: { status: number; body: string }) => err,
    );
    expect(badFilter).toMatchObject({ status: 400 });
    expect((badFilter as { body: string }).body).toContain('unknown selector \\"secret_value\\"');
    const res = await fetch(`${server.address}/v1/sys/events/subscribe/kv-v2/*?json=true`, { headers: { 'X-Vault-Token': server.rootToken } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toContain('WebSocket');
  });

  it('ends the stream when the subscriber’s token is revoked', async () => {
    const token = await tokenWithPolicy('revoked-events', `path "sys/events/subscribe/*" { capabilities = ["read"] }`);
    const sub = await subscribe('kv-v2/*', token);
    expect((await api('POST', 'auth/token/revoke', server.rootToken, { token })).status).toBe(204);
    expect(await sub.closed).toEqual({ code: 1008, reason: 'token revoked or expired' });
  });

  it('ends the stream when the policy no longer grants the subscribe path', async () => {
    const token = await tokenWithPolicy('shrinking-events', `path "sys/events/subscribe/*" { capabilities = ["read"] }`);
    const sub = await subscribe('kv-v2/*', token);
    await api('PUT', 'sys/policies/acl/shrinking-events', server.rootToken, { policy: `path "secret/*" { capabilities = ["read"] }` });
    expect(await sub.closed).toEqual({ code: 1008, reason: 'permission denied' });
  });

  it('closes a subscriber that stops reading instead of buffering without bound', async () => {
    const sub = await subscribe('kv-v2/*', server.rootToken);
    // The client stops reading: the kernel buffers fill, then the server-side buffer overflows.
    sub.ws.pause();
    const key = `slow/${'k'.repeat(6000)}`;
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 40 }, () => api('POST', `secret/data/${key}`, server.rootToken, { data: { a: '1' } })));
    }
    sub.ws.resume();
    const closed = await sub.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/^subscriber too slow: \d+ events buffered; resubscribe and catch up$/);
    // Writers were never blocked, and the subscriber got a prefix of the stream before the close.
    expect(sub.messages.length).toBeGreaterThan(0);
    expect(sub.messages.length).toBeLessThan(4000);
  }, 120_000);

  it('reports a revoked lease as lease/revoke with the issuing path, only to tokens that may read it', async () => {
    expect((await api('POST', 'sys/mounts/pki', server.rootToken, { type: 'pki' })).status).toBe(204);
    expect((await api('POST', 'pki/root/generate/internal', server.rootToken, { common_name: 'Events CA', key_type: 'ec' })).status).toBe(200);
    expect((await api('POST', 'pki/roles/web', server.rootToken, { allowed_domains: 'example.com', allow_subdomains: true, generate_lease: true, key_type: 'ec', max_ttl: '1h' })).status).toBe(200);
    const outsider = await tokenWithPolicy('lease-outsider', 'path "sys/events/subscribe/*" { capabilities = ["read"] }\npath "secret/*" { capabilities = ["read"] }');
    const root = await subscribe('lease/*', server.rootToken);
    const other = await subscribe('lease/*', outsider);
    const issued = await api('POST', 'pki/issue/web', server.rootToken, { common_name: 'a.example.com' });
    const leaseId = issued.json.lease_id as string;
    expect(leaseId).toMatch(/^pki\/issue\/web\//);
    expect((await api('PUT', 'sys/leases/revoke', server.rootToken, { lease_id: leaseId })).status).toBe(204);
    const [event] = await root.take(1);
    expect(event?.data.event_type).toBe('lease/revoke');
    expect(event?.data.event.metadata).toMatchObject({ lease_id: leaseId, path: 'pki/issue/web', data_path: 'pki/issue/web', operation: 'revoke' });
    expect(event?.data.plugin_info).toMatchObject({ mount_path: 'pki/', plugin: 'pki' });
    // A token without read on pki/issue/web never hears of it.
    await new Promise((r) => setTimeout(r, 200));
    expect(other.messages).toEqual([]);
    root.ws.close();
    other.ws.close();
  });
});
