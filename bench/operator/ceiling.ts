/**
 * The cold-sync ceiling, as a child process (so it does not share the event loop with the
 * in-process Kubernetes API it talks to, exactly like the operator): per object the minimum
 * work an ExternalSecret sync needs — one KV v2 read against the same Coffer server, one Secret
 * create and one status write — with the operator's own Kubernetes client and Vault HTTP code,
 * loaded from dist/ (what `coffer operator run` runs), at the operator's concurrency.
 *
 *   node --import ./bench/register.mjs bench/operator/ceiling.ts <plan.json>
 *
 * Prints one JSON line: `{"elapsedMs": …, "errors": …, "firstError": …}`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as KubeClientModule from '../../src/operator/runtime/kube-client.js';
import type * as KubeConfigModule from '../../src/operator/runtime/kubeconfig.js';
import type * as VaultHttpModule from '../../src/operator/providers/vault/http.js';
import { REPO_DIR } from '../harness.js';

export interface CeilingItem {
  namespace: string;
  /** The ExternalSecret whose status is written. */
  name: string;
  /** KV v2 path under `secret/` (e.g. `bench/shared/k12`). */
  key: string;
}

export interface CeilingPlan {
  kubeconfig: string;
  vaultAddress: string;
  vaultToken: string;
  concurrency: number;
  items: CeilingItem[];
}

async function load<T>(relativePath: string): Promise<T> {
  return (await import(pathToFileURL(join(REPO_DIR, 'dist', relativePath)).href)) as T;
}

async function main(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as CeilingPlan;
  const { createKubeClient } = await load<typeof KubeClientModule>('operator/runtime/kube-client.js');
  const { loadKubeConfig } = await load<typeof KubeConfigModule>('operator/runtime/kubeconfig.js');
  const { createVaultHttp } = await load<typeof VaultHttpModule>('operator/providers/vault/http.js');
  const kube = createKubeClient(loadKubeConfig({ path: plan.kubeconfig }).kc);
  const vault = createVaultHttp({ server: plan.vaultAddress });
  const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
  const externalSecrets = { group: 'external-secrets.io', version: 'v1', plural: 'externalsecrets', kind: 'ExternalSecret', namespaced: true };

  let errors = 0;
  let firstError = '';
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < plan.items.length) {
      const item = plan.items[next++] as CeilingItem;
      try {
        const res = await vault.request('GET', `secret/data/${item.key}`, { token: plan.vaultToken });
        const value = ((res.body?.['data'] as { data?: Record<string, unknown> } | undefined)?.data?.['value'] ?? '') as string;
        if (res.status !== 200) throw new Error(`KV read ${item.key}: HTTP ${res.status}`);
        await kube.create(secrets, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: item.name, namespace: item.namespace, labels: { 'reconcile.external-secrets.io/managed': 'true' } },
          type: 'Opaque',
          data: { value: Buffer.from(value).toString('base64') },
        });
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        await kube.replaceStatus(externalSecrets, {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: { name: item.name, namespace: item.namespace },
          status: {
            refreshTime: now,
            conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: now }],
            binding: { name: item.name },
          },
        });
      } catch (err) {
        errors++;
        if (firstError === '') firstError = err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, worker));
  const elapsedMs = performance.now() - started;
  kube.close();
  vault.close();
  process.stdout.write(`${JSON.stringify({ elapsedMs, errors, firstError })}\n`);
}

const planFile = process.argv[2];
if (planFile === undefined) {
  process.stderr.write('usage: ceiling.ts <plan.json>\n');
  process.exitCode = 2;
} else {
  main(planFile).catch((err: unknown) => {
    process.stderr.write(`ceiling failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
