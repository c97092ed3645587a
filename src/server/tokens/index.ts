export {
  createTokenStore,
  type CreatedToken,
  type CreateTokenRequest,
  type LookupOptions,
  type RenewedToken,
  type RenewOptions,
  type RevokeHook,
  type TidyReport,
  type TokenEntry,
  type TokenStore,
  type TokenStoreOptions,
  type TokenType,
} from './token-store.js';
export { tokenBackend, type TokenBackendDeps, type TokenCaller, type TokenIdentityDeps } from './paths.js';
export { authBlock, isTokenAuthResponse, lookupData, type AuthBlock, type TokenAuthResponse } from './responses.js';
export { calculateTtl, effectiveTtls, humanDuration, SYSTEM_DEFAULT_TTL, type CalculatedTtl, type CalculateTtlInput, type TtlLimits } from './ttl.js';
export { aesGcmBatchCrypto, BATCH_TOKEN_PREFIX, type BatchTokenCrypto } from './batch.js';
export { parseCidrs, remoteAddrAllowed } from '../../shared/cidr.js';
export { globMatch, removeDuplicates, sanitizePolicies } from './policies.js';
export { newRole, renderRole, type RoleTokenType, type TokenRole } from './roles.js';
