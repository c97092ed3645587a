/**
 * Audit devices: request and response entries as JSON lines, secrets HMAC'd with a
 * per-device salt, fail-closed fan-out. The core creates one broker, loads it on unseal,
 * calls `logRequest` before each handler and `logResponse` after it, mounts
 * `auditPaths(broker)` in the sys backend and calls `reopen()` on SIGHUP.
 */
export { AuditError, createAuditBroker, normalizePath } from './broker.js';
export type { AuditBroker, AuditBrokerOptions, EnableAuditOptions } from './broker.js';
export { AUDIT_SUDO_PATHS, auditPaths } from './paths.js';
export { DEFAULT_AUDITED_HEADERS, applyHeaderConfig, buildAuditEntry, formatAuditEntry } from './entry.js';
export type { AuditEntryType, AuditedHeaders, EntryFormatConfig } from './entry.js';
export { HMAC_TYPE, createHasher, generateSalt, hashStructure, hmacSha256Hex, identifiedHmac } from './hash.js';
export type { HashFn, HashStructureOptions } from './hash.js';
export { DEFAULT_QUEUE_LIMITS } from './queue.js';
export type { WriteQueueLimits } from './queue.js';
export type { FileHandleLike, OpenFile } from './devices/file.js';
export type {
  AuditAuth,
  AuditDeviceInfo,
  AuditDeviceStatus,
  AuditGrantingPolicy,
  AuditPolicyResults,
  AuditRequest,
  AuditRequestInput,
  AuditResponse,
  AuditResponseInput,
  AuditWrapInfo,
} from './types.js';
