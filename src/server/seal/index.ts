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
