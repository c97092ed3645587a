/** ESO-compatible PushSecret controller (`external-secrets.io/v1alpha1`). */
export { PUSH_SECRETS_CONTROLLER_NAME, createPushSecretController, selectsSecret, type PushSecretControllerOptions } from './controller.js';
export {
  createPushSecretReconciler,
  mergeSyncedState,
  pushRefreshMs,
  reverseKeys,
  shouldPush,
  type PushSecretReconcilerOptions,
  type SecretSource,
} from './reconcile.js';
