/**
 * The ExternalSecret controller: informers on ExternalSecrets, managed Secrets (label
 * `reconcile.external-secrets.io/managed=true`) and stores, feeding one queue. What wakes an
 * ExternalSecret up: its spec, labels or annotations changed (`force-sync`), it is being
 * deleted, its target Secret changed or vanished (tamper repair), or its store turned Ready.
 * Our own status writes do not (no loop); periodic refreshes come from `requeueAfterMs`.
 */
import { isDeepStrictEqual } from 'node:util';
import { LABEL_MANAGED, LABEL_MANAGED_VALUE, externalSecretsResource, type ExternalSecret } from '../../apis/external-secrets/index.js';
import type { GeneratorRegistry } from '../../generators/index.js';
import type { Provider } from '../../providers/index.js';
import { objectKey, type KubeObject, type OperatorContext, type OperatorController, type WorkQueue } from '../../runtime/types.js';
import { watchStoresTurningReady } from '../secretstore/index.js';
import { createExternalSecretMetrics } from './metrics.js';
import { EventRefresh } from './event-refresh.js';
import { SECRETS_RESOURCE, createExternalSecretReconciler } from './reconcile.js';

export const EXTERNAL_SECRETS_CONTROLLER_NAME = 'external-secrets';

export interface ExternalSecretControllerOptions {
  providers: Readonly<Record<string, Provider>>;
  controllerClass?: string;
  now?: () => number;
  /** Generators for `dataFrom[].sourceRef.generatorRef` (absent: refused). */
  generators?: GeneratorRegistry;
}

function esChanged(obj: ExternalSecret, old: ExternalSecret | undefined): boolean {
  if (old === undefined) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
    !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) ||
    !isDeepStrictEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {}) ||
    !isDeepStrictEqual(obj.spec, old.spec)
  );
}

export function createExternalSecretController(options: ExternalSecretControllerOptions): OperatorController {
  let queue: WorkQueue | undefined;
  let workers: Promise<void> | undefined;
  let refresh: EventRefresh | undefined;
  return {
    name: EXTERNAL_SECRETS_CONTROLLER_NAME,
    async start(ctx: OperatorContext) {
      const logger = ctx.logger.child({ controller: EXTERNAL_SECRETS_CONTROLLER_NAME });
      const q = ctx.newQueue(EXTERNAL_SECRETS_CONTROLLER_NAME);
      queue = q;
      const ns = ctx.namespace !== undefined ? { namespace: ctx.namespace } : {};
      const esInformer = ctx.informer<ExternalSecret>(externalSecretsResource, ns);
      esInformer.on('add', (obj) => q.add(objectKey(obj)));
      esInformer.on('update', (obj, old) => {
        if (esChanged(obj, old)) q.add(objectKey(obj));
      });
      // A deleted ExternalSecret's generated credentials are revoked by its (last) reconcile.
      if (options.generators !== undefined) esInformer.on('delete', (obj) => q.add(objectKey(obj)));

      // A change to a managed Secret wakes the ExternalSecrets targeting it (tamper repair, recreate).
      const secrets = ctx.informer<KubeObject>(SECRETS_RESOURCE, { ...ns, labelSelector: `${LABEL_MANAGED}=${LABEL_MANAGED_VALUE}` });
      const onSecret = (secret: KubeObject): void => {
        for (const es of esInformer.list(secret.metadata.namespace)) {
          if ((es.spec.target?.name ?? es.metadata.name) === secret.metadata.name) q.add(objectKey(es));
        }
      };
      secrets.on('update', onSecret);
      secrets.on('delete', onSecret);

      // A store turning Ready releases the ExternalSecrets its flood gate held back.
      const { stores, clusterStores } = watchStoresTurningReady(ctx, (kind, store) => {
        for (const es of esInformer.list(kind === 'SecretStore' ? store.metadata.namespace : undefined)) {
          const ref = es.spec.secretStoreRef;
          if ((ref?.kind ?? 'SecretStore') === kind && ref?.name === store.metadata.name) q.add(objectKey(es));
        }
      });

      await Promise.all([esInformer.start(), secrets.start(), stores.start(), clusterStores.start()]);
      const eventRefresh = new EventRefresh({ requeue: (key) => q.add(key), logger });
      refresh = eventRefresh;
      const reconciler = createExternalSecretReconciler({
        refresh: eventRefresh,
        cache: {
          externalSecret: (namespace, name) => esInformer.get(namespace, name),
          store: (kind, namespace, name) => (kind === 'ClusterSecretStore' ? clusterStores.get(undefined, name) : stores.get(namespace, name)),
        },
        client: ctx.client,
        providers: options.providers,
        events: ctx.events,
        logger,
        metrics: createExternalSecretMetrics(ctx.metrics),
        ...(options.controllerClass !== undefined ? { controllerClass: options.controllerClass } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
        ...(options.generators !== undefined ? { generators: options.generators } : {}),
      });
      workers = ctx.runWorkers(EXTERNAL_SECRETS_CONTROLLER_NAME, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'external-secrets workers stopped'));
    },
    async stop() {
      refresh?.close();
      refresh = undefined;
      queue?.shutDown();
      await workers?.catch(() => undefined);
      queue = undefined;
      workers = undefined;
    },
  };
}
