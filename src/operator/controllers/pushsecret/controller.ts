/**
 * The PushSecret controller: informers on PushSecrets, Secrets and stores feeding one queue.
 * What wakes a PushSecret: its spec, labels or annotations changed, it is being deleted, a
 * Secret it selects (by name, or by label selector before or after the change) was added,
 * changed or deleted, or a store it references turned Ready. Our own status writes do not (no
 * loop); periodic pushes come from `requeueAfterMs`. Source Secrets are read from the informer
 * cache, so an unchanged PushSecret costs no API request.
 */
import { isDeepStrictEqual } from 'node:util';
import { matchesLabelSelector, pushSecretsResource, type GenericStore, type PushSecret } from '../../apis/external-secrets/index.js';
import type { Provider } from '../../providers/index.js';
import { objectKey, type OperatorContext, type OperatorController, type WorkQueue } from '../../runtime/types.js';
import { SECRETS_RESOURCE, type SecretObject } from '../externalsecret/reconcile.js';
import { watchStoresTurningReady } from '../secretstore/index.js';
import { createPushSecretReconciler } from './reconcile.js';

export const PUSH_SECRETS_CONTROLLER_NAME = 'push-secrets';

export interface PushSecretControllerOptions {
  providers: Readonly<Record<string, Provider>>;
  /** `--controller-class` (default `default`). */
  controllerClass?: string;
  now?: () => number;
}

function psChanged(obj: PushSecret, old: PushSecret | undefined): boolean {
  if (old === undefined) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
    !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) ||
    !isDeepStrictEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {}) ||
    !isDeepStrictEqual(obj.spec, old.spec)
  );
}

/** Whether `ps` reads `secret` (by name, or through its label selector). */
export function selectsSecret(ps: PushSecret, secret: SecretObject): boolean {
  if (ps.metadata.namespace !== secret.metadata.namespace) return false;
  const sel = ps.spec?.selector?.secret;
  if (sel === undefined || sel === null) return false;
  if (sel.name !== undefined && sel.name !== '') return sel.name === secret.metadata.name;
  return sel.selector !== undefined && sel.selector !== null && matchesLabelSelector(sel.selector, secret.metadata.labels);
}

function referencesStore(ps: PushSecret, kind: 'SecretStore' | 'ClusterSecretStore', store: GenericStore): boolean {
  if (kind === 'SecretStore' && store.metadata.namespace !== ps.metadata.namespace) return false;
  return (ps.spec?.secretStoreRefs ?? []).some((ref) => {
    if ((ref.kind ?? 'SecretStore') !== kind) return false;
    if (ref.labelSelector !== undefined && ref.labelSelector !== null) return matchesLabelSelector(ref.labelSelector, store.metadata.labels);
    return ref.name === store.metadata.name;
  });
}

export function createPushSecretController(options: PushSecretControllerOptions): OperatorController {
  let queue: WorkQueue | undefined;
  let workers: Promise<void> | undefined;
  return {
    name: PUSH_SECRETS_CONTROLLER_NAME,
    async start(ctx: OperatorContext) {
      const logger = ctx.logger.child({ controller: PUSH_SECRETS_CONTROLLER_NAME });
      const q = ctx.newQueue(PUSH_SECRETS_CONTROLLER_NAME);
      queue = q;
      const ns = ctx.namespace !== undefined ? { namespace: ctx.namespace } : {};
      const psInformer = ctx.informer<PushSecret>(pushSecretsResource, ns);
      // Watching every Secret costs memory proportional to the cluster's Secrets, so the cache
      // starts with the first PushSecret: clusters that never push pay nothing for it.
      const secrets = ctx.informer<SecretObject>(SECRETS_RESOURCE, ns);
      let secretsSynced: Promise<void> | undefined;
      const secretsReady = (): Promise<void> => (secretsSynced ??= secrets.start());
      psInformer.on('add', (obj) => {
        secretsReady().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'cannot watch Secrets for PushSecrets'));
        q.add(objectKey(obj));
      });
      psInformer.on('update', (obj, old) => {
        if (psChanged(obj, old)) q.add(objectKey(obj));
      });

      // A change of a source Secret is pushed at once, not at the next refreshInterval.
      const onSecret = (secret: SecretObject, old?: SecretObject): void => {
        if (old !== undefined && isDeepStrictEqual(secret.data ?? {}, old.data ?? {}) && isDeepStrictEqual(secret.metadata.labels ?? {}, old.metadata.labels ?? {})) return;
        for (const ps of psInformer.list(secret.metadata.namespace)) {
          if (selectsSecret(ps, secret) || (old !== undefined && selectsSecret(ps, old))) q.add(objectKey(ps));
        }
      };
      secrets.on('add', (s) => onSecret(s));
      secrets.on('update', onSecret);
      secrets.on('delete', (s) => onSecret(s));

      // A store turning Ready releases the PushSecrets its flood gate held back.
      const { clusterStores, stores } = watchStoresTurningReady(ctx, (kind, store) => {
        for (const ps of psInformer.list(kind === 'SecretStore' ? store.metadata.namespace : undefined)) {
          if (referencesStore(ps, kind, store)) q.add(objectKey(ps));
        }
      });

      await Promise.all([psInformer.start(), stores.start(), clusterStores.start()]);
      if (psInformer.list().length > 0) await secretsReady();
      const reconciler = createPushSecretReconciler({
        client: ctx.client,
        providers: options.providers,
        events: ctx.events,
        logger,
        secrets: {
          get: async (namespace, name) => {
            await secretsReady();
            return secrets.get(namespace, name) ?? null;
          },
          list: async (namespace) => {
            await secretsReady();
            return secrets.list(namespace);
          },
        },
        ...(options.controllerClass !== undefined ? { controllerClass: options.controllerClass } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
      workers = ctx.runWorkers(PUSH_SECRETS_CONTROLLER_NAME, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'push-secrets workers stopped'));
    },
    async stop() {
      queue?.shutDown();
      await workers?.catch(() => undefined);
      queue = undefined;
      workers = undefined;
    },
  };
}
