/**
 * Issue 8's flow end to end with the built CLI: `coffer operator run -sealed-secrets` (a child
 * process) against the in-process Kubernetes API test server; `coffer seal --cert <the
 * controller's /v1/cert.pem URL>` seals a Secret manifest; the SealedSecret is applied; the
 * controller creates the Secret and reports Synced=True. Then SIGTERM shuts it down cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { secretsType, start, type KubeTestServer } from '../support/kube/index.js';
import { writeKubeconfig } from '../support/kube/kubeconfig-file.js';
import { registerOperatorResources } from '../support/kube/operator-resources.js';
import { freePort } from '../support/ports.js';
import { CLI_PATH, childEnv, requireBuiltCli } from '../support/servers.js';
import { SEALED_SECRETS_TYPE } from './sealedsecret-controller-context.js';

let kube: KubeTestServer;
let dir: string;
let operator: ChildProcess;
let output = '';
let apiPort: number;
let env: NodeJS.ProcessEnv;

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null && value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; operator output:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runCli(args: string[], stdin: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'coffer-operator-e2e-'));
  kube = await start();
  registerOperatorResources(kube);
  kube.store.register(SEALED_SECRETS_TYPE);
  kube.createNamespace('team-a');
  const kubeconfig = writeKubeconfig(dir, kube);
  env = childEnv(dir, { KUBECONFIG: kubeconfig });
  apiPort = await freePort();
  const [metricsPort, livePort] = [await freePort(), await freePort()];
  operator = spawn(
    process.execPath,
    [
      CLI_PATH,
      'operator',
      'run',
      '-sealed-secrets',
      `-sealed-secrets-listen-addr=127.0.0.1:${apiPort}`,
      `-metrics-addr=127.0.0.1:${metricsPort}`,
      `-live-addr=127.0.0.1:${livePort}`,
      '-loglevel=warn',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  operator.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  operator.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await until('the controller to serve its certificate', async () => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/v1/cert.pem`);
    return res.status === 200 ? true : null;
  });
}, 60_000);

afterAll(async () => {
  if (operator && operator.exitCode === null) operator.kill('SIGKILL');
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('coffer operator run -sealed-secrets', () => {
  it('unseals what coffer seal sealed with its certificate, then shuts down on SIGTERM', async () => {
    const secret = stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'team-a', labels: { app: 'billing' } },
      type: 'Opaque',
      stringData: { password: 'pa55word', user: 'billing' },
    });
    const sealed = await runCli(['seal', '--cert', `http://127.0.0.1:${apiPort}/v1/cert.pem`, '--format', 'yaml'], secret);
    expect(sealed.code, sealed.err).toBe(0);
    expect(sealed.out).not.toContain('pa55word');
    const manifest = parse(sealed.out) as { metadata: { name: string; namespace: string } };
    expect(manifest.metadata).toMatchObject({ name: 'db', namespace: 'team-a' });

    // The key the controller made lives in its namespace, labelled as Bitnami's.
    const keys = kube.store.list(secretsType, 'kube-system', { labelSelector: 'sealedsecrets.bitnami.com/sealed-secrets-key' });
    expect(keys.items.length).toBe(1);

    kube.store.create(SEALED_SECRETS_TYPE, 'team-a', manifest as never);
    const created = (await until('the unsealed Secret', async () => kube.store.get(secretsType, 'team-a', 'db'))) as unknown as {
      data: Record<string, string>;
      metadata: { labels: Record<string, string> };
    };
    expect(Buffer.from(created.data['password'] ?? '', 'base64').toString()).toBe('pa55word');
    expect(created.metadata.labels).toMatchObject({ app: 'billing' });
    const status = await until('Synced=True', async () => {
      const ss = kube.store.get(SEALED_SECRETS_TYPE, 'team-a', 'db') as unknown as { status?: { conditions?: { type: string; status: string }[] } };
      return ss.status?.conditions?.find((c) => c.type === 'Synced' && c.status === 'True');
    });
    expect(status.status).toBe('True');
    expect(output).not.toContain('pa55word');

    operator.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => operator.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  });
});
