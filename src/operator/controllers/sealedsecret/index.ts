/** The Bitnami-compatible SealedSecret controller (`coffer operator --sealed-secrets`). */
export {
  SEALED_SECRETS_CONTROLLER_NAME,
  createSealedSecretsController,
  type SealedSecretsController,
  type SealedSecretsControllerOptions,
} from './controller.js';
export { DEFAULT_LISTEN_ADDR, parseListenAddr, startSealedHttpServer, type SealedHttpServer } from './http.js';
export { KeyManager, type KeyManagerOptions } from './key-manager.js';
export { METRIC_PREFIX, createSealedSecretsMetrics, type SealedSecretsMetrics, type UnsealErrorReason } from './metrics.js';
export {
  EVENT_UNSEALED,
  EVENT_UNSEAL_FAILED,
  EVENT_UPDATE_FAILED,
  SEALED_SECRETS_RESOURCE,
  SECRETS_RESOURCE,
  SYNCED,
  UNSEALED_MESSAGE,
  createSealedSecretReconciler,
  isControlledBy,
  planSecretWrite,
  syncedStatus,
  type SealedSecretReconcilerOptions,
  type SecretPlan,
  type SyncOutcome,
} from './reconcile.js';
