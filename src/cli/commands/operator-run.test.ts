import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import type { CliIo } from '../context.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = Object.assign(new PassThrough(), { isTTY: false });
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdin.end('');
  const home = mkdtempSync(join(tmpdir(), 'coffer-operator-run-'));
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: { HOME: home, ...env },
    signals: { on: () => undefined, off: () => undefined },
    loadServer: () => Promise.reject(new Error('no server in this test')),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('coffer operator run', () => {
  it('is listed under `coffer operator` next to the Vault operator verbs', async () => {
    const { out, err } = await run(['operator']);
    const text = out + err;
    expect(text).toMatch(/^\s+run\s+Run the Kubernetes operator/m);
    expect(text).toMatch(/^\s+unseal\s/m);
  });

  it('documents ESO’s flags and defaults in its help', async () => {
    const { out, err } = await run(['operator', 'run', '-help']);
    const text = out + err;
    for (const flag of ['-kubeconfig', '-namespace', '-concurrent', '-metrics-addr', '-live-addr', '-enable-leader-election', '-leader-election-id', '-controller-class', '-loglevel', '-sealed-secrets']) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('The default is :8080.');
    expect(text).toContain('The default is :8082.');
  });

  it.each([
    [['-sealed-secrets', '-concurrent=0'], /-concurrent: must be at least 1/],
    [['-sealed-secrets', '-metrics-addr=localhost'], /-metrics-addr: expected host:port/],
    [['-sealed-secrets', '-live-addr=:99999'], /-live-addr: expected host:port/],
    [['-sealed-secrets', '-loglevel=loud'], /-loglevel: expected one of/],
    [['-sealed-secrets', '-leader-election-id='], /-leader-election-id must not be empty/],
    [[], /no controller enabled/],
  ])('refuses %j with exit 1', async (args, message) => {
    const { code, err } = await run(['operator', 'run', ...args]);
    expect(code).toBe(1);
    expect(err).toMatch(message);
  });

  it('says where it looked when no Kubernetes configuration is found', async () => {
    const { code, err } = await run(['operator', 'run', '-sealed-secrets'], { KUBECONFIG: '' });
    expect(code).toBe(1);
    expect(err).toMatch(/no Kubernetes configuration found/);
  });

  it('reports an unreadable kubeconfig without starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-kubeconfig-'));
    const path = join(dir, 'config');
    writeFileSync(path, 'not: [valid');
    const { code, err } = await run(['operator', 'run', '-sealed-secrets', `-kubeconfig=${path}`]);
    expect(code).toBe(1);
    expect(err).toMatch(/error loading kubeconfig/);
  });
});
