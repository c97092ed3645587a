/**
 * What the core hands the audit broker: plain data, no classes from the core. One
 * `AuditRequestInput` per request before the handler runs (also for requests that were
 * denied or failed early, with `error` set), one `AuditResponseInput` after it (same
 * `request.id`). Field names are camelCase here and become Vault's snake_case in the log.
 *
 * Every optional field may be left out or set to `undefined`; empty values are omitted
 * from the log line, as Vault's `omitempty` does.
 */

/** The token (or the login's new token) a request carries, after the token lookup. */
export interface AuditAuth {
  /** The token itself: HMAC'd in the log unless `log_raw`. */
  clientToken?: string | undefined;
  /** HMAC'd unless the device has `hmac_accessor=false` (or `log_raw`). */
  accessor?: string | undefined;
  displayName?: string | undefined;
  policies?: readonly string[] | undefined;
  tokenPolicies?: readonly string[] | undefined;
  identityPolicies?: readonly string[] | undefined;
  externalNamespacePolicies?: Readonly<Record<string, readonly string[]>> | undefined;
  noDefaultPolicy?: boolean | undefined;
  /** Token metadata: logged as is (never HMAC'd, as in Vault). */
  metadata?: Readonly<Record<string, string>> | null | undefined;
  entityId?: string | undefined;
  /** Only meaningful in a login response: the login created the entity. */
  entityCreated?: boolean | undefined;
  /** The token's configured use limit (`num_uses`), logged in `response.auth`. */
  numUses?: number | undefined;
  /** `service`, `batch` (or `default`, Vault's zero value); `default` when left out. */
  tokenType?: string | undefined;
  /** The token's TTL in seconds (`token_ttl`). */
  ttl?: number | undefined;
  /** When the token was issued: a Date or Unix seconds (`token_issue_time`, RFC3339). */
  issueTime?: Date | number | undefined;
  /** The ACL decision (`policy_results`). */
  policyResults?: AuditPolicyResults | undefined;
}

export interface AuditPolicyResults {
  allowed: boolean;
  grantingPolicies?: readonly AuditGrantingPolicy[] | undefined;
}

export interface AuditGrantingPolicy {
  name: string;
  namespaceId?: string | undefined;
  namespacePath?: string | undefined;
  /** `acl` for ACL policies. */
  type: string;
}

export interface AuditRequest {
  /** The request id; the response entry carries the same one. */
  id: string;
  /** `read`, `create`, `update`, `patch`, `delete`, `list`, `help`… */
  operation: string;
  /** The full path below `/v1/`, e.g. `secret/data/foo` (never HMAC'd). */
  path: string;
  clientId?: string | undefined;
  /** HMAC'd unless `log_raw`. */
  clientToken?: string | undefined;
  /** HMAC'd unless `hmac_accessor=false` (or `log_raw`). */
  clientTokenAccessor?: string | undefined;
  /** The token's remaining uses (`auth.remaining_uses`). */
  clientTokenRemainingUses?: number | undefined;
  /** Body or query parameters: every string inside is HMAC'd unless `log_raw` or a non-HMAC key. */
  data?: Readonly<Record<string, unknown>> | null | undefined;
  /**
   * The request's HTTP headers, any case. Only headers configured for auditing are
   * logged (see `AuditBrokerOptions.auditedHeaders`); the rest are dropped here.
   */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
  /** The mount's path (`secret/`), type (`kv`), accessor and class (`secret`, `auth`). */
  mountPoint?: string | undefined;
  mountType?: string | undefined;
  mountAccessor?: string | undefined;
  mountClass?: string | undefined;
  mountRunningVersion?: string | undefined;
  mountRunningSha256?: string | undefined;
  mountIsExternalPlugin?: boolean | undefined;
  /** Defaults to the root namespace, `{"id":"root"}`. */
  namespace?: { id: string; path?: string | undefined } | undefined;
  /** Client IP and port. */
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  /** `X-Vault-Wrap-TTL` in seconds. */
  wrapTtl?: number | undefined;
  /** The raw request URI, when it differs from `path` (query strings). */
  requestUri?: string | undefined;
  policyOverride?: boolean | undefined;
  clientCertificateSerialNumber?: string | undefined;
}

export interface AuditRequestInput {
  /** The caller's token; null or absent for unauthenticated requests (and before lookup). */
  auth?: AuditAuth | null | undefined;
  request: AuditRequest;
  /** The error the request failed with (the message shown to the client), if any. */
  error?: string | Error | null | undefined;
  /** The mount's `audit_non_hmac_request_keys`. */
  nonHmacRequestKeys?: readonly string[] | undefined;
}

export interface AuditResponseInput extends AuditRequestInput {
  /** What the backend (and the core) answered; absent when the request failed without one. */
  response?: AuditResponse | null | undefined;
  /** The mount's `audit_non_hmac_response_keys`. */
  nonHmacResponseKeys?: readonly string[] | undefined;
}

export interface AuditResponse {
  /** A login's new token (`response.auth`): its client token and accessor are HMAC'd. */
  auth?: AuditAuth | null | undefined;
  data?: Readonly<Record<string, unknown>> | null | undefined;
  /** Response headers the mount allows (`allowed_response_headers`), logged as is. */
  headers?: Readonly<Record<string, readonly string[]>> | undefined;
  /** A leased secret: only the lease id is logged (never HMAC'd). */
  secret?: { leaseId: string } | null | undefined;
  redirect?: string | undefined;
  warnings?: readonly string[] | null | undefined;
  /** Set when the response was wrapped: the wrapping token is HMAC'd, its accessor per `hmac_accessor`. */
  wrapInfo?: AuditWrapInfo | null | undefined;
}

export interface AuditWrapInfo {
  token: string;
  accessor: string;
  /** Seconds. */
  ttl: number;
  creationTime: Date | string;
  creationPath: string;
  wrappedAccessor?: string | undefined;
}

/** The configuration of one audit device, as `sys/audit` lists it. */
export interface AuditDeviceInfo {
  /** With a trailing slash, e.g. `file/`. */
  path: string;
  type: string;
  description: string;
  /** Option values are strings, as in Vault. */
  options: Record<string, string>;
  local: boolean;
}

/** A device's health, for operators (metrics, status endpoints). */
export interface AuditDeviceStatus {
  path: string;
  type: string;
  /** False after a failed write, until one succeeds again. */
  healthy: boolean;
  /** The last write error's message (never entry data). */
  lastError?: string;
  /** Entries waiting to be written (or being written). */
  queuedEntries: number;
  queuedBytes: number;
}
