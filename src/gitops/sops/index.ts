/**
 * SOPS-compatible encrypted files (YAML and JSON): the value cipher, MAC, metadata, the age
 * and hc_vault (transit) key sources, `.sops.yaml` creation rules, and whole-file operations.
 */
export { Branch, Comment, fromPlain, toPlain } from './tree.js';
export type { Scalar, TreeBranches, TreeItem, TreeValue } from './tree.js';
export { IV_SIZE, ValueCipher, formatEncryptedValue, formatFloat, isEncryptedValue, parseEncryptedValue } from './cipher.js';
export type { CipherValue, EncryptedValue, IvSource } from './cipher.js';
export { DEFAULT_UNENCRYPTED_SUFFIX, checkRules, compileGoRegex, decryptTree, encryptTree } from './rules.js';
export type { EncryptionRules, WalkResult } from './rules.js';
export { SOPS_FORMAT_VERSION, describeKey, metadataFromTree, metadataToTree, nowRfc3339, rulesOf } from './metadata.js';
export type { AgeMasterKey, ForeignMasterKey, MasterKey, SopsMetadata, VaultMasterKey } from './metadata.js';
export { emitYaml, parseYaml } from './yaml-store.js';
export { emitJson, parseJson } from './json-store.js';
export { DataKeyError, MacMismatchError, MetadataNotFoundError, SopsError } from './errors.js';
export { DATA_KEY_SIZE, keySpecsFrom, newDataKey, specId, unwrapDataKey, wrapDataKey } from './data-key.js';
export type { KeyServices, KeySpec } from './data-key.js';
export { SOPS_AGE_KEY, SOPS_AGE_KEY_CMD, SOPS_AGE_KEY_FILE, ageUnwrap, ageWrap, loadAgeIdentities, parseAgeRecipient, parseAgeRecipients } from './keys/age.js';
export { defaultTransitClientFactory, parseTransitUri, transitUnwrap, transitWrap } from './keys/hc-vault.js';
export type { TransitClient, TransitClientFactory, TransitKeyRef } from './keys/hc-vault.js';
export { CONFIG_FILE_NAME, creationRuleFor, findConfigFile } from './config.js';
export type { CreationRule } from './config.js';
export { splitCommand } from './command-line.js';
export {
  SOPS_METADATA_KEY,
  decryptDocument,
  emitEncrypted,
  emitPlain,
  emitValue,
  encryptBranches,
  extractValue,
  formatFor,
  hasSopsMetadata,
  parseEncrypted,
  parsePlain,
  parseTreePath,
  reencrypt,
  rotateDocument,
  updateDocumentKeys,
} from './document.js';
export type { DecryptOptions, DecryptedDocument, EncryptOptions, EncryptedDocument, KeyChanges, KeyUpdate, SopsFormat } from './document.js';
export { decryptText, encryptText } from './text.js';
export type { DecryptTextOptions, EncryptTextOptions } from './text.js';
