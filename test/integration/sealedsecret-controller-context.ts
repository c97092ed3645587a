/**
 * An `OperatorContext` for the SealedSecret controller's integration test and benchmark, built
 * from the real operator runtime (kube client, shared informers, rate-limited queues, workers)
 * over the in-process Kubernetes API test server — without leader election or probe servers —
 * plus what the tests read: events kept in memory, reconciles counted per key, errors seen.
 */
import { Registry } from 'prom-client';
import {
  InformerFactory,
  RuntimeMetrics,
  createKubeClient,
  createWorkQueue,
  kubeConfigFor,
  objectKey,
  runWorkers,
  type EventRecorder,
  type OperatorContext,
  type Reconciler,
} from '../../src/operator/runtime/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { KubeTestServer, ResourceType } from '../support/kube/index.js';

/** `bitnami.com/v1alpha1` SealedSecrets with a status subresource, as the CRD serves them. */
export const SEALED_SECRETS_TYPE: ResourceType = {
  group: 'bitnami.com',
  version: 'v1alpha1',
  resource: 'sealedsecrets',
  kind: 'SealedSecret',
  singularName: 'sealedsecret',
  namespaced: true,
  statusSubresource: true,
  returnDeletedObject: true,
};

export interface RecordedEvent {
  key: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface TestOperatorContext extends OperatorContext {
  readonly recorded: RecordedEvent[];
  /** Reconciles run per key (to show a failing object is not retried in a loop). */
  readonly reconciles: Map<string, number>;
  /** Errors thrown by reconciles. */
  readonly errors: { key: string; message: string }[];
  close(): void;
}

export function createTestOperatorContext(kube: KubeTestServer, options: { concurrency?: number; namespace?: string } = {}): TestOperatorContext {
  const logger = silentLogger();
  const client = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  const factory = new InformerFactory(client, { logger });
  const registry = new Registry();
  const metrics = new RuntimeMetrics(registry);
  const recorded: RecordedEvent[] = [];
  const reconciles = new Map<string, number>();
  const errors: { key: string; message: string }[] = [];
  const events: EventRecorder = {
    event: (obj, type, reason, message) => recorded.push({ key: objectKey(obj), type, reason, message }),
  };
  return {
    client,
    informer: (res, opts) => factory.informer(res, opts),
    newQueue: (name) => createWorkQueue({ metrics: metrics.queue(name) }),
    runWorkers(name, queue, reconciler, concurrency) {
      const counting: Reconciler = {
        async reconcile(key) {
          reconciles.set(key, (reconciles.get(key) ?? 0) + 1);
          try {
            return await reconciler.reconcile(key);
          } catch (err) {
            errors.push({ key, message: (err as Error).message });
            throw err;
          }
        },
      };
      return runWorkers(name, queue, counting, concurrency, { metrics, logger });
    },
    events,
    metrics: registry,
    logger,
    namespace: options.namespace,
    concurrency: options.concurrency ?? 4,
    recorded,
    reconciles,
    errors,
    close() {
      factory.stopAll();
      client.close();
    },
  };
}
