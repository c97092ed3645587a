/**
 * ESO's store "flood gate" from the other side: controllers whose objects wait for a store to
 * turn Ready (ExternalSecrets, PushSecrets) watch both store kinds and requeue what the store
 * held back the moment it does.
 */
import { clusterSecretStoresResource, secretStoresResource, type GenericStore } from '../../apis/external-secrets/index.js';
import type { Informer, OperatorContext } from '../../runtime/types.js';
import { isStoreReady } from './reconcile.js';

export type StoreKind = 'SecretStore' | 'ClusterSecretStore';

export interface StoreInformers {
  stores: Informer<GenericStore>;
  clusterStores: Informer<GenericStore>;
}

/** Informers on both store kinds calling `onReady` when a store is added Ready or turns Ready. */
export function watchStoresTurningReady(ctx: OperatorContext, onReady: (kind: StoreKind, store: GenericStore) => void): StoreInformers {
  const handler = (kind: StoreKind) => (store: GenericStore, old?: GenericStore) => {
    if (isStoreReady(store) && (old === undefined || !isStoreReady(old))) onReady(kind, store);
  };
  const stores = ctx.informer<GenericStore>(secretStoresResource, ctx.namespace !== undefined ? { namespace: ctx.namespace } : {});
  stores.on('add', handler('SecretStore'));
  stores.on('update', handler('SecretStore'));
  const clusterStores = ctx.informer<GenericStore>(clusterSecretStoresResource);
  clusterStores.on('add', handler('ClusterSecretStore'));
  clusterStores.on('update', handler('ClusterSecretStore'));
  return { stores, clusterStores };
}
