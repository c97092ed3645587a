export {
  AlreadyInitializedError,
  INVALID_ROOT_KEY_MESSAGE,
  InvalidRootKeyError,
  KEYRING_PATH,
  PROTECTED_PATHS,
  ProtectedPathError,
  ROOT_KEY_TERM,
  createBarrier,
  isProtectedPath,
} from './aes-gcm-barrier.js';
export type { Barrier, BarrierOp, KeyStatus, RekeyOptions } from './aes-gcm-barrier.js';
export { BarrierDecryptError, KEY_BYTES, decryptValue, encryptValue, readTerm } from './format.js';
export type { BarrierDecryptFailure } from './format.js';
export type { Keyring, KeyringKey } from './keyring.js';
