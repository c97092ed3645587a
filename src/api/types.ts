/**
 * Response shapes of the Vault HTTP API (as the Go client models them), plus the
 * lenient parser that turns a response body into a `Secret`.
 */
import { AppError } from '../shared/index.js';

export type JsonObject = Record<string, unknown>;

export interface SecretAuth {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[] | null;
  identity_policies?: string[] | null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id?: string;
  token_type?: string;
  orphan?: boolean;
  mfa_requirement?: unknown;
  num_uses?: number;
}

export interface SecretWrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** The standard response envelope (Go's `api.Secret`), with missing fields defaulted. */
export interface Secret {
  request_id: string;
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: JsonObject | null;
  warnings: string[] | null;
  auth: SecretAuth | null;
  wrap_info: SecretWrapInfo | null;
  mount_type?: string;
}

export interface SealStatusResponse {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date?: string;
  migration: boolean;
  cluster_name?: string;
  cluster_id?: string;
  recovery_seal: boolean;
  storage_type?: string;
  warnings?: string[];
}

export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
  recovery_shares?: number;
  recovery_threshold?: number;
  recovery_pgp_keys?: string[];
}

export interface InitResponse {
  keys: string[];
  keys_base64: string[];
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  root_token: string;
}

export interface UnsealOptions {
  key?: string;
  reset?: boolean;
  migrate?: boolean;
}

export interface HealthResponse {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performance_standby?: boolean;
  replication_performance_mode?: string;
  replication_dr_mode?: string;
  server_time_utc?: number;
  version?: string;
  cluster_name?: string;
  cluster_id?: string;
}

export interface LeaderResponse {
  ha_enabled: boolean;
  is_self: boolean;
  active_time?: string;
  leader_address: string;
  leader_cluster_address: string;
  performance_standby?: boolean;
  performance_standby_last_remote_wal?: number;
  last_wal?: number;
  raft_committed_index?: number;
  raft_applied_index?: number;
}

export interface MountConfigOutput {
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  description?: string;
  options?: Record<string, string> | null;
  plugin_name?: string;
  [key: string]: unknown;
}

export interface MountOutput {
  type: string;
  description: string;
  accessor: string;
  config: MountConfigOutput;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access?: boolean;
  uuid?: string;
  plugin_version?: string;
  running_plugin_version?: string;
  running_sha256?: string;
  deprecation_status?: string;
  [key: string]: unknown;
}

export interface MountConfigInput {
  default_lease_ttl?: string | number;
  max_lease_ttl?: string | number;
  force_no_cache?: boolean;
  description?: string;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  listing_visibility?: string;
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  plugin_version?: string;
  options?: Record<string, string>;
}

export interface MountInput {
  type: string;
  description?: string;
  config?: MountConfigInput;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
  external_entropy_access?: boolean;
  plugin_version?: string;
}

export interface KeyStatus {
  term: number;
  install_time: string;
  encryptions?: number;
}

/** `GET sys/internal/ui/mounts/<path>`: the mount entry plus its `path` (`"secret/"`). */
export interface UiMountInfo {
  path: string;
  type: string;
  description?: string;
  options: Record<string, string> | null;
  [key: string]: unknown;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(what: string): AppError {
  return new AppError('ERR_INTERNAL', `unexpected response from server: ${what}`);
}

/** Go's `ParseSecret`: `null` for an empty body, otherwise the envelope with defaults filled in. */
export function parseSecret(body: unknown): Secret | null {
  if (body === null || body === undefined) return null;
  if (!isObject(body)) throw unexpected('expected a JSON object');
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const secret: Secret = {
    request_id: str(body['request_id']),
    lease_id: str(body['lease_id']),
    lease_duration: num(body['lease_duration']),
    renewable: body['renewable'] === true,
    data: isObject(body['data']) ? body['data'] : null,
    warnings: Array.isArray(body['warnings']) ? body['warnings'].map((w) => String(w)) : null,
    auth: isObject(body['auth']) ? (body['auth'] as unknown as SecretAuth) : null,
    wrap_info: isObject(body['wrap_info']) ? (body['wrap_info'] as unknown as SecretWrapInfo) : null,
  };
  if (typeof body['mount_type'] === 'string' && body['mount_type'] !== '') secret.mount_type = body['mount_type'];
  return secret;
}

/** For routes Vault answers with data injected at the top level too: prefer `data`, else the body. */
export function dataOrTopLevel(body: unknown): JsonObject {
  if (!isObject(body)) throw unexpected('expected a JSON object');
  const data = body['data'];
  return isObject(data) ? data : body;
}

/** A raw (non-envelope) JSON object response, such as `sys/seal-status`. */
export function expectObject<T>(body: unknown, what: string): T {
  if (!isObject(body)) throw unexpected(`${what}: expected a JSON object`);
  return body as T;
}

/**
 * `sys/generate-root/attempt` and `sys/generate-root/update` (Go's `GenerateRootStatusResponse`).
 * `otp` is set only in the response that started an attempt with a server-generated OTP;
 * `encoded_token` (= `encoded_root_token`) only in the update that completed it.
 */
export interface GenerateRootStatusResponse {
  nonce: string;
  started: boolean;
  progress: number;
  required: number;
  complete: boolean;
  encoded_token: string;
  encoded_root_token: string;
  pgp_fingerprint: string;
  otp: string;
  otp_length: number;
}

export interface GenerateRootStartOptions {
  /** A base62 OTP of the server's `otp_length`; omitted, the server generates one and returns it once. */
  otp?: string;
}

/** `PUT sys/rekey/init` (Go's `RekeyInitRequest`, without the PGP options Coffer does not support). */
export interface RekeyInitRequest {
  secret_shares: number;
  secret_threshold: number;
  /** Hold the new key until a threshold of the NEW shares comes back through `sys/rekey/verify`. */
  require_verification?: boolean;
}

/** `sys/rekey/init` (Go's `RekeyStatusResponse`); `t`/`n` are the NEW threshold and shares. */
export interface RekeyStatusResponse {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  /** The CURRENT threshold: how many current shares the rekey needs. */
  required: number;
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  /** Only while verification is pending. */
  verification_nonce?: string;
}

/** The final `sys/rekey/update` (Go's `RekeyUpdateResponse`): the new key shares. */
export interface RekeyUpdateResponse {
  nonce: string;
  complete: true;
  keys: string[];
  keys_base64: string[];
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  /** With verification: the nonce to give `sys/rekey/verify`. */
  verification_nonce?: string;
}

/** What `sys/rekey/update` answers: the new shares (`complete: true`) or, before the threshold, the status. */
export type RekeyUpdateResult = RekeyUpdateResponse | (RekeyStatusResponse & { complete?: false });

/** `sys/rekey/verify` (Go's `RekeyVerificationStatusResponse`). */
export interface RekeyVerificationStatusResponse {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
}

/** The final `PUT sys/rekey/verify` (Go's `RekeyVerificationUpdateResponse`): the new key is in force. */
export interface RekeyVerificationUpdateResponse {
  nonce: string;
  complete: true;
}

/** What `PUT sys/rekey/verify` answers: done (`complete: true`) or, before the threshold, the status. */
export type RekeyVerificationUpdateResult = RekeyVerificationUpdateResponse | (RekeyVerificationStatusResponse & { complete?: false });
