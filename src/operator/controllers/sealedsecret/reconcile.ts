/**
 * The SealedSecret reconciler (upstream `pkg/controller/controller.go`, `unseal`): read the
 * SealedSecret, open it with every key the controller holds, create or update its Secret, and
 * report the outcome as the `Synced` condition, events and metrics.
 *
 * What is decided is kept in pure functions (`planSecretWrite`, `syncedStatus`) so the rules
 * — never touch a Secret we do not own unless it says `managed`/`patch`, `patch` merges, status
 * is written only when it changes — are tested without a cluster. A SealedSecret that cannot
 * be opened, or whose Secret belongs to someone else, is a terminal outcome for this version of
 * the objects: Synced=False and a Warning event, then nothing until the SealedSecret, its
 * Secret or the keys change (no hot retry loop). Only transient API failures are retried.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  SEALED_ANNOTATIONS,
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  UnsealError,
  unsealSealedSecret,
  type PrivateKeySource,
  type SealedSecret,
  type SealedSecretCondition,
  type Secret,
} from '../../../gitops/sealed/index.js';
import type { Logger } from '../../../shared/logger.js';
import { KubeRequestError, splitKey, type EventRecorder, type KubeClient, type KubeObject, type Reconciler, type ResourceRef } from '../../runtime/types.js';
import type { SealedSecretsMetrics } from './metrics.js';

export const SEALED_SECRETS_RESOURCE: ResourceRef = { group: 'bitnami.com', version: 'v1alpha1', plural: 'sealedsecrets', kind: SEALED_SECRET_KIND, namespaced: true };
export const SECRETS_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

export const SYNCED = 'Synced';
/** Event reasons, as upstream. */
export const EVENT_UNSEALED = 'Unsealed';
export const EVENT_UNSEAL_FAILED = 'ErrUnsealFailed';
export const EVENT_UPDATE_FAILED = 'ErrUpdateFailed';
export const UNSEALED_MESSAGE = 'SealedSecret unsealed successfully';

export type SecretPlan =
  | { action: 'create'; secret: Secret }
  | { action: 'update'; secret: Secret }
  | { action: 'unchanged' }
  | { action: 'refuse'; message: string };

function annotated(secret: Secret, annotation: string): boolean {
  return secret.metadata.annotations?.[annotation] === 'true';
}

/** Whether `secret` has a controller ownerReference to the SealedSecret with this uid. */
export function isControlledBy(secret: Secret, ownerUid: string | undefined): boolean {
  if (ownerUid === undefined || ownerUid === '') return false;
  return (secret.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === ownerUid && r.kind === SEALED_SECRET_KIND && r.apiVersion === SEALED_SECRET_API_VERSION);
}

/** `{}` and absent are the same to the API server; compare them as such. */
function orUndefined<T extends object>(value: T | undefined): T | undefined {
  return value === undefined || Object.keys(value).length === 0 ? undefined : value;
}

/** The parts of a Secret the controller writes. */
function written(secret: Secret): unknown {
  return {
    data: orUndefined(secret.data),
    labels: orUndefined(secret.metadata.labels),
    annotations: orUndefined(secret.metadata.annotations),
    ownerReferences: orUndefined(secret.metadata.ownerReferences),
    type: secret.type ?? 'Opaque',
    immutable: secret.immutable ?? false,
  };
}

/**
 * What to do with the Secret named like the SealedSecret (upstream's rules): create it when
 * absent; refuse when it exists without our controller ownerReference and carries neither
 * `managed: "true"` nor `patch: "true"`; with `patch`, merge data, labels and annotations into
 * it (and take ownership only when `managed` is also set); otherwise replace them. The type is
 * always the SealedSecret's. `unchanged` when the write would change nothing.
 */
export function planSecretWrite(ownerUid: string | undefined, desired: Secret, existing: Secret | null): SecretPlan {
  if (existing === null) return { action: 'create', secret: desired };
  const name = existing.metadata.name ?? desired.metadata.name ?? '';
  const managed = annotated(existing, SEALED_ANNOTATIONS.managed);
  const patch = annotated(existing, SEALED_ANNOTATIONS.patch);
  if (!isControlledBy(existing, ownerUid) && !managed && !patch) {
    return { action: 'refuse', message: `Resource ${JSON.stringify(name)} already exists and is not managed by SealedSecret` };
  }
  const next: Secret = structuredClone(existing);
  const setMap = (field: 'labels' | 'annotations' | 'ownerReferences', value: unknown): void => {
    if (value === undefined) delete next.metadata[field];
    else (next.metadata as Record<string, unknown>)[field] = value;
  };
  if (patch) {
    next.data = { ...(existing.data ?? {}), ...(desired.data ?? {}) };
    setMap('labels', orUndefined({ ...(existing.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) }));
    setMap('annotations', orUndefined({ ...(existing.metadata.annotations ?? {}), ...(desired.metadata.annotations ?? {}) }));
    if (managed) setMap('ownerReferences', desired.metadata.ownerReferences);
  } else {
    if (desired.data === undefined) delete next.data;
    else next.data = desired.data;
    setMap('labels', desired.metadata.labels);
    setMap('annotations', desired.metadata.annotations);
    setMap('ownerReferences', desired.metadata.ownerReferences);
  }
  next.type = desired.type ?? 'Opaque';
  if (desired.immutable !== undefined) next.immutable = desired.immutable;
  return isDeepStrictEqual(written(next), written(existing)) ? { action: 'unchanged' } : { action: 'update', secret: next };
}

export type SyncOutcome = { ok: true } | { ok: false; reason: string; message: string };

/**
 * The SealedSecret's status after an attempt: the `Synced` condition (other conditions kept),
 * `lastTransitionTime` moved only when True/False flips, and `observedGeneration`. `changed`
 * is false when nothing but timestamps would differ, so an unchanged outcome writes nothing
 * (which is also what keeps the controller from waking itself up).
 */
export function syncedStatus(ss: SealedSecret, outcome: SyncOutcome, now: string): { status: NonNullable<SealedSecret['status']>; changed: boolean; transitioned: boolean } {
  const conditions = [...(ss.status?.conditions ?? [])];
  const index = conditions.findIndex((c) => c.type === SYNCED);
  const previous = index === -1 ? undefined : conditions[index];
  const status: SealedSecretCondition['status'] = outcome.ok ? 'True' : 'False';
  const transitioned = previous?.status !== status;
  const next: SealedSecretCondition = {
    type: SYNCED,
    status,
    lastUpdateTime: now,
    lastTransitionTime: transitioned ? now : (previous?.lastTransitionTime ?? now),
    ...(outcome.ok ? {} : { reason: outcome.reason, message: outcome.message }),
  };
  const same = previous !== undefined && !transitioned && previous.reason === next.reason && previous.message === next.message;
  if (index === -1) conditions.push(next);
  else conditions[index] = same ? previous : next;
  const generation = ss.metadata.generation;
  const observedChanged = generation !== undefined && ss.status?.observedGeneration !== generation;
  return {
    status: { ...(ss.status ?? {}), ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions },
    changed: !same || observedChanged,
    transitioned,
  };
}

/** 4xx answers other than conflicts say the write itself is wrong (e.g. an immutable Secret): retrying cannot help. */
function isTerminalWriteError(err: unknown): err is KubeRequestError {
  return err instanceof KubeRequestError && (err.status === 400 || err.status === 422);
}

function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface SealedSecretReconcilerOptions {
  client: KubeClient;
  /** The controller's keys, read at every reconcile (renewals apply at once). */
  keys: PrivateKeySource;
  events: EventRecorder;
  metrics: SealedSecretsMetrics;
  logger: Logger;
  /** `--update-status` (default true). */
  updateStatus?: boolean;
  now?: () => number;
}

export function createSealedSecretReconciler(options: SealedSecretReconcilerOptions): Reconciler {
  const { client, keys, events, metrics, logger } = options;
  const updateStatus = options.updateStatus ?? true;
  const now = options.now ?? Date.now;

  const writeStatus = async (ss: SealedSecret, outcome: SyncOutcome): Promise<boolean> => {
    const { status, changed, transitioned } = syncedStatus(ss, outcome, kubeTime(now()));
    if (updateStatus && changed) {
      try {
        await client.replaceStatus(SEALED_SECRETS_RESOURCE, { ...(ss as unknown as KubeObject), status });
      } catch (err) {
        metrics.unsealError('status', ss.metadata.namespace ?? '');
        throw err;
      }
    }
    for (const c of status.conditions ?? []) metrics.observeCondition(ss.metadata.namespace ?? '', ss.metadata.name ?? '', c.type, c.status);
    return transitioned;
  };

  /** A failure that retrying will not fix: recorded, then left until something changes. */
  const fail = async (ss: SealedSecret, reason: string, message: string): Promise<void> => {
    events.event(ss as unknown as KubeObject, 'Warning', reason, message);
    await writeStatus(ss, { ok: false, reason, message });
  };

  return {
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      let ss: SealedSecret | null;
      try {
        ss = (await client.get<KubeObject>(SEALED_SECRETS_RESOURCE, namespace, name)) as unknown as SealedSecret | null;
      } catch (err) {
        metrics.unsealError('fetch', namespace ?? '');
        throw err;
      }
      if (ss === null) {
        // Gone: its Secret goes with it through the ownerReference (Kubernetes garbage collection).
        metrics.forget(namespace ?? '', name);
        return;
      }
      if (ss.metadata['deletionTimestamp'] !== undefined) return;
      metrics.unsealRequest();

      let desired: Secret;
      try {
        desired = unsealSealedSecret(ss, keys);
      } catch (err) {
        if (!(err instanceof UnsealError)) throw err;
        metrics.unsealError('unseal', namespace ?? '');
        logger.info({ sealedSecret: key, reasons: err.reasons }, 'cannot unseal SealedSecret');
        await fail(ss, EVENT_UNSEAL_FAILED, `Failed to unseal: ${err.message}`);
        return;
      }

      const existing = (await client.get<KubeObject>(SECRETS_RESOURCE, namespace, name)) as unknown as Secret | null;
      const plan = planSecretWrite(ss.metadata.uid, desired, existing);
      if (plan.action === 'refuse') {
        metrics.unsealError('unmanaged', namespace ?? '');
        await fail(ss, EVENT_UPDATE_FAILED, plan.message);
        return;
      }
      let wrote = false;
      if (plan.action !== 'unchanged') {
        try {
          if (plan.action === 'create') await client.create(SECRETS_RESOURCE, { ...plan.secret, apiVersion: 'v1', kind: 'Secret' } as unknown as KubeObject);
          else await client.replace(SECRETS_RESOURCE, { ...plan.secret, apiVersion: 'v1', kind: 'Secret' } as unknown as KubeObject);
          wrote = true;
        } catch (err) {
          metrics.unsealError('update', namespace ?? '');
          const message = err instanceof Error ? err.message : String(err);
          if (isTerminalWriteError(err)) {
            await fail(ss, EVENT_UPDATE_FAILED, message);
            return;
          }
          // Conflicts and outages: report, then let the queue retry with backoff.
          events.event(ss as unknown as KubeObject, 'Warning', EVENT_UPDATE_FAILED, message);
          await writeStatus(ss, { ok: false, reason: EVENT_UPDATE_FAILED, message }).catch(() => undefined);
          throw err;
        }
      }
      const transitioned = await writeStatus(ss, { ok: true });
      if (wrote || transitioned) events.event(ss as unknown as KubeObject, 'Normal', EVENT_UNSEALED, UNSEALED_MESSAGE);
    },
  };
}
