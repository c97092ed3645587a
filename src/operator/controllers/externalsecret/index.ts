/**
 * ESO-compatible `external-secrets.io/v1` controllers (`coffer operator run -external-secrets`):
 * ExternalSecrets plus the SecretStore and ClusterSecretStore controllers, sharing one set of
 * providers (the vault provider's token cache must outlive single reconciles).
 */
import { builtinGenerators } from '../../generators/index.js';
import { builtinProviders, type Provider, type VaultProvider } from '../../providers/index.js';
import type { OperatorController } from '../../runtime/types.js';
import { createClusterExternalSecretController } from '../clusterexternalsecret/index.js';
import { createPushSecretController } from '../pushsecret/index.js';
import { createSecretStoreController } from '../secretstore/index.js';
import { createExternalSecretController } from './controller.js';

export { EXTERNAL_SECRETS_CONTROLLER_NAME, createExternalSecretController, type ExternalSecretControllerOptions } from './controller.js';
export { convertKeys, decodeMap, decodeValue, gatherData, rewriteKeys, rewriteMerge, type ClientFor, type GenerateFor } from './data.js';
export { createdByHash, dataHash, goFormatBytesMap, goFormatStringMap, metaHash, syncedResourceVersion } from './hash.js';
export {
  CONFIGMAPS_RESOURCE,
  SECRETS_RESOURCE,
  createExternalSecretReconciler,
  isSecretValid,
  namespaceAllowed,
  staticManagedKeys,
  refreshIntervalMs,
  shouldRefresh,
  type ExternalSecretReconcilerOptions,
  type SecretObject,
} from './reconcile.js';
export { applyTemplate, type DesiredSecret, type TemplateSourceReader } from './template.js';
export { GeneratedData, RENEW_FRACTION, type GeneratedDataContext, type GeneratedDataOptions, type GeneratedValue } from './generated-data.js';
export { createExternalSecretMetrics, type ConditionLike, type ExternalSecretMetrics } from './metrics.js';
export { parseGoDurationMs, retryDelayMs, retryPolicyOf, withRetries, wrapSecretsClient, type RetryPolicy, type WrapOptions } from './provider-client.js';

export interface ExternalSecretsControllersOptions {
  /** `--controller-class`: stores naming another class are left alone (default `default`). */
  controllerClass?: string;
  now?: () => number;
  /** ESO's `--enable-cluster-external-secret-reconciler` (default true). */
  clusterExternalSecrets?: boolean;
  /** ESO's `--enable-push-secret-reconciler` (default true). */
  pushSecrets?: boolean;
}

/**
 * The ExternalSecret, SecretStore and ClusterSecretStore controllers (plus ClusterExternalSecret
 * and PushSecret unless turned off), sharing one set of built-in providers.
 */
export function createExternalSecretsControllers(options: ExternalSecretsControllersOptions = {}): OperatorController[] {
  const providers: Record<string, Provider> = {};
  for (const [name, make] of Object.entries(builtinProviders)) providers[name] = make();
  const common = {
    providers,
    ...(options.controllerClass !== undefined ? { controllerClass: options.controllerClass } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
  return [
    createSecretStoreController({ kind: 'SecretStore', ...common }),
    createSecretStoreController({ kind: 'ClusterSecretStore', ...common }),
    // Generators share the vault provider's token cache: one login per auth identity.
    createExternalSecretController({ ...common, generators: builtinGenerators({ vaultTokenCache: (providers['vault'] as VaultProvider).tokenCache }) }),
    ...(options.clusterExternalSecrets !== false ? [createClusterExternalSecretController()] : []),
    ...(options.pushSecrets !== false ? [createPushSecretController(common)] : []),
  ];
}
