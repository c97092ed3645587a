/**
 * Sealed Secrets, byte-compatible with Bitnami's controller and kubeseal: the hybrid format,
 * scopes, sealing/unsealing, keys and their backup, the controller's HTTP handlers, and the
 * minimal kubeconfig client `coffer seal` uses. No Kubernetes runtime dependency: the operator
 * calls these with objects it fetched.
 */
export {
  ERR_TOO_SHORT,
  HybridDecryptError,
  SESSION_KEY_BYTES,
  hybridDecrypt,
  hybridDecryptAny,
  hybridEncrypt,
  publicKeyFingerprint,
  type HybridFailure,
} from './crypto.js';
export {
  DEFAULT_SCOPE,
  LAST_APPLIED_ANNOTATIONS,
  SEALED_ANNOTATIONS,
  SEALING_SCOPES,
  describeScope,
  encryptionLabel,
  parseScope,
  scopeFromAnnotations,
  withScopeAnnotations,
  type SealingScope,
} from './scope.js';
export {
  UnsealError,
  canUnseal,
  decodeStdBase64,
  mergeSealedSecrets,
  reencryptSealedSecret,
  sealRawValue,
  sealSecret,
  sealingPublicKey,
  unsealSealedSecret,
  type PrivateKeySource,
  type SealOptions,
  type SealingCertificate,
  type UnsealFailure,
  type UnsealFailureReason,
  type UnsealOptions,
} from './sealed-secret.js';
export {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type ObjectMeta,
  type OwnerReference,
  type SealedSecret,
  type SealedSecretCondition,
  type SealedSecretSpec,
  type Secret,
  type SecretTemplateSpec,
} from './types.js';
export { renderTemplateData, type TemplateDataResult } from './template-data.js';
export {
  asSealedSecret,
  asSecret,
  detectManifestFormat,
  formatManifest,
  orderSealedSecret,
  orderSecret,
  parseDocuments,
  parseManifestFormat,
  parseSealedSecret,
  parseSecret,
  type ManifestFormat,
} from './manifest.js';
export {
  DEFAULT_KEY_PREFIX,
  DEFAULT_KEY_RENEW_PERIOD_MS,
  DEFAULT_KEY_SIZE,
  DEFAULT_KEY_TTL_MS,
  KeyRegistry,
  SEALED_SECRETS_KEY_LABEL,
  generateSealingKey,
  isKeySecret,
  keyFromSecret,
  keyRenewal,
  keyToSecret,
  loadKeyRegistry,
  parseKeyCutoffTime,
  parsePrivateKeyPem,
  parsePrivateKeysPem,
  selfSignedCertificate,
  type GenerateKeyOptions,
  type KeyOrderPriority,
  type KeySecretOptions,
  type LoadedKeys,
  type RenewalOptions,
  type RenewalPlan,
  type SealingKey,
} from './keys.js';
export { backupList, backupListFromKeys, formatBackup, parsePrivateKeysFile, type BackupList } from './backup.js';
export { RateLimiter, createSealedHttpHandler, type NodeHandler, type RateDecision, type RateLimitOptions, type SealedHttpOptions } from './http-handlers.js';
export {
  NoKubeconfigError,
  controllerPortName,
  controllerRequest,
  joinSchemeNamePort,
  kubeRequest,
  kubeconfigPaths,
  loadKubeConnection,
  serviceProxyPath,
  statusMessage,
  type ControllerRef,
  type KubeConnection,
  type KubeResponse,
  type KubeconfigOptions,
} from './kube-client.js';
