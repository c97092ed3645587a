/** The SecretStore / ClusterSecretStore controller (ESO-compatible): validation and the Ready condition. */
export {
  createStoreReconciler,
  isStoreReady,
  shouldProcessStore,
  storeRefOf,
  storeRequeueMs,
  storeStatus,
  validateStore,
  type StoreReconcilerOptions,
  type StoreVerdict,
} from './reconcile.js';
export { createSecretStoreController, type SecretStoreControllerOptions } from './controller.js';
export { createStoreMetrics, type StoreMetrics } from './metrics.js';
export { watchStoresTurningReady, type StoreInformers, type StoreKind } from './ready-watch.js';
