/**
 * The audit log line (Vault's `audit/types.go` + `audit/entry_formatter.go`).
 *
 * One JSON object per line, `time` first and then the fields in Vault's struct order:
 * `{"time","auth","error","request","response","type"}`, empty values omitted
 * (`omitempty`). What is HMAC'd (unless `log_raw`):
 * - `auth.client_token`, `request.client_token`, `response.auth.client_token`,
 *   `response.wrap_info.token`;
 * - accessors (`auth.accessor`, `request.client_token_accessor`,
 *   `response.auth.accessor`, `response.wrap_info.accessor` / `wrapped_accessor`) unless
 *   `hmac_accessor=false`;
 * - every string in `request.data` and `response.data`, recursively, except under the
 *   mount's non-HMAC keys;
 * - request headers configured with `hmac: true` (even with `log_raw`, as in Vault).
 * Everything else stays as it is: paths, operation, ids, mount fields, remote address,
 * policies, metadata, display name, lease id, TTLs, times and `error`.
 */
import { formatRfc3339Nano } from '../../shared/time.js';
import { encodeGoJsonLine, isStruct, struct } from './go-json.js';
import { hashStructure, type HashFn } from './hash.js';
import type { AuditAuth, AuditRequest, AuditResponse, AuditResponseInput, AuditWrapInfo } from './types.js';

export type AuditEntryType = 'request' | 'response';

/** Header name (lowercase) → whether its values are HMAC'd. */
export type AuditedHeaders = Readonly<Record<string, { readonly hmac: boolean }>>;

/** Vault always audits these, raw, unless configured otherwise. */
export const DEFAULT_AUDITED_HEADERS: AuditedHeaders = {
  'correlation-id': { hmac: false },
  'x-correlation-id': { hmac: false },
};

/** A device's formatting settings (its options, parsed) plus its salt. */
export interface EntryFormatConfig {
  /** The device's salted HMAC (`createHasher(salt)`). */
  hash: HashFn;
  /** `log_raw`: nothing is HMAC'd (configured headers excepted). */
  logRaw: boolean;
  /** `hmac_accessor` (default true). */
  hmacAccessor: boolean;
  /** `elide_list_responses`: list responses log the number of `keys` / `key_info` entries. */
  elideListResponses: boolean;
  /** Written before each JSON object. */
  prefix: string;
  auditedHeaders: AuditedHeaders;
}

/** The entry as a JSON-ready object (struct-ordered); `formatAuditEntry` renders it. */
export function buildAuditEntry(
  type: AuditEntryType,
  input: AuditResponseInput,
  config: EntryFormatConfig,
  time: Date = new Date(),
): Record<string, unknown> {
  const req = input.request;
  const hash = config.logRaw ? null : config.hash;
  const request = buildRequest(req, input.nonHmacRequestKeys, config, hash);
  const response =
    type === 'response' && input.response
      ? buildResponse(input.response, req, input.nonHmacResponseKeys, config, hash)
      : undefined;
  return goStruct([
    ['time', formatRfc3339Nano(time)],
    ['auth', buildAuth(input.auth, req.clientTokenRemainingUses, config, hash)],
    ['error', errorText(input.error)],
    ['request', request],
    ['response', response],
    ['type', type],
  ]);
}

/** The bytes a device writes for one entry: `prefix` + JSON + `\n`. */
export function formatAuditEntry(
  type: AuditEntryType,
  input: AuditResponseInput,
  config: EntryFormatConfig,
  time: Date = new Date(),
): string {
  return config.prefix + encodeGoJsonLine(buildAuditEntry(type, input, config, time));
}

function errorText(error: AuditResponseInput['error']): string | undefined {
  if (error === null || error === undefined) return undefined;
  return typeof error === 'string' ? error : error.message;
}

function buildAuth(
  auth: AuditAuth | null | undefined,
  remainingUses: number | undefined,
  config: EntryFormatConfig,
  hash: HashFn | null,
): Record<string, unknown> | undefined {
  if (!auth) return undefined;
  const clientToken = auth.clientToken && hash ? hash(auth.clientToken) : auth.clientToken;
  const accessor = auth.accessor && hash && config.hmacAccessor ? hash(auth.accessor) : auth.accessor;
  return goStruct([
    ['accessor', accessor],
    ['client_token', clientToken],
    ['display_name', auth.displayName],
    ['entity_created', auth.entityCreated],
    ['entity_id', auth.entityId],
    ['external_namespace_policies', auth.externalNamespacePolicies],
    ['identity_policies', auth.identityPolicies],
    ['metadata', auth.metadata],
    ['no_default_policy', auth.noDefaultPolicy],
    ['num_uses', auth.numUses],
    ['policies', auth.policies],
    ['policy_results', auth.policyResults ? buildPolicyResults(auth.policyResults) : undefined],
    ['remaining_uses', remainingUses],
    ['token_policies', auth.tokenPolicies],
    ['token_issue_time', auth.issueTime === undefined ? undefined : formatRfc3339Seconds(auth.issueTime)],
    ['token_ttl', auth.ttl === undefined ? undefined : Math.trunc(auth.ttl)],
    ['token_type', auth.tokenType || 'default'],
  ]);
}

function buildPolicyResults(results: NonNullable<AuditAuth['policyResults']>): Record<string, unknown> {
  const granting = (results.grantingPolicies ?? []).map((p) =>
    goStruct(
      [
        ['name', p.name],
        ['namespace_id', p.namespaceId],
        ['namespace_path', p.namespacePath],
        ['type', p.type],
      ],
      ['type'],
    ),
  );
  return goStruct(
    [
      ['allowed', results.allowed],
      ['granting_policies', granting],
    ],
    ['allowed'],
  );
}

function buildRequest(
  req: AuditRequest,
  nonHmacKeys: readonly string[] | undefined,
  config: EntryFormatConfig,
  hash: HashFn | null,
): Record<string, unknown> {
  const clientToken = req.clientToken && hash ? hash(req.clientToken) : req.clientToken;
  const accessor =
    req.clientTokenAccessor && hash && config.hmacAccessor ? hash(req.clientTokenAccessor) : req.clientTokenAccessor;
  const data = req.data && hash ? hashStructure(req.data, hash, { nonHmacKeys }) : req.data;
  const namespace = req.namespace ?? { id: 'root' };
  return goStruct([
    ['client_certificate_serial_number', req.clientCertificateSerialNumber],
    ['client_id', req.clientId],
    ['client_token', clientToken],
    ['client_token_accessor', accessor],
    ['data', data],
    ['headers', applyHeaderConfig(req.headers, config.auditedHeaders, config.hash)],
    ['id', req.id],
    ['mount_accessor', req.mountAccessor],
    ['mount_class', req.mountClass],
    ['mount_is_external_plugin', req.mountIsExternalPlugin],
    ['mount_point', req.mountPoint],
    ['mount_running_sha256', req.mountRunningSha256],
    ['mount_running_version', req.mountRunningVersion],
    ['mount_type', req.mountType],
    [
      'namespace',
      goStruct([
        ['id', namespace.id],
        ['path', namespace.path],
      ]),
    ],
    ['operation', req.operation],
    ['path', req.path],
    ['policy_override', req.policyOverride],
    ['remote_address', req.remoteAddress],
    ['remote_port', req.remotePort],
    ['request_uri', req.requestUri !== req.path ? req.requestUri : undefined],
    ['wrap_ttl', req.wrapTtl === undefined ? undefined : Math.trunc(req.wrapTtl)],
  ]);
}

function buildResponse(
  resp: AuditResponse,
  req: AuditRequest,
  nonHmacKeys: readonly string[] | undefined,
  config: EntryFormatConfig,
  hash: HashFn | null,
): Record<string, unknown> {
  let data: Record<string, unknown> | undefined;
  if (resp.data) {
    data = { ...resp.data };
    if (config.elideListResponses && req.operation === 'list') elideListData(data);
    if (hash) {
      // Vault turns a raw []byte body into a string so that it is HMAC'd.
      const raw = data['http_raw_body'];
      if (raw instanceof Uint8Array) data['http_raw_body'] = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
      data = hashStructure(data, hash, { nonHmacKeys });
    }
  }
  return goStruct([
    ['auth', buildAuth(resp.auth, req.clientTokenRemainingUses, config, hash)],
    ['data', data],
    ['headers', resp.headers],
    ['mount_accessor', req.mountAccessor],
    ['mount_class', req.mountClass],
    ['mount_is_external_plugin', req.mountIsExternalPlugin],
    ['mount_point', req.mountPoint],
    ['mount_running_sha256', req.mountRunningSha256],
    ['mount_running_plugin_version', req.mountRunningVersion],
    ['mount_type', req.mountType],
    ['redirect', resp.redirect],
    ['secret', resp.secret ? goStruct([['lease_id', resp.secret.leaseId]]) : undefined],
    ['wrap_info', resp.wrapInfo ? buildWrapInfo(resp.wrapInfo, config, hash) : undefined],
    ['warnings', resp.warnings],
  ]);
}

function buildWrapInfo(info: AuditWrapInfo, config: EntryFormatConfig, hash: HashFn | null): Record<string, unknown> {
  const token = jwtId(info.token) ?? info.token;
  const hashAccessors = hash !== null && config.hmacAccessor;
  const creationTime = info.creationTime instanceof Date ? formatRfc3339Nano(info.creationTime) : info.creationTime;
  return goStruct([
    // Vault HMACs the wrapping token and accessor even when empty.
    ['accessor', hashAccessors ? hash(info.accessor) : info.accessor],
    ['creation_path', info.creationPath],
    ['creation_time', creationTime],
    ['token', hash ? hash(token) : token],
    ['ttl', Math.trunc(info.ttl)],
    ['wrapped_accessor', info.wrappedAccessor && hashAccessors ? hash(info.wrappedAccessor) : info.wrappedAccessor],
  ]);
}

/** A JWT wrapping token is logged by its `jti` (the token id), as Vault does. */
function jwtId(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims === 'object' && claims !== null) {
      const jti = (claims as Record<string, unknown>)['jti'];
      return typeof jti === 'string' ? jti : '';
    }
  } catch {
    // not a JWT
  }
  return undefined;
}

/** `elide_list_responses`: `keys` (a list of strings) and `key_info` (a map) become counts. */
function elideListData(data: Record<string, unknown>): void {
  const keys = data['keys'];
  if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) data['keys'] = keys.length;
  const info = data['key_info'];
  if (isPlainObject(info)) data['key_info'] = Object.keys(info).length;
}

/**
 * Only configured headers reach the log, lower-cased; those configured with `hmac` are
 * HMAC'd with the device's salt (Vault's `HeadersConfig.ApplyConfig`).
 */
export function applyHeaderConfig(
  headers: AuditRequest['headers'],
  audited: AuditedHeaders,
  hash: HashFn,
): Record<string, string[]> | undefined {
  if (!headers) return undefined;
  const lower = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    lower.set(name.toLowerCase(), typeof value === 'string' ? [value] : [...value]);
  }
  const out: Record<string, string[]> = {};
  for (const [name, settings] of Object.entries(audited)) {
    const values = lower.get(name.toLowerCase());
    if (values === undefined) continue;
    out[name.toLowerCase()] = settings.hmac ? values.map(hash) : values;
  }
  return out;
}

function formatRfc3339Seconds(value: Date | number): string {
  const date = value instanceof Date ? value : new Date(value * 1000);
  return `${date.toISOString().slice(0, 19)}Z`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/** Go's `omitempty`: "", 0, false, nil and empty slices/maps are left out (structs are not). */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value) && !isStruct(value)) return Object.keys(value).length === 0;
  return false;
}

/** A struct with `omitempty` on every field except those listed in `always`. */
function goStruct(fields: readonly (readonly [string, unknown])[], always: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    if (always.includes(key) ? value === undefined : isEmpty(value)) continue;
    out[key] = value;
  }
  return struct(out);
}
