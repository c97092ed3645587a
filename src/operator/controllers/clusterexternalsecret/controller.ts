/**
 * The ClusterExternalSecret controller: informers on ClusterExternalSecrets, Namespaces and
 * ExternalSecrets feeding one queue. What wakes a CES: its spec, annotations (force-sync) or
 * deletion; a Namespace added, deleted or relabelled so that the CES selects it now or did
 * before (so a removed label deletes the ExternalSecret at once, not at `refreshTime`); an
 * ExternalSecret it controls being changed or deleted by someone else. Its own status writes
 * and the ExternalSecret controller's status writes do not (no loop).
 */
import { isDeepStrictEqual } from 'node:util';
import {
  cesSelectsNamespace,
  clusterExternalSecretsResource,
  externalSecretsResource,
  type ClusterExternalSecret,
  type ExternalSecret,
} from '../../apis/external-secrets/index.js';
import type { KubeObject, OperatorContext, OperatorController, WorkQueue } from '../../runtime/types.js';
import { NAMESPACES_RESOURCE, createClusterExternalSecretReconciler } from './reconcile.js';

export const CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME = 'cluster-external-secrets';

// Options kept as an object so the lead can add flags without breaking callers.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClusterExternalSecretControllerOptions {}

function cesChanged(obj: ClusterExternalSecret, old: ClusterExternalSecret | undefined): boolean {
  if (old === undefined) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
    !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) ||
    !isDeepStrictEqual(obj.spec, old.spec)
  );
}

function esChanged(obj: ExternalSecret, old: ExternalSecret | undefined): boolean {
  if (old === undefined) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
    !isDeepStrictEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {}) ||
    !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) ||
    !isDeepStrictEqual(obj.metadata.ownerReferences ?? [], old.metadata.ownerReferences ?? [])
  );
}

export function createClusterExternalSecretController(_options: ClusterExternalSecretControllerOptions = {}): OperatorController {
  let queue: WorkQueue | undefined;
  let workers: Promise<void> | undefined;
  return {
    name: CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME,
    async start(ctx: OperatorContext) {
      const logger = ctx.logger.child({ controller: CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME });
      const q = ctx.newQueue(CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME);
      queue = q;
      const cesInformer = ctx.informer<ClusterExternalSecret>(clusterExternalSecretsResource);
      cesInformer.on('add', (obj) => q.add(obj.metadata.name));
      cesInformer.on('update', (obj, old) => {
        if (cesChanged(obj, old)) q.add(obj.metadata.name);
      });

      const namespaces = ctx.informer<KubeObject>(NAMESPACES_RESOURCE);
      const wakeSelecting = (ns: KubeObject, old?: KubeObject): void => {
        for (const ces of cesInformer.list()) {
          const now = cesSelectsNamespace(ces, ns.metadata.name, ns.metadata.labels);
          const before = old !== undefined && cesSelectsNamespace(ces, old.metadata.name, old.metadata.labels);
          const provisioned = (ces.status?.provisionedNamespaces ?? []).includes(ns.metadata.name);
          if (now || before || provisioned) q.add(ces.metadata.name);
        }
      };
      namespaces.on('add', (ns) => wakeSelecting(ns));
      namespaces.on('update', (ns, old) => {
        if (old !== undefined && isDeepStrictEqual(ns.metadata.labels ?? {}, old.metadata.labels ?? {}) && ns.metadata.deletionTimestamp === old.metadata.deletionTimestamp) return;
        wakeSelecting(ns, old);
      });
      namespaces.on('delete', (ns) => wakeSelecting(ns));

      // Owns(ExternalSecret): an edited or deleted child is put back.
      const esInformer = ctx.informer<ExternalSecret>(externalSecretsResource, ctx.namespace !== undefined ? { namespace: ctx.namespace } : {});
      const wakeOwner = (es: ExternalSecret): void => {
        const owner = (es.metadata.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'ClusterExternalSecret');
        if (owner !== undefined) q.add(owner.name);
      };
      esInformer.on('update', (es, old) => {
        if (esChanged(es, old)) wakeOwner(es);
      });
      esInformer.on('delete', (es) => wakeOwner(es));

      await Promise.all([cesInformer.start(), namespaces.start(), esInformer.start()]);
      const reconciler = createClusterExternalSecretReconciler({
        client: ctx.client,
        events: ctx.events,
        logger,
        listNamespaces: () => namespaces.list(),
        ...(ctx.namespace !== undefined ? { watchNamespace: ctx.namespace } : {}),
      });
      workers = ctx.runWorkers(CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'cluster-external-secrets workers stopped'));
    },
    async stop() {
      queue?.shutDown();
      await workers?.catch(() => undefined);
      queue = undefined;
      workers = undefined;
    },
  };
}
