/**
 * zod schemas for the parts of a server config, with Vault's lenient value typing
 * (`parseutil.ParseBool`, `ParseInt`, `ParseDurationSecond`). Messages never quote the value.
 */
import { z } from 'zod';
import { parseDurationSeconds } from '../../shared/duration.js';

/** Vault's `parseutil.ParseBool` (mapstructure weak decoding): bools, Go bool strings, numbers. */
export function parseBoolish(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value !== 0 : undefined;
  if (typeof value !== 'string') return undefined;
  switch (value) {
    case '':
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    default:
      return undefined;
  }
}

const boolish = z.unknown().transform((value, ctx) => {
  const parsed = parseBoolish(value);
  if (parsed !== undefined) return parsed;
  ctx.addIssue({ code: 'custom', message: 'expected a boolean (true or false; "true", "false", "1" and "0" are accepted too)' });
  return z.NEVER;
});

/** An integer given as a number or a numeric string (Vault's `parseutil.ParseInt`). */
const intish = z.unknown().transform((value, ctx) => {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  ctx.addIssue({ code: 'custom', message: 'expected an integer' });
  return z.NEVER;
});

/** Seconds, from a number of seconds or a Go duration string (`"768h"`, `"1h30m"`, `"90s"`). */
const durationSeconds = z.unknown().transform((value, ctx) => {
  let seconds: number | undefined;
  if (typeof value === 'number' || typeof value === 'string') {
    try {
      seconds = parseDurationSeconds(value);
    } catch {
      seconds = undefined;
    }
  }
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: 'invalid duration; expected a number of seconds or a duration such as "768h", "1h30m" or "90s"' });
    return z.NEVER;
  }
  if (seconds < 0) {
    ctx.addIssue({ code: 'custom', message: 'a duration must not be negative' });
    return z.NEVER;
  }
  return seconds;
});

const text = z.string({ error: 'expected a string' });
const nonEmpty = text.min(1, { error: 'must not be empty' });

const LOG_LEVELS: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  notice: 'info',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
};

/** Vault's log levels (`logging.ParseLogLevel`), normalised to pino's names. */
const logLevel = text.transform((value, ctx) => {
  const level = LOG_LEVELS[value.trim().toLowerCase()];
  if (level !== undefined) return level;
  ctx.addIssue({ code: 'custom', message: 'unknown log level; expected "trace", "debug", "info", "warn" or "error"' });
  return z.NEVER;
});

/** `host:port`, `:port` or `[v6]:port`. */
const hostPort = text.refine(
  (value) => {
    const m = /^(?:\[[0-9A-Fa-f:.%\w]*\]|[^:[\]\s]*):(\d{1,5})$/.exec(value);
    return m !== null && Number(m[1]) <= 65535;
  },
  { error: 'invalid address; expected host:port, such as "127.0.0.1:8200"' },
);

/** Top-level scalar fields Coffer understands (blocks are read separately). */
export const topLevelSchema = z.object({
  ui: boolish.optional(),
  disable_mlock: boolish.optional(),
  default_lease_ttl: durationSeconds.optional(),
  max_lease_ttl: durationSeconds.optional(),
  default_max_request_duration: durationSeconds.optional(),
  api_addr: text.optional(),
  cluster_addr: text.optional(),
  cluster_name: text.optional(),
  log_level: logLevel.optional(),
  plugin_directory: text.optional(),
});

export const tcpListenerSchema = z.object({
  address: hostPort.optional(),
  tls_disable: boolish.optional(),
  tls_cert_file: nonEmpty.optional(),
  tls_key_file: nonEmpty.optional(),
  tls_min_version: z.enum(['tls12', 'tls13'], { error: 'unsupported TLS version; expected "tls12" or "tls13"' }).optional(),
  max_request_size: intish.optional(),
  max_request_duration: durationSeconds.optional(),
});

export const sqliteStorageSchema = z.object({
  path: nonEmpty.optional(),
});

export const postgresqlStorageSchema = z.object({
  connection_url: nonEmpty.optional(),
  table: nonEmpty.optional(),
});

export const inmemStorageSchema = z.object({});

/** The keys a schema reads: anything else in that block is reported as ignored. */
export function knownKeys(schema: z.ZodObject): ReadonlySet<string> {
  return new Set(Object.keys(schema.shape));
}

/**
 * Top-level fields Vault knows that Coffer does not act on (yet): reported as "not supported
 * by Coffer" rather than "unknown". Everything else unknown gets Vault's own warning.
 */
export const VAULT_FIELDS_NOT_SUPPORTED = new Set([
  'ha_storage',
  'ha_backend',
  'hsm',
  'kms',
  'entropy',
  'service_registration',
  'telemetry',
  'cache_size',
  'disable_cache',
  'disable_printable_check',
  'cluster_cipher_suites',
  'disable_clustering',
  'disable_performance_standby',
  'disable_sealwrap',
  'disable_sentinel_trace',
  'plugin_file_uid',
  'plugin_file_permissions',
  'plugin_tmpdir',
  'enable_response_header_hostname',
  'enable_response_header_raft_node_id',
  'log_format',
  'log_file',
  'log_rotate_bytes',
  'log_rotate_duration',
  'log_rotate_max_files',
  'log_requests_level',
  'pid_file',
  'raw_storage_endpoint',
  'introspection_endpoint',
  'license_path',
  'experiments',
  'imprecise_lease_role_tracking',
  'detect_deadlocks',
  'user_lockout',
  'replication',
  'sentinel',
  'administrative_namespace_path',
  'enable_post_unseal_trace',
  'post_unseal_trace_directory',
  'unsafe_allow_api_audit_creation',
  'allow_audit_log_prefixing',
  'enable_multiseal',
  'disable_idle_connections',
  'disable_unauthed_rekey_endpoints',
  'reporting',
]);
