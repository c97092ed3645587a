/** ESO-compatible ClusterExternalSecret controller (`external-secrets.io/v1`). */
export {
  CLUSTER_EXTERNAL_SECRETS_CONTROLLER_NAME,
  createClusterExternalSecretController,
  type ClusterExternalSecretControllerOptions,
} from './controller.js';
export {
  NAMESPACES_RESOURCE,
  cesRefreshMs,
  cesStatus,
  createClusterExternalSecretReconciler,
  desiredMetadata,
  isOwnedByCes,
  type ClusterExternalSecretReconcilerOptions,
} from './reconcile.js';
