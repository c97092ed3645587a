/**
 * The Vault-compatible HTTP client: `createClient()` (node:http/https, keep-alive, CA files),
 * `ApiError`, the response types, and the KV path helpers. Used by the CLI, agent, operator,
 * CSI provider and KMS plugin: they reach a server only through this module.
 */
export { createClient, encodeApiPath, apiPathOf } from './client.js';
export { eventStreamUrl, subscribeEvents, type EventStreamEnd, type EventStreamOptions } from './events.js';
export type { Client, CoreApi, ApiResponse, RequestOptions, QueryParams, QueryValue } from './client.js';
export {
  DEFAULT_ADDRESS,
  DEFAULT_TIMEOUT_MS,
  TOKEN_FILE_NAME,
  envValue,
  homeDirectory,
  normalizeWrapTtl,
  parseGoBool,
  readTokenFile,
  resolveConfig,
  tokenFilePath,
} from './config.js';
export type { ClientOptions, ResolvedConfig } from './config.js';
export { ApiError, STATUS_CONNECTION_FAILED, errorCodeForStatus, formatApiErrorMessage, isApiError } from './errors.js';
export type { ApiErrorInit } from './errors.js';
export { KvVersionError, addPrefixToKvPath, joinPath, kvApiPath, kvVersionOf, sanitizePath } from './kv.js';
export type {
  KvApi,
  KvApiPrefix,
  KvLocation,
  KvMetadataInput,
  KvMountInfo,
  KvOptions,
  KvPatchResult,
  KvResult,
  KvTarget,
  KvVersion,
  KvVersions,
} from './kv.js';
export { trimSlashes } from './sys.js';
export type { CapabilitiesResult, SysApi } from './sys.js';
export type { AuthApi, TokenApi, TokenCreateRequest } from './auth-token.js';
export type { LoginApi } from './auth-login.js';
export type { AuthEnableOptions, AuthMount, AuthMountConfigInput, AuthMountConfigOutput, SysAuthApi, UserLockoutConfigInput } from './sys-auth.js';
export { normalizePolicyName } from './sys-policies.js';
export type { PoliciesApi } from './sys-policies.js';
export type { AuditApi, AuditDevice, AuditEnableInput } from './sys-audit.js';
export { DEFAULT_WRAP_TTL } from './sys-wrapping.js';
export type { WrappingApi } from './sys-wrapping.js';
export type { GenerateRootApi } from './sys-generate-root.js';
export type { RekeyApi } from './sys-rekey.js';
export { dataOrTopLevel, isObject, parseSecret } from './types.js';
export type {
  GenerateRootStartOptions,
  GenerateRootStatusResponse,
  HealthResponse,
  InitRequest,
  InitResponse,
  JsonObject,
  KeyStatus,
  LeaderResponse,
  MountConfigInput,
  MountConfigOutput,
  MountInput,
  MountOutput,
  RekeyInitRequest,
  RekeyStatusResponse,
  RekeyUpdateResponse,
  RekeyUpdateResult,
  RekeyVerificationStatusResponse,
  RekeyVerificationUpdateResponse,
  RekeyVerificationUpdateResult,
  SealStatusResponse,
  Secret,
  SecretAuth,
  SecretWrapInfo,
  UiMountInfo,
  UnsealOptions,
} from './types.js';
