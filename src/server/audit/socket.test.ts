import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { AuditError, createAuditBroker, type AuditBroker } from './broker.js';
import { parseDurationMs, parseSocketOptions } from './devices/socket.js';
import { MemoryStorage, auditLines } from './testing.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function broker(): AuditBroker {
  const b = createAuditBroker({ storage: new MemoryStorage(), logger: silentLogger(), queue: { timeoutMs: 2000 } });
  cleanups.push(() => b.close());
  return b;
}

/** A loopback TCP (or unix) server that collects what it receives. */
async function collector(listenOn: number | string = 0): Promise<{ server: Server; address: string; received: () => string; stop: () => Promise<void> }> {
  const chunks: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (d) => chunks.push(d.toString('utf8')));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => (typeof listenOn === 'string' ? server.listen(listenOn, resolve) : server.listen(listenOn, '127.0.0.1', resolve)));
  const addr = server.address();
  const address = typeof addr === 'string' ? addr : `127.0.0.1:${addr?.port ?? 0}`;
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, address, received: () => chunks.join(''), stop };
}

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const req = (id: string) => ({ request: { id, operation: 'read', path: 'secret/data/x', clientToken: 'hvs.t' } });

describe('socket device', () => {
  it('writes JSON lines to a TCP server on loopback, in order', async () => {
    const srv = await collector();
    cleanups.push(srv.stop);
    const b = broker();
    await b.enable('socket', { type: 'socket', options: { address: srv.address, socket_type: 'tcp' } });
    await Promise.all(Array.from({ length: 100 }, (_, i) => b.logRequest(req(`t${i}`))));
    await eventually(() => auditLines(srv.received()).length === 100);
    const lines = auditLines(srv.received());
    expect(lines.map((l) => l['request']['id'])).toEqual(Array.from({ length: 100 }, (_, i) => `t${i}`));
    expect(lines[0]?.['request']['client_token']).toMatch(/^hmac-sha256:/);
  });

  it('refuses to enable when nothing listens (the probe entry cannot be written)', async () => {
    const srv = await collector();
    const { address } = srv;
    await srv.stop();
    const b = broker();
    await expect(b.enable('socket', { type: 'socket', options: { address, write_timeout: '500ms' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: expect.stringMatching(/^audit backend failed test message: .*ECONNREFUSED/),
    });
    expect(b.size).toBe(0);
  });

  it('fails closed while the server is down and reconnects when it is back', async () => {
    const srv = await collector();
    const port = Number(srv.address.split(':')[1]);
    const b = broker();
    await b.enable('socket', { type: 'socket', options: { address: srv.address, write_timeout: '1s' } });
    await b.logRequest(req('up'));
    await srv.stop();
    // The first write after a reset may still reach the kernel; soon every write fails.
    let failed = false;
    for (let i = 0; i < 5 && !failed; i++) {
      failed = await b.logRequest(req(`down-${i}`)).then(
        () => false,
        (e: unknown) => e instanceof AuditError,
      );
    }
    expect(failed).toBe(true);

    const back = await collector(port);
    cleanups.push(back.stop);
    await b.logRequest(req('back'));
    await eventually(() => auditLines(back.received()).some((l) => l['request']['id'] === 'back'));
  });

  it('writes to a unix socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-audit-sock-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const srv = await collector(join(dir, 'audit.sock'));
    cleanups.push(srv.stop);
    const b = broker();
    await b.enable('unix', { type: 'socket', options: { address: join(dir, 'audit.sock'), socket_type: 'unix' } });
    await b.logRequest(req('u1'));
    await eventually(() => auditLines(srv.received()).length === 1);
  });

  it('sends one datagram per entry over UDP', async () => {
    const server = createSocket('udp4');
    const datagrams: string[] = [];
    server.on('message', (m) => datagrams.push(m.toString('utf8')));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    cleanups.push(async () => void server.close());
    const b = broker();
    await b.enable('udp', { type: 'socket', options: { address: `127.0.0.1:${server.address().port}`, socket_type: 'udp' } });
    await b.logRequest(req('d1'));
    await b.logRequest(req('d2'));
    await eventually(() => datagrams.length === 3);
    expect(datagrams.every((d) => d.endsWith('\n') && d.indexOf('\n') === d.length - 1)).toBe(true);
    expect(auditLines(datagrams.join('')).map((l) => l['request']['id'])).toEqual(['d1', 'd2']);
  });

  it('validates its options', () => {
    expect(parseSocketOptions({ address: '127.0.0.1:9090' })).toEqual({ address: '127.0.0.1:9090', socketType: 'tcp', writeTimeoutMs: 2000 });
    expect(parseSocketOptions({ address: '[::1]:9090', socket_type: 'tcp6', write_timeout: '5' }).writeTimeoutMs).toBe(5000);
    expect(() => parseSocketOptions({})).toThrow('"address" is required');
    expect(() => parseSocketOptions({ address: ' ' })).toThrow('"address" cannot be empty');
    expect(() => parseSocketOptions({ address: 'nohost' })).toThrow(/expected host:port/);
    expect(() => parseSocketOptions({ address: 'h:1', socket_type: 'sctp' })).toThrow(/unsupported "socket_type"/);
    expect(() => parseSocketOptions({ address: 'h:1', write_timeout: 'soon' })).toThrow(/unable to parse max duration/);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('250ms')).toBe(250);
  });
});
