/**
 * The PushSecret reconciler (ESO `pkg/controllers/pushsecret`): read the source Secret(s)
 * (`selector.secret.name` or `.selector`), apply `template`, and push each `data[]` entry to
 * every referenced store through the provider's `SecretsWriter` — `IfNotExists` leaves keys that
 * already exist alone. With `deletionPolicy: Delete` (finalizer
 * `pushsecret.externalsecrets.io/finalizer`) remote refs that are no longer pushed are deleted,
 * and all of them when the PushSecret (or its named source Secret) goes. Status as ESO:
 * `syncedPushSecrets` (store → remote ref → data entry), `refreshTime`, `syncedResourceVersion`,
 * `Ready` with `Synced`/`Errored`, plus events of the same reasons.
 *
 * When a push is due: ESO's rule (spec/metadata changed, or `refreshInterval` elapsed, or never
 * synced; `refreshInterval: 0` = once) OR the source Secrets changed since the last push this
 * process made (their resourceVersions; the controller's Secret informer wakes us). After a
 * restart every PushSecret is pushed once, since what was pushed before is not known.
 */
import { isDeepStrictEqual } from 'node:util';
import { createHash } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { parseRefreshIntervalMs } from '../../../shared/duration.js';
import { putOwn } from '../../../shared/own-record.js';
import type { Logger } from '../../../shared/logger.js';
import {
  CONDITION_READY,
  DEFAULT_PUSH_REFRESH_INTERVAL,
  FINALIZER_PUSH_SECRET,
  MSG_PUSH_DELETE_FAILED,
  MSG_PUSH_SOURCE_MISSING,
  MSG_PUSH_SYNCED,
  MSG_PUSH_SYNCED_IF_NOT_EXISTS,
  REASON_PUSH_ERRORED,
  REASON_PUSH_SYNCED,
  clusterSecretStoresResource,
  matchesLabelSelector,
  pushSecretsResource,
  pushStatusRef,
  secretStoresResource,
  validatePushSecret,
  type ExternalSecret,
  type GenericStore,
  type PushSecret,
  type PushSecretConversionStrategy,
  type PushSecretData,
  type PushSecretStatus,
  type PushSecretStatusCondition,
  type PushSecretStoreRef,
  type SyncedPushSecretsMap,
} from '../../apis/external-secrets/index.js';
import { providerFor, type Provider, type SecretsClient, type SecretsWriter } from '../../providers/index.js';
import { KubeRequestError, splitKey, type EventRecorder, type KubeClient, type KubeObject, type Reconciler, type ReconcileResult } from '../../runtime/types.js';
import { syncedResourceVersion } from '../externalsecret/hash.js';
import { CONFIGMAPS_RESOURCE, SECRETS_RESOURCE, namespaceAllowed, type SecretObject } from '../externalsecret/reconcile.js';
import { applyTemplate, type DesiredSecret } from '../externalsecret/template.js';
import { isStoreReady, shouldProcessStore, storeRefOf } from '../secretstore/index.js';
import { NAMESPACES_RESOURCE } from '../clusterexternalsecret/index.js';

/** Where the reconciler reads source Secrets (the controller passes its informer cache). */
export interface SecretSource {
  get(namespace: string, name: string): Promise<SecretObject | null>;
  list(namespace: string): Promise<SecretObject[]>;
}

export interface PushSecretReconcilerOptions {
  client: KubeClient;
  providers: Readonly<Record<string, Provider>>;
  events: EventRecorder;
  logger: Logger;
  /** `--controller-class` (default `default`): stores of another class are skipped. */
  controllerClass?: string;
  now?: () => number;
  /** Default: GET/LIST through `client`. */
  secrets?: SecretSource;
}

/** `spec.refreshInterval` in ms (CRD default 1h); 0 = push once. */
export function pushRefreshMs(ps: PushSecret): number {
  return parseRefreshIntervalMs(ps.spec.refreshInterval ?? DEFAULT_PUSH_REFRESH_INTERVAL);
}

/** ESO `shouldRefresh`. */
export function shouldPush(ps: PushSecret, nowMs: number): boolean {
  const status = ps.status ?? {};
  const synced = status.syncedResourceVersion ?? '';
  if (synced !== syncedResourceVersion(ps.metadata)) return true;
  const interval = pushRefreshMs(ps);
  if (interval <= 0 && synced !== '') return false;
  const refreshTime = status.refreshTime ? Date.parse(status.refreshTime) : Number.NaN;
  if (Number.isNaN(refreshTime)) return true;
  return refreshTime + interval < nowMs;
}

const UNICODE_ESCAPE = /_U([0-9a-fA-F]{4,5})_/g;

/** ESO `ReverseKeys`: `_U0040_` back to `@` (ReverseUnicode); None leaves keys alone. */
export function reverseKeys(strategy: PushSecretConversionStrategy | undefined, data: Record<string, Uint8Array>): Record<string, Uint8Array> {
  if (strategy !== 'ReverseUnicode') return data;
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data)) {
    const key = k.replace(UNICODE_ESCAPE, (_m, hex: string) => {
      const cp = Number.parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : _m;
    });
    if (Object.hasOwn(out, key)) throw new UserError(`could not apply conversion strategy to keys: secret name collision during conversion: ${key}`);
    putOwn(out, key, v);
  }
  return out;
}

/** ESO `mergeSecretState`: `next` wins per ref, refs only in `old` are kept. */
export function mergeSyncedState(next: SyncedPushSecretsMap, old: SyncedPushSecretsMap | undefined): SyncedPushSecretsMap {
  const out: SyncedPushSecretsMap = structuredClone(next);
  for (const [store, refs] of Object.entries(old ?? {})) out[store] = { ...refs, ...(out[store] ?? {}) };
  return out;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function bytesOf(secret: SecretObject): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return out;
}

/** Which source Secrets (by name and resourceVersion) a push was made from; no secret material. */
function fingerprint(secrets: readonly SecretObject[]): string {
  const ids = secrets.map((s) => `${s.metadata.name}@${s.metadata.resourceVersion ?? ''}`).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex');
}

/** A problem already written to status and events; retried with backoff. */
class ReportedError extends Error {}

interface StoreEntry {
  key: string;
  store: GenericStore;
}

export function createPushSecretReconciler(options: PushSecretReconcilerOptions): Reconciler {
  const { client, events, logger } = options;
  const controllerClass = options.controllerClass ?? 'default';
  const now = options.now ?? Date.now;
  const secrets: SecretSource = options.secrets ?? {
    get: (ns, name) => client.get<SecretObject>(SECRETS_RESOURCE, ns, name),
    list: async (ns) => (await client.list<SecretObject>(SECRETS_RESOURCE, { namespace: ns })).items,
  };
  /** PushSecret key → fingerprint of the sources of its last successful push (this process). */
  const pushed = new Map<string, string>();

  function condition(previous: PushSecretStatus | undefined, status: 'True' | 'False', reason: string, message: string): PushSecretStatusCondition {
    const old = previous?.conditions?.find((c) => c.type === CONDITION_READY);
    const keep = old !== undefined && old.status === status && old.lastTransitionTime !== undefined;
    return { type: 'Ready', status, reason, message, lastTransitionTime: keep ? (old.lastTransitionTime as string) : rfc3339(now()) };
  }

  async function writeStatus(ps: PushSecret, status: PushSecretStatus): Promise<void> {
    if (isDeepStrictEqual(status, ps.status ?? {})) return;
    try {
      await client.replaceStatus(pushSecretsResource, { ...ps, status });
    } catch (err) {
      // A newer version comes through the watch and is reconciled again.
      if (err instanceof KubeRequestError && (err.status === 409 || err.status === 404)) return;
      throw err;
    }
  }

  async function markFailed(ps: PushSecret, message: string, synced?: SyncedPushSecretsMap): Promise<void> {
    const status: PushSecretStatus = { ...(ps.status ?? {}), conditions: [condition(ps.status, 'False', REASON_PUSH_ERRORED, message)] };
    if (synced !== undefined) {
      if (Object.keys(synced).length > 0) status.syncedPushSecrets = synced;
      else delete status.syncedPushSecrets;
    }
    await writeStatus(ps, status);
    events.event(ps, 'Warning', REASON_PUSH_ERRORED, message);
  }

  async function setFinalizers(ps: PushSecret, finalizers: string[]): Promise<PushSecret> {
    return client.patch<PushSecret>(pushSecretsResource, ps.metadata.namespace, ps.metadata.name, { metadata: { finalizers, resourceVersion: ps.metadata.resourceVersion } }, 'merge');
  }

  async function getStore(kind: string, name: string, namespace: string): Promise<GenericStore | null> {
    return kind === 'ClusterSecretStore' ? client.get<GenericStore>(clusterSecretStoresResource, undefined, name) : client.get<GenericStore>(secretStoresResource, namespace, name);
  }

  /** ESO `GetSecretStores`: by name, or every store of the kind whose labels match. */
  async function resolveStores(ps: PushSecret): Promise<StoreEntry[]> {
    const ns = ps.metadata.namespace ?? '';
    const out = new Map<string, GenericStore>();
    for (const ref of ps.spec.secretStoreRefs as PushSecretStoreRef[]) {
      const kind = ref.kind ?? 'SecretStore';
      if (ref.labelSelector !== undefined && ref.labelSelector !== null) {
        const res = kind === 'ClusterSecretStore' ? clusterSecretStoresResource : secretStoresResource;
        const { items } = await client.list<GenericStore>(res, kind === 'ClusterSecretStore' ? {} : { namespace: ns });
        for (const s of items) if (matchesLabelSelector(ref.labelSelector, s.metadata.labels)) out.set(`${kind}/${s.metadata.name}`, s);
        continue;
      }
      const name = ref.name ?? '';
      const store = await getStore(kind, name, ns);
      if (store === null) throw new UserError(`could not get ${kind} ${JSON.stringify(name)}, not found`);
      out.set(`${kind}/${name}`, store);
    }
    return [...out.entries()].map(([key, store]) => ({ key, store }));
  }

  /** One writer client per store for this reconcile (ESO's client manager). */
  function clientCache(ps: PushSecret): { get(key: string, store?: GenericStore): Promise<SecretsClient & SecretsWriter>; close(): Promise<void> } {
    const ns = ps.metadata.namespace ?? '';
    const clients = new Map<string, Promise<SecretsClient>>();
    return {
      async get(key, known) {
        let c = clients.get(key);
        if (c === undefined) {
          c = (async () => {
            const slash = key.indexOf('/');
            const kind = key.slice(0, slash);
            const name = key.slice(slash + 1);
            const store = known ?? (await getStore(kind, name, ns));
            if (store === null) throw new UserError(`could not get secrets client for store ${key}: not found`);
            if (!isStoreReady(store)) throw new UserError(`the desired ${kind} ${name} is not ready`);
            if (kind === 'ClusterSecretStore' && (store.spec?.conditions ?? []).length > 0) {
              const nsObj = await client.get<KubeObject>(NAMESPACES_RESOURCE, undefined, ns);
              if (!namespaceAllowed(store.spec.conditions, ns, nsObj?.metadata.labels ?? {})) {
                throw new UserError(`using cluster store ${JSON.stringify(name)} is not allowed from namespace ${JSON.stringify(ns)}: denied by spec.condition`);
              }
            }
            const sref = storeRefOf(store);
            return providerFor(sref, options.providers).newClient(sref, { kube: client, namespace: ns, logger });
          })();
          clients.set(key, c);
        }
        const sc = await c;
        if (typeof sc.pushSecret !== 'function' || typeof sc.deleteSecret !== 'function' || typeof sc.secretExists !== 'function') {
          throw new UserError(`store ${key} does not support pushing secrets (its provider is read-only)`);
        }
        return sc as SecretsClient & SecretsWriter;
      },
      async close() {
        await Promise.all([...clients.values()].map((c) => c.then((x) => x.close()).catch(() => undefined)));
      },
    };
  }

  /**
   * ESO `DeleteSecretFromProviders`: refs in the old status but not in `next` are deleted.
   * Returns the state that remains (what could not be deleted stays listed).
   */
  async function deleteStale(ps: PushSecret, next: SyncedPushSecretsMap, clients: ReturnType<typeof clientCache>): Promise<{ state: SyncedPushSecretsMap; error?: string }> {
    const out = mergeSyncedState(next, ps.status?.syncedPushSecrets);
    for (const [storeKey, oldRefs] of Object.entries(ps.status?.syncedPushSecrets ?? {})) {
      const keep = next[storeKey] ?? {};
      const stale = Object.entries(oldRefs).filter(([ref]) => !Object.hasOwn(keep, ref));
      if (stale.length === 0) continue;
      let sc: SecretsClient & SecretsWriter;
      try {
        sc = await clients.get(storeKey);
      } catch (err) {
        const slash = storeKey.indexOf('/');
        const gone = (await getStore(storeKey.slice(0, slash), storeKey.slice(slash + 1), ps.metadata.namespace ?? '')) === null;
        if (gone) {
          // The store itself is gone: nothing left to delete from, and nothing to block on.
          logger.warn({ store: storeKey }, 'pushed refs dropped from status: their store no longer exists');
          for (const [ref] of stale) delete out[storeKey]?.[ref];
          if (Object.keys(out[storeKey] ?? {}).length === 0 && next[storeKey] === undefined) delete out[storeKey];
          continue;
        }
        return { state: out, error: `could not get secrets client for store ${storeKey}: ${describe(err)}` };
      }
      for (const [ref, data] of stale) {
        try {
          await sc.deleteSecret({ remoteKey: data.match.remoteRef.remoteKey, ...(data.match.remoteRef.property ? { property: data.match.remoteRef.property } : {}) });
        } catch (err) {
          return { state: out, error: describe(err) };
        }
        delete out[storeKey]?.[ref];
      }
      if (next[storeKey] === undefined) delete out[storeKey];
    }
    return { state: out };
  }

  async function cleanupOnDelete(ps: PushSecret): Promise<void> {
    const finalizers = ps.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_PUSH_SECRET)) return;
    if ((ps.spec.deletionPolicy ?? 'None') === 'Delete') {
      const clients = clientCache(ps);
      try {
        const { state, error } = await deleteStale(ps, {}, clients);
        if (error !== undefined) {
          const message = `${MSG_PUSH_DELETE_FAILED}: ${error}`;
          await markFailed(ps, message, state);
          throw new ReportedError(message);
        }
      } finally {
        await clients.close();
      }
    }
    await setFinalizers(ps, finalizers.filter((f) => f !== FINALIZER_PUSH_SECRET));
  }

  async function templated(ps: PushSecret, source: SecretObject): Promise<Record<string, Uint8Array>> {
    const data = bytesOf(source);
    const template = ps.spec.template;
    if (template === undefined || template === null) return data;
    // As ESO: templated keys are added to (and override) the source keys; nothing is written back.
    const es = { apiVersion: '', kind: 'ExternalSecret', metadata: ps.metadata, spec: { target: { template: { ...template, mergePolicy: 'Merge' } } } } as ExternalSecret;
    const desired: DesiredSecret = { labels: { ...(source.metadata.labels ?? {}) }, annotations: { ...(source.metadata.annotations ?? {}) }, data: {} };
    const ns = ps.metadata.namespace ?? '';
    await applyTemplate(es, desired, data, async (kind, name) => {
      const obj = await client.get<KubeObject>(kind === 'Secret' ? SECRETS_RESOURCE : CONFIGMAPS_RESOURCE, ns, name);
      if (obj === null) throw new UserError(`could not get ${kind} ${JSON.stringify(name)} for the template`);
      if (kind === 'ConfigMap') return { ...((obj['data'] as Record<string, string> | undefined) ?? {}) };
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(bytesOf(obj as SecretObject))) out[k] = Buffer.from(v).toString('utf8');
      return out;
    });
    return desired.data;
  }

  /** ESO `handlePushSecretDataForStore` for one source Secret and one store. */
  async function pushToStore(ps: PushSecret, storeKey: string, sc: SecretsWriter, original: Record<string, Uint8Array>): Promise<Record<string, PushSecretData>> {
    const out: Record<string, PushSecretData> = {};
    const ifNotExists = ps.spec.updatePolicy === 'IfNotExists';
    for (const data of ps.spec.data ?? []) {
      const converted = reverseKeys(data.conversionStrategy, original);
      const key = data.match.secretKey ?? '';
      if (key !== '' && !Object.hasOwn(converted, key)) throw new UserError(`secret key ${key} does not exist`);
      const remoteRef = { remoteKey: data.match.remoteRef.remoteKey, ...(data.match.remoteRef.property ? { property: data.match.remoteRef.property } : {}) };
      if (ifNotExists) {
        let exists: boolean;
        try {
          exists = await sc.secretExists(remoteRef);
        } catch (err) {
          throw new UserError(`could not verify if secret exists in store: ${describe(err)}`, { cause: err });
        }
        if (exists) {
          out[pushStatusRef(data)] = data;
          continue;
        }
      }
      const metadata = data.metadata !== null && typeof data.metadata === 'object' && !Array.isArray(data.metadata) ? { metadata: data.metadata as Record<string, unknown> } : {};
      try {
        await sc.pushSecret({ data: converted }, { ...(key !== '' ? { secretKey: key } : {}), remoteRef, ...metadata });
      } catch (err) {
        throw new UserError(`could not write remote ref ${key} to target secretstore ${storeKey.slice(storeKey.indexOf('/') + 1)}: ${describe(err)}`, { cause: err });
      }
      out[pushStatusRef(data)] = data;
    }
    return out;
  }

  async function sync(ps: PushSecret, key: string): Promise<ReconcileResult | void> {
    const ns = ps.metadata.namespace ?? '';
    const interval = pushRefreshMs(ps);
    const later: ReconcileResult = interval > 0 ? { requeueAfterMs: interval } : {};
    const deleteRemoved = (ps.spec.deletionPolicy ?? 'None') === 'Delete';
    const start = now();

    // The source Secret(s).
    const sel = ps.spec.selector.secret ?? {};
    let sources: SecretObject[];
    if (sel.name !== undefined && sel.name !== '') {
      const secret = await secrets.get(ns, sel.name);
      if (secret === null) {
        pushed.delete(key);
        if (deleteRemoved && Object.keys(ps.status?.syncedPushSecrets ?? {}).length > 0) {
          // ESO: the named source is gone, so are the values pushed from it.
          const clients = clientCache(ps);
          try {
            const { state, error } = await deleteStale(ps, {}, clients);
            if (error !== undefined) {
              await markFailed(ps, `failed to cleanup provider secrets: ${error}`, state);
              throw new ReportedError(error);
            }
          } finally {
            await clients.close();
          }
          await markFailed(ps, MSG_PUSH_SOURCE_MISSING, {});
        } else {
          await markFailed(ps, MSG_PUSH_SOURCE_MISSING);
        }
        // The Secret informer wakes us when it appears.
        return later;
      }
      sources = [secret];
    } else {
      const selector = sel.selector ?? {};
      sources = (await secrets.list(ns)).filter((s) => matchesLabelSelector(selector, s.metadata.labels)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    }

    const print = fingerprint(sources);
    if (!shouldPush(ps, now()) && pushed.get(key) === print) {
      if (interval <= 0) return;
      const last = ps.status?.refreshTime ? Date.parse(ps.status.refreshTime) : now();
      return { requeueAfterMs: Math.max(1000, last + interval - now()) };
    }

    let stores: StoreEntry[];
    try {
      stores = (await resolveStores(ps)).filter(({ store }) => store.metadata.deletionTimestamp === undefined && shouldProcessStore(store, controllerClass));
    } catch (err) {
      await markFailed(ps, describe(err));
      throw new ReportedError(describe(err), { cause: err });
    }
    // None of the stores is ours (another controller class): leave the PushSecret to it.
    if (stores.length === 0) return;

    const clients = clientCache(ps);
    let all: SyncedPushSecretsMap = {};
    try {
      for (const source of sources.length > 0 ? sources : [null]) {
        const synced: SyncedPushSecretsMap = {};
        if (source !== null) {
          let data: Record<string, Uint8Array>;
          try {
            data = await templated(ps, source);
          } catch (err) {
            await markFailed(ps, describe(err));
            throw new ReportedError(describe(err), { cause: err });
          }
          for (const { key: storeKey, store } of stores) {
            try {
              const sc = await clients.get(storeKey, store);
              synced[storeKey] = {};
              Object.assign(synced[storeKey], await pushToStore(ps, storeKey, sc, data));
            } catch (err) {
              const message = `set secret failed: ${describe(err)}`;
              await markFailed(ps, message, mergeSyncedState(mergeSyncedState(synced, all), ps.status?.syncedPushSecrets));
              throw new ReportedError(message, { cause: err });
            }
          }
        }
        if (deleteRemoved) {
          const { state, error } = await deleteStale(ps, synced, clients);
          if (error !== undefined) {
            const message = `${MSG_PUSH_DELETE_FAILED}: ${error}`;
            await markFailed(ps, message, state);
            throw new ReportedError(message);
          }
        }
        all = mergeSyncedState(all, synced);
      }
    } finally {
      await clients.close();
    }

    const message = ps.spec.updatePolicy === 'IfNotExists' ? MSG_PUSH_SYNCED_IF_NOT_EXISTS : MSG_PUSH_SYNCED;
    const status: PushSecretStatus = {
      refreshTime: rfc3339(start),
      syncedResourceVersion: syncedResourceVersion(ps.metadata),
      ...(Object.keys(all).length > 0 ? { syncedPushSecrets: all } : {}),
      conditions: [condition(ps.status, 'True', REASON_PUSH_SYNCED, message)],
    };
    await writeStatus(ps, status);
    events.event(ps, 'Normal', REASON_PUSH_SYNCED, message);
    pushed.set(key, print);
    return later;
  }

  return {
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      let ps = await client.get<PushSecret>(pushSecretsResource, namespace, name);
      if (ps === null) {
        pushed.delete(key);
        return;
      }
      if (ps.metadata.deletionTimestamp !== undefined) {
        pushed.delete(key);
        return cleanupOnDelete(ps);
      }
      const finalizers = ps.metadata.finalizers ?? [];
      const wantFinalizer = ps.spec?.deletionPolicy === 'Delete';
      if (wantFinalizer !== finalizers.includes(FINALIZER_PUSH_SECRET)) {
        ps = await setFinalizers(ps, wantFinalizer ? [...finalizers, FINALIZER_PUSH_SECRET] : finalizers.filter((f) => f !== FINALIZER_PUSH_SECRET));
      }
      const invalid = validatePushSecret(ps);
      if (invalid.length > 0) {
        // Reported once; nothing to retry until the spec changes.
        await markFailed(ps, `invalid PushSecret: ${invalid.join('; ')}`);
        return;
      }
      try {
        return await sync(ps, key);
      } catch (err) {
        if (err instanceof ReportedError) throw err;
        if (err instanceof UserError) {
          await markFailed(ps, err.message);
          throw new ReportedError(err.message, { cause: err });
        }
        throw err;
      }
    },
  };
}
