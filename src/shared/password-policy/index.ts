/**
 * Password policies (Vault's `sys/policies/password` documents and `sdk/helper/random`):
 * parsing and generation. Pure: no I/O, no storage. The server stores policies
 * (`server/passwords`); engines generate passwords from them or from the default policy.
 */
export {
  type CharsetRule,
  MAX_CHARSET_SIZE,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordPolicy,
  createPasswordPolicy,
  parsePasswordPolicy,
} from './parse.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PASSWORD_POLICY,
  DEFAULT_TIMEOUT_MS,
  type GenerateOptions,
  generateDefaultPassword,
  generatePassword,
  satisfiesPolicy,
} from './generate.js';
