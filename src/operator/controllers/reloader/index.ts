/**
 * Built-in rollouts (`coffer operator run` with the reloader enabled): Stakater Reloader's
 * annotations, strategies, hash and events, so workloads annotated for Reloader roll when their
 * Secrets and ConfigMaps change, with Reloader or with Coffer.
 */
export { RELOADER_CONTROLLER_NAME, createReloaderController, rolloutState } from './controller.js';
export { HASH_ALGORITHMS, configMapHash, emptyHash, generateSha, secretHash, type ReloaderHashAlgorithm } from './hash.js';
export { containerUsingSource, convertToEnvVarName, envVarName, lastReloadedFrom, parseGoBool, recordedHash, shouldReload, type ReloadDecision, type ReloadSource, type SourceKind } from './match.js';
export {
  DEFAULT_ANNOTATIONS,
  LAST_RELOADED_FROM_ANNOTATION,
  RELOADER_FLAGS,
  resolveReloaderOptions,
  toLabelSelector,
  type ReloadStrategy,
  type ReloaderAnnotations,
  type ReloaderFlag,
  type ReloaderOptions,
  type ResolvedReloaderOptions,
} from './options.js';
export { REASON_RELOADED, REASON_RELOAD_FAIL, WORKLOAD_RESOURCES, createReloaderReconciler, parseSourceKey, sourceHash, sourceKey, type ReloaderReconcilerDeps } from './reconcile.js';
