/**
 * `coffer operator --sealed-secrets`: the Bitnami-compatible SealedSecret controller. It owns
 * the key manager, the HTTP API, informers on SealedSecrets, Secrets and key Secrets, and a
 * work queue feeding the reconciler. What wakes a SealedSecret up:
 *
 * - it was created, its spec (generation) or its annotations changed — status-only updates
 *   (our own) do not, so writing status never loops;
 * - the Secret of the same name was deleted (recreate it), or a Secret it does not control
 *   appeared or changed (a `managed`/`patch` annotation added lets it take over);
 * - a new key arrived (renewal, or keys copied in): the ones not Synced are retried.
 */
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_KEY_PREFIX, SEALED_SECRETS_KEY_LABEL, type KeyRegistry, type SealedSecret, type SealingKey, type Secret } from '../../../gitops/sealed/index.js';
import { objectKey, type KubeObject, type OperatorContext, type OperatorController, type WorkQueue } from '../../runtime/types.js';
import { DEFAULT_LISTEN_ADDR, startSealedHttpServer, type SealedHttpServer } from './http.js';
import { KeyManager } from './key-manager.js';
import { createSealedSecretsMetrics } from './metrics.js';
import { SEALED_SECRETS_RESOURCE, SECRETS_RESOURCE, SYNCED, createSealedSecretReconciler, isControlledBy } from './reconcile.js';

export const SEALED_SECRETS_CONTROLLER_NAME = 'sealed-secrets';

export interface SealedSecretsControllerOptions {
  /** Where key Secrets live: the operator's namespace (upstream's default for kubeseal is kube-system). */
  keyNamespace: string;
  /** `--key-renew-period` in ms (default 30 days = 720h; 0 disables periodic renewal). */
  keyRenewPeriodMs?: number;
  /** `--key-cutoff-time` (see `parseKeyCutoffTime`). */
  keyCutoffTime?: Date;
  /** `--key-prefix` (default `sealed-secrets-key`). */
  keyPrefix?: string;
  /** `--key-size` (default 4096). */
  keySize?: number;
  /** `--my-cn`. */
  commonName?: string;
  /** HTTP API address (default `:8081`: the operator's metrics own :8080). */
  listenAddr?: string;
  /** `--update-status` (default true). */
  updateStatus?: boolean;
  /** The `instance` label of `condition_info` (default `sealed-secrets-controller`). */
  instance?: string;
  /** The `revision` label of `build_info`. */
  revision?: string;
  now?: () => number;
}

export interface SealedSecretsController extends OperatorController {
  /** The live key registry (newest seals, all unseal). */
  readonly keys: KeyRegistry;
  /** The HTTP API's base URL once started (`http://127.0.0.1:8081`). */
  readonly httpUrl: string | undefined;
  /** Runs the renewal check now (the timer does it on schedule); the new key, if one was due. */
  renewKeysIfDue(): Promise<SealingKey | undefined>;
}

function ssChanged(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (old === undefined) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.uid !== old.metadata.uid ||
    !isDeepStrictEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) ||
    // A spec change on a server that does not bump generation.
    !isDeepStrictEqual(obj['spec'], old['spec'])
  );
}

function isSynced(obj: KubeObject): boolean {
  const status = (obj as unknown as SealedSecret).status;
  return status?.conditions?.some((c) => c.type === SYNCED && c.status === 'True') === true && status.observedGeneration === obj.metadata.generation;
}

export function createSealedSecretsController(options: SealedSecretsControllerOptions): SealedSecretsController {
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  let queue: WorkQueue | undefined;
  let http: SealedHttpServer | undefined;
  let workers: Promise<void> | undefined;
  let keyManager: KeyManager | undefined;
  let stopped = true;

  const enqueue = (key: string): void => {
    if (!stopped) queue?.add(key);
  };

  const controller: SealedSecretsController = {
    name: SEALED_SECRETS_CONTROLLER_NAME,
    get keys() {
      if (keyManager === undefined) throw new Error('the sealed-secrets controller is not started');
      return keyManager.registry;
    },
    get httpUrl() {
      return http?.url;
    },
    renewKeysIfDue() {
      if (keyManager === undefined) return Promise.reject(new Error('the sealed-secrets controller is not started'));
      return keyManager.renewIfDue();
    },

    async start(ctx: OperatorContext) {
      stopped = false;
      const metrics = createSealedSecretsMetrics(ctx.metrics, { instance: options.instance ?? 'sealed-secrets-controller', revision: options.revision ?? 'coffer' });
      const logger = ctx.logger.child({ controller: SEALED_SECRETS_CONTROLLER_NAME });
      const q = ctx.newQueue(SEALED_SECRETS_CONTROLLER_NAME);
      queue = q;
      const ns = ctx.namespace !== undefined ? { namespace: ctx.namespace } : {};
      const ssInformer = ctx.informer<KubeObject>(SEALED_SECRETS_RESOURCE, ns);

      keyManager = new KeyManager({
        client: ctx.client,
        namespace: options.keyNamespace,
        prefix,
        logger,
        ...(options.keyRenewPeriodMs !== undefined ? { renewPeriodMs: options.keyRenewPeriodMs } : {}),
        ...(options.keyCutoffTime !== undefined ? { cutoffTime: options.keyCutoffTime } : {}),
        ...(options.keySize !== undefined ? { keySize: options.keySize } : {}),
        ...(options.commonName !== undefined ? { commonName: options.commonName } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
        // A new key may open what could not be opened before (keys restored from a backup).
        onKeysAdded: () => {
          for (const obj of ssInformer.list()) if (!isSynced(obj)) enqueue(objectKey(obj));
        },
      });
      const keyInformer = ctx.informer<KubeObject>(SECRETS_RESOURCE, { namespace: options.keyNamespace, labelSelector: SEALED_SECRETS_KEY_LABEL });
      await keyInformer.start();
      await keyManager.start(keyInformer);

      ssInformer.on('add', (obj) => enqueue(objectKey(obj)));
      ssInformer.on('update', (obj, old) => {
        if (ssChanged(obj, old)) enqueue(objectKey(obj));
      });
      ssInformer.on('delete', (obj) => enqueue(objectKey(obj)));
      const secrets = ctx.informer<KubeObject>(SECRETS_RESOURCE, ns);
      const onSecret = (obj: KubeObject, deleted: boolean): void => {
        const owner = ssInformer.get(obj.metadata.namespace, obj.metadata.name);
        if (owner === undefined) return;
        // Our own writes come back as events on a Secret we control: reconciling again would
        // only unseal once more for nothing. Deletions (recreate) and Secrets we do not control
        // (a `managed`/`patch` annotation may have been added) are worth a look.
        if (!deleted && isControlledBy(obj as unknown as Secret, owner.metadata.uid)) return;
        enqueue(objectKey(obj));
      };
      secrets.on('add', (obj) => onSecret(obj, false));
      secrets.on('update', (obj) => onSecret(obj, false));
      secrets.on('delete', (obj) => onSecret(obj, true));

      const reconciler = createSealedSecretReconciler({
        client: ctx.client,
        keys: keyManager.registry,
        events: ctx.events,
        metrics,
        logger,
        ...(options.updateStatus !== undefined ? { updateStatus: options.updateStatus } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
      await Promise.all([ssInformer.start(), secrets.start()]);
      http = await startSealedHttpServer({
        listenAddr: options.listenAddr ?? DEFAULT_LISTEN_ADDR,
        registry: keyManager.registry,
        metrics,
        ready: () => ssInformer.hasSynced(),
      });
      workers = ctx.runWorkers(SEALED_SECRETS_CONTROLLER_NAME, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'sealed-secrets workers stopped'));
      logger.info({ listen: http.address, keyNamespace: options.keyNamespace }, 'sealed-secrets controller started');
    },

    async stop() {
      stopped = true;
      keyManager?.stop();
      queue?.shutDown();
      await workers?.catch(() => undefined);
      await http?.close();
      http = undefined;
      workers = undefined;
      queue = undefined;
    },
  };
  return controller;
}
