/**
 * The SecretStore and ClusterSecretStore controllers: an informer per kind feeding a queue.
 * Only spec/metadata changes wake a store (our own status writes do not, so no loop); the
 * periodic re-validation comes from `requeueAfterMs`.
 */
import { isDeepStrictEqual } from 'node:util';
import { clusterSecretStoresResource, secretStoresResource, type GenericStore } from '../../apis/external-secrets/index.js';
import type { Provider } from '../../providers/index.js';
import { objectKey, type KubeObject, type OperatorContext, type OperatorController, type WorkQueue } from '../../runtime/types.js';
import { createStoreMetrics } from './metrics.js';
import { createStoreReconciler } from './reconcile.js';

export interface SecretStoreControllerOptions {
  kind: 'SecretStore' | 'ClusterSecretStore';
  providers: Readonly<Record<string, Provider>>;
  controllerClass?: string;
  now?: () => number;
}

function changed(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (old === undefined) return true;
  return obj.metadata.generation !== old.metadata.generation || !isDeepStrictEqual(obj['spec'], old['spec']) || !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {});
}

export function createSecretStoreController(options: SecretStoreControllerOptions): OperatorController {
  const name = options.kind === 'SecretStore' ? 'secretstore' : 'clustersecretstore';
  let queue: WorkQueue | undefined;
  let workers: Promise<void> | undefined;
  return {
    name,
    async start(ctx: OperatorContext) {
      const logger = ctx.logger.child({ controller: name });
      const res = options.kind === 'SecretStore' ? secretStoresResource : clusterSecretStoresResource;
      const q = ctx.newQueue(name);
      queue = q;
      const informer = ctx.informer<GenericStore>(res, options.kind === 'SecretStore' && ctx.namespace !== undefined ? { namespace: ctx.namespace } : {});
      informer.on('add', (obj) => q.add(objectKey(obj)));
      informer.on('update', (obj, old) => {
        if (changed(obj, old)) q.add(objectKey(obj));
      });
      await informer.start();
      const reconciler = createStoreReconciler({
        kind: options.kind,
        client: ctx.client,
        providers: options.providers,
        events: ctx.events,
        logger,
        metrics: createStoreMetrics(ctx.metrics, options.kind),
        ...(options.controllerClass !== undefined ? { controllerClass: options.controllerClass } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
      workers = ctx.runWorkers(name, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, `${name} workers stopped`));
    },
    async stop() {
      queue?.shutDown();
      await workers?.catch(() => undefined);
      queue = undefined;
      workers = undefined;
    },
  };
}
