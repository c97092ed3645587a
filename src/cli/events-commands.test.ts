/** `coffer events subscribe` against an in-process dev server. */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessDev, type InProcessServer } from '../../test/support/servers.js';
import { runCli } from './cli.js';
import type { CliIo } from './context.js';

let server: InProcessServer;
beforeAll(async () => {
  server = await startInProcessDev();
});
afterAll(async () => {
  await server.close();
});

function io(token: string): { io: CliIo; out: () => string; err: () => string; signals: EventEmitter } {
  let out = '';
  let err = '';
  const stdout = Object.assign(new PassThrough(), { isTTY: false });
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => (out += String(c)));
  stderr.on('data', (c: Buffer) => (err += String(c)));
  const signals = new EventEmitter();
  return {
    io: {
      stdout,
      stderr,
      stdin: Object.assign(new PassThrough(), { isTTY: false }),
      env: { VAULT_ADDR: server.address, VAULT_TOKEN: token, HOME: '/nonexistent' },
      signals: signals as unknown as CliIo['signals'],
      loadServer: () => Promise.reject(new Error('not used')),
    },
    out: () => out,
    err: () => err,
    signals,
  };
}

async function write(path: string): Promise<void> {
  const res = await fetch(`${server.address}/v1/secret/data/${path}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': server.rootToken },
    body: JSON.stringify({ data: { v: 's3cret' } }),
  });
  expect(res.status).toBe(200);
}

describe('coffer events subscribe', () => {
  it('prints one CloudEvents JSON line per matching event until interrupted', async () => {
    const run = io(server.rootToken);
    const done = runCli(['events', 'subscribe', '-format=json', `-filter=data_path matches "cli/wanted"`, 'kv-v2/data-*'], run.io);
    // The subscription opens asynchronously: write until an event shows up.
    for (let i = 0; !run.out().includes('cli/wanted'); i++) {
      await write(`cli/other-${i}`);
      await write(`cli/wanted-${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    run.signals.emit('SIGINT');
    expect(await done).toBe(0);
    const lines = run.out().trim().split('\n');
    for (const line of lines) {
      const event = JSON.parse(line) as { data: { event_type: string; event: { metadata: { path: string } } } };
      expect(event.data.event_type).toBe('kv-v2/data-write');
      expect(event.data.event.metadata.path).toMatch(/^secret\/data\/cli\/wanted-\d+$/);
    }
    expect(run.out()).not.toContain('s3cret');
  });

  it('reports a refused subscription with the server’s error', async () => {
    const run = io('hvs.bogus');
    expect(await runCli(['events', 'subscribe', 'kv-v2/*'], run.io)).toBe(2);
    expect(run.err()).toContain('Error subscribing to events');
    expect(run.err()).toContain('Code: 403');
  });

  it('needs exactly one event type', async () => {
    const run = io(server.rootToken);
    expect(await runCli(['events', 'subscribe'], run.io)).toBe(1);
    expect(run.err()).toContain('Not enough arguments (expected 1, got 0)');
  });
});
