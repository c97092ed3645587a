export {
  InvalidUnsealKeyError,
  MAX_SHARES,
  ROOT_KEY_BYTES,
  SHARE_OVERHEAD,
  combineShares,
  splitRootKey,
  validateShamirConfig,
} from './shamir.js';
export { MAX_UNSEAL_KEY_BYTES, MIN_UNSEAL_KEY_BYTES, createShamirUnsealer, decodeUnsealKey } from './shamir-seal.js';
export type { ShamirUnsealer, UnsealProgress } from './shamir-seal.js';
export {
  RECOVERY_CONFIG_PATH,
  SEAL_CONFIG_PATH,
  SEAL_TYPES,
  decodeSealConfig,
  encodeSealConfig,
  readSealConfig,
  sealConfigOp,
  validateSealConfig,
  writeSealConfig,
} from './seal-config.js';
export type { SealConfig, SealConfigKind, SealType } from './seal-config.js';
export {
  GENERATE_ROOT_OTP_LENGTH,
  decodeGeneratedToken,
  encodeGeneratedToken,
  generateOtp,
  xorBytes,
} from './root-token-otp.js';
export { GENERATE_ROOT_PGP_UNSUPPORTED, createGenerateRootAttempt } from './generate-root.js';
export type { GenerateRootAttempt, GenerateRootDeps, GenerateRootStartInput, GenerateRootStatus } from './generate-root.js';
export { DEFAULT_REKEY_CANCEL_GRACE_MS, REKEY_PGP_UNSUPPORTED, createRekeyOperation, rekeyCommitter } from './rekey.js';
export type {
  RekeyDeps,
  RekeyOperation,
  RekeyOperationOptions,
  RekeyStartInput,
  RekeyStatus,
  RekeyUpdateResponse,
  RekeyVerificationComplete,
  RekeyVerificationStatus,
} from './rekey.js';
export { generateRootPaths, rekeyPaths } from './paths.js';
export type { GenerateRootPathDeps, RekeyPathDeps } from './paths.js';
