/**
 * The SealedSecret controller end to end: time from creating 1,000 SealedSecrets on the
 * in-process Kubernetes API test server until every one is Synced=True with its Secret
 * written (informer → queue → unseal with the controller's RSA-4096 key → Secret create →
 * status), against a ceiling of the same work without the controller: `unsealSealedSecret`
 * 1,000 times in process plus creating the 1,000 Secrets directly on the same server.
 */
import { randomBytes } from 'node:crypto';
import { sealSecret, unsealSealedSecret, type SealedSecret, type Secret } from '../src/gitops/sealed/index.js';
import { createSealedSecretsController } from '../src/operator/controllers/sealedsecret/index.js';
import { startKubeTestServer, type KubeObject, type KubeTestServer } from '../test/support/kube/index.js';
import { SEALED_SECRETS_TYPE, createTestOperatorContext } from '../test/integration/sealedsecret-controller-context.js';
import { fmtInt, formatTable } from './harness.js';

export interface SealedControllerBenchOptions {
  /** SealedSecrets to unseal. */
  count: number;
  /** The controller key size (default 4096, as upstream). */
  keySize: number;
  valuesPerSecret: number;
  valueBytes: number;
  /** Reconcile workers (`--concurrent`). */
  concurrency: number;
  /** Concurrent API requests when creating objects. */
  inFlight: number;
  /** Give up waiting for Synced=True after this long. */
  timeoutSec: number;
  log?: (line: string) => void;
}

export const SEALED_CONTROLLER_DEFAULTS: Omit<SealedControllerBenchOptions, 'log'> = {
  count: 1000,
  keySize: 4096,
  valuesPerSecret: 3,
  valueBytes: 32,
  concurrency: 4,
  inFlight: 32,
  timeoutSec: 600,
};

async function pool<T>(items: readonly T[], inFlight: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, worker));
}

function countSynced(kube: KubeTestServer, namespace: string): number {
  let n = 0;
  for (const obj of kube.store.list(SEALED_SECRETS_TYPE, namespace).items) {
    const ss = obj as unknown as SealedSecret;
    if (ss.status?.observedGeneration === ss.metadata.generation && ss.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True')) n++;
  }
  return n;
}

export async function runSealedControllerBench(options: SealedControllerBenchOptions): Promise<{ table: string; failures: string[] }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const failures: string[] = [];
  const kube = await startKubeTestServer();
  kube.store.register(SEALED_SECRETS_TYPE);
  kube.createNamespace('bench');
  kube.createNamespace('ceiling');
  const ctx = createTestOperatorContext(kube, { concurrency: options.concurrency });
  log(`sealed-controller: starting the controller (RSA-${options.keySize} key)…`);
  const controller = createSealedSecretsController({ keyNamespace: 'kube-system', keySize: options.keySize, listenAddr: '127.0.0.1:0' });
  try {
    await controller.start(ctx);
    const key = controller.keys.latest();
    if (key === undefined) throw new Error('the controller has no key');

    log(`sealed-controller: sealing ${options.count} SealedSecrets…`);
    const plain = new Map<string, Record<string, string>>();
    const sealed: SealedSecret[] = [];
    for (let i = 0; i < options.count; i++) {
      const name = `ss-${String(i).padStart(5, '0')}`;
      const data: Record<string, string> = {};
      for (let v = 0; v < options.valuesPerSecret; v++) data[`key-${v}`] = randomBytes(options.valueBytes).toString('base64');
      plain.set(name, data);
      sealed.push(sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'bench' }, data } satisfies Secret, key.publicKey));
    }

    log('sealed-controller: controller run…');
    const started = performance.now();
    await pool(sealed, options.inFlight, async (ss) => {
      await kube.client.create({ group: 'bitnami.com', version: 'v1alpha1', resource: 'sealedsecrets' }, ss as unknown as KubeObject, { namespace: 'bench' });
    });
    const deadline = started + options.timeoutSec * 1000;
    let synced = 0;
    while ((synced = countSynced(kube, 'bench')) < options.count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const oursMs = performance.now() - started;
    if (synced < options.count) failures.push(`only ${synced} of ${options.count} SealedSecrets reached Synced=True within ${options.timeoutSec}s`);
    // Correctness: every Secret holds exactly what was sealed.
    let wrong = 0;
    for (const [name, data] of plain) {
      const secret = kube.store.tryGet(kube.store.type('secrets'), 'bench', name) as Secret | undefined;
      if (secret === undefined || JSON.stringify(secret.data) !== JSON.stringify(data)) wrong++;
    }
    if (wrong > 0) failures.push(`${wrong} unsealed Secrets missing or with the wrong data`);
    if (ctx.errors.length > 0) failures.push(`${ctx.errors.length} reconciles failed (first: ${ctx.errors[0]?.message ?? ''})`);
    const reconciles = [...ctx.reconciles.values()].reduce((a, b) => a + b, 0);

    log('sealed-controller: ceiling run…');
    const ceilingStarted = performance.now();
    const opened = sealed.map((ss) => unsealSealedSecret(ss, [key.privateKey]));
    const unsealMs = performance.now() - ceilingStarted;
    await pool(opened, options.inFlight, async (secret) => {
      const { ownerReferences: _owners, ...metadata } = secret.metadata;
      await kube.client.create('secrets', { ...secret, metadata: { ...metadata, namespace: 'ceiling' } } as unknown as KubeObject, { namespace: 'ceiling' });
    });
    const ceilingMs = performance.now() - ceilingStarted;

    const rate = (ms: number): string => fmtInt(options.count / (ms / 1000));
    const table = formatTable(
      [`${fmtInt(options.count)} SealedSecrets (RSA-${options.keySize}, ${options.valuesPerSecret}×${options.valueBytes} B values, ${options.concurrency} workers)`, 'time (s)', 'per second', 'vs ceiling'],
      [
        ['controller: create → all Synced=True', (oursMs / 1000).toFixed(2), rate(oursMs), `${((ceilingMs / oursMs) * 100).toFixed(0)}%`],
        ['ceiling: unseal in process + create Secrets', (ceilingMs / 1000).toFixed(2), rate(ceilingMs), '100%'],
        ['  of which unseal alone', (unsealMs / 1000).toFixed(2), rate(unsealMs), ''],
      ],
      [false, true, true, true],
    );
    return { table: `${table}\n(${fmtInt(reconciles)} reconciles for ${fmtInt(options.count)} SealedSecrets)`, failures };
  } finally {
    await controller.stop();
    ctx.close();
    await kube.close();
  }
}
