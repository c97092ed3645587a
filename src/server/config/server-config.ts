/**
 * Reads a Vault-style server config file (HCL or JSON) into a typed `ServerConfig`.
 *
 * Follows Vault's rules where Coffer has the feature: `storage` (alias `backend`) exactly once,
 * `listener` repeatable, `tls_disable` lenient booleans, TLS needing both a cert and a key file,
 * TTLs as seconds or duration strings (0 means the default), `default_lease_ttl` not above
 * `max_lease_ttl`, `VAULT_API_ADDR` overriding `api_addr`, `VAULT_PG_CONNECTION_URL` overriding
 * the PostgreSQL `connection_url`, and unknown fields as warnings rather than errors.
 *
 * Every problem found is reported at once: a `UserError` whose message lists them (each with
 * its line:column when the file is HCL) and whose `details` holds one entry per problem.
 * Messages name keys and block types, never values (a config can hold tokens and passwords).
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatDuration } from '../../shared/duration.js';
import { UserError } from '../../shared/errors.js';
import { type HclBlock, type HclObject, type HclPosition, blocks, formatPosition, parseHclOrJson, positionOf } from '../../shared/hcl/index.js';
import {
  VAULT_FIELDS_NOT_SUPPORTED,
  inmemStorageSchema,
  knownKeys,
  postgresqlStorageSchema,
  sqliteStorageSchema,
  tcpListenerSchema,
  topLevelSchema,
} from './schema.js';
import type { ListenerConfig, ParseServerConfigOptions, SealConfig, ServerConfig, StorageConfig } from './types.js';

export const DEFAULT_LISTENER_ADDRESS = '127.0.0.1:8200';
/** Vault's default `max_request_size`: 32 MiB. */
export const DEFAULT_MAX_REQUEST_SIZE = 33_554_432;
/** Vault's default for both `default_lease_ttl` and `max_lease_ttl`: 768h. */
export const DEFAULT_LEASE_TTL_SECONDS = 768 * 3600;

const BLOCK_KEYS = new Set(['listener', 'storage', 'backend', 'seal']);

type Environment = Readonly<Record<string, string | undefined>>;

class Report {
  readonly issues: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly sourceName: string | undefined) {}

  /** `" at 3:1"` or `""`. */
  at(position: HclPosition | undefined): string {
    const pos = formatPosition(position);
    return pos === undefined ? '' : ` at ${pos}`;
  }

  /** For warnings, which stand alone: `" at config.hcl:3:1"`, `" in config.json"` or `""`. */
  where(position: HclPosition | undefined): string {
    const pos = formatPosition(position);
    if (pos === undefined) return this.sourceName === undefined ? '' : ` in ${this.sourceName}`;
    return this.sourceName === undefined ? ` at ${pos}` : ` at ${this.sourceName}:${pos}`;
  }

  issue(subject: string, position: HclPosition | undefined, message: string): void {
    this.issues.push(`${subject}${this.at(position)}: ${message}`);
  }

  /** Reads blocks; a malformed one becomes an issue and the result `undefined`. */
  blocks(obj: HclObject, type: string, labelCount = 1): HclBlock[] | undefined {
    try {
      return blocks(obj, type, labelCount);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.issues.push(err.message);
      return undefined;
    }
  }

  /**
   * Validates `body` with `schema`; `context` (`listener "tcp"`) prefixes the key in messages.
   * Returns undefined when there were issues.
   */
  validate<S extends z.ZodObject>(schema: S, body: HclObject, context: string | undefined): z.output<S> | undefined {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const subject = context === undefined ? key : `${context}: ${key}`;
      this.issue(subject, positionOf(body, key), issue.message);
    }
    return undefined;
  }

  /** Warns about keys of `body` that `known` does not list. */
  ignored(body: HclObject, known: ReadonlySet<string>, context: string): void {
    for (const key of Object.keys(body)) {
      if (known.has(key)) continue;
      this.warnings.push(`field ${JSON.stringify(key)} in ${context} is not supported by Coffer and is ignored${this.where(positionOf(body, key))}`);
    }
  }
}

function describeBlock(type: string, labels: readonly string[]): string {
  return [type, ...labels.map((l) => JSON.stringify(l))].join(' ');
}

function parseListeners(doc: HclObject, report: Report, defaultMaxRequestDuration: number | undefined): ListenerConfig[] {
  const listeners: ListenerConfig[] = [];
  const found = report.blocks(doc, 'listener');
  if (found === undefined) return listeners;
  const known = knownKeys(tcpListenerSchema);
  for (const b of found) {
    const context = describeBlock('listener', b.labels);
    if (b.labels[0] !== 'tcp') {
      report.issue(context, b.position, 'listener type not supported by Coffer; only "tcp" listeners are');
      continue;
    }
    report.ignored(b.body, known, context);
    const data = report.validate(tcpListenerSchema, b.body, context);
    if (data === undefined) continue;
    const tlsDisable = data.tls_disable ?? false;
    if (!tlsDisable) {
      for (const key of ['tls_cert_file', 'tls_key_file'] as const) {
        if (data[key] === undefined) {
          report.issue(context, b.position, `${key} must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)`);
        }
      }
    }
    const size = data.max_request_size;
    const maxRequestDuration = data.max_request_duration ?? defaultMaxRequestDuration;
    listeners.push({
      type: 'tcp',
      address: data.address ?? DEFAULT_LISTENER_ADDRESS,
      tlsDisable,
      ...(data.tls_cert_file !== undefined ? { tlsCertFile: data.tls_cert_file } : {}),
      ...(data.tls_key_file !== undefined ? { tlsKeyFile: data.tls_key_file } : {}),
      ...(data.tls_min_version !== undefined ? { tlsMinVersion: data.tls_min_version } : {}),
      // Vault: 0 (or unset) means the default, a negative value means no limit.
      maxRequestSize: size === undefined || size === 0 ? DEFAULT_MAX_REQUEST_SIZE : size < 0 ? -1 : size,
      ...(maxRequestDuration !== undefined && maxRequestDuration > 0 ? { maxRequestDuration } : {}),
    });
  }
  if (found.length === 0) {
    report.issue('listener', undefined, 'at least one "listener" block is required, such as listener "tcp" { address = "127.0.0.1:8200" }');
  }
  return listeners;
}

function parseStorage(doc: HclObject, report: Report, env: Environment): StorageConfig | undefined {
  const storage = report.blocks(doc, 'storage');
  const backend = report.blocks(doc, 'backend');
  if (storage === undefined || backend === undefined) return undefined;
  if (storage.length > 0 && backend.length > 0) {
    report.issue('backend', positionOf(doc, 'backend'), '"backend" is an old name for "storage"; give only one of them');
    return undefined;
  }
  const kind = storage.length > 0 ? 'storage' : 'backend';
  const all = storage.length > 0 ? storage : backend;
  const [first, second] = all;
  if (first === undefined) {
    report.issue('storage', undefined, 'a storage backend must be specified, such as storage "sqlite" { path = "/var/lib/coffer/coffer.db" }');
    return undefined;
  }
  if (second !== undefined) {
    const another = formatPosition(second.position);
    report.issue(kind, first.position, `only one "${kind}" block is permitted${another === undefined ? '' : ` (another one at ${another})`}`);
    return undefined;
  }
  const type = first.labels[0] ?? '';
  const context = describeBlock(kind, first.labels);
  switch (type) {
    case 'inmem':
      report.ignored(first.body, knownKeys(inmemStorageSchema), context);
      return { type: 'inmem' };
    case 'sqlite': {
      report.ignored(first.body, knownKeys(sqliteStorageSchema), context);
      const data = report.validate(sqliteStorageSchema, first.body, context);
      if (data === undefined) return undefined;
      if (data.path === undefined) {
        report.issue(context, first.position, 'path is required (the SQLite database file)');
        return undefined;
      }
      return { type: 'sqlite', path: data.path };
    }
    case 'postgresql': {
      report.ignored(first.body, knownKeys(postgresqlStorageSchema), context);
      const data = report.validate(postgresqlStorageSchema, first.body, context);
      if (data === undefined) return undefined;
      // As Vault: the environment variable wins over the file.
      const connectionUrl = nonEmpty(env.VAULT_PG_CONNECTION_URL) ?? data.connection_url;
      if (connectionUrl === undefined) {
        report.issue(context, first.position, 'connection_url is required (or set VAULT_PG_CONNECTION_URL)');
        return undefined;
      }
      return { type: 'postgresql', connectionUrl, ...(data.table !== undefined ? { table: data.table } : {}) };
    }
    default:
      report.issue(
        context,
        first.position,
        'storage type not supported by Coffer; use "sqlite" (embedded), "postgresql" (several nodes) or "inmem" (tests)',
      );
      return undefined;
  }
}

function parseSeal(doc: HclObject, report: Report): SealConfig | undefined {
  const [first, second] = report.blocks(doc, 'seal') ?? [];
  if (first === undefined) return undefined;
  if (second !== undefined) {
    const another = formatPosition(second.position);
    report.issue('seal', first.position, `only one "seal" block is supported by Coffer${another === undefined ? '' : ` (another one at ${another})`}`);
    return undefined;
  }
  return { type: first.labels[0] ?? '', options: { ...first.body } };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value === undefined || value <= 0 ? fallback : value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses and validates a server config given as text (HCL or JSON). `sourceName` (a file
 * path) is used in messages. Throws a `UserError` listing every problem found.
 */
export function parseServerConfig(text: string, sourceName?: string, options: ParseServerConfigOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const doc = parseHclOrJson(text, sourceName === undefined ? {} : { sourceName });
  const report = new Report(sourceName);

  const top = report.validate(topLevelSchema, doc, undefined);
  const topKnown = knownKeys(topLevelSchema);
  for (const key of Object.keys(doc)) {
    if (topKnown.has(key) || BLOCK_KEYS.has(key)) continue;
    const where = report.where(positionOf(doc, key));
    report.warnings.push(
      VAULT_FIELDS_NOT_SUPPORTED.has(key)
        ? `field ${JSON.stringify(key)} is not supported by Coffer and is ignored${where}`
        : `unknown or unsupported field ${JSON.stringify(key)} found in configuration${where}`,
    );
  }

  const listeners = parseListeners(doc, report, top?.default_max_request_duration);
  const storage = parseStorage(doc, report, env);
  const seal = parseSeal(doc, report);

  // Vault: 0 (or unset) means the default; the default may not exceed the maximum.
  const defaultLeaseTtl = positiveOr(top?.default_lease_ttl, DEFAULT_LEASE_TTL_SECONDS);
  const maxLeaseTtl = positiveOr(top?.max_lease_ttl, DEFAULT_LEASE_TTL_SECONDS);
  if (top !== undefined && defaultLeaseTtl > maxLeaseTtl) {
    const hint = top.default_lease_ttl ? '' : ` (default_lease_ttl defaults to ${formatDuration(DEFAULT_LEASE_TTL_SECONDS)}; set it as well)`;
    report.issue(
      'default_lease_ttl',
      positionOf(doc, 'default_lease_ttl') ?? positionOf(doc, 'max_lease_ttl'),
      `${formatDuration(defaultLeaseTtl)} must not be greater than max_lease_ttl (${formatDuration(maxLeaseTtl)})${hint}`,
    );
  }

  if (report.issues.length > 0 || top === undefined || storage === undefined) {
    const where = sourceName === undefined ? '' : ` in ${sourceName}`;
    throw new UserError(`invalid configuration${where}: ${report.issues.join('; ')}`, { details: report.issues });
  }

  const apiAddr = nonEmpty(env.COFFER_API_ADDR) ?? nonEmpty(env.VAULT_API_ADDR) ?? top.api_addr;
  return {
    listeners,
    storage,
    ...(seal !== undefined ? { seal } : {}),
    defaultLeaseTtl,
    maxLeaseTtl,
    ui: top.ui ?? false,
    ...(apiAddr !== undefined ? { apiAddr } : {}),
    ...(top.cluster_addr !== undefined ? { clusterAddr: top.cluster_addr } : {}),
    ...(top.cluster_name !== undefined ? { clusterName: top.cluster_name } : {}),
    disableMlock: top.disable_mlock ?? false,
    ...(top.log_level !== undefined ? { logLevel: top.log_level } : {}),
    ...(top.plugin_directory !== undefined ? { pluginDirectory: top.plugin_directory } : {}),
    raw: doc,
    warnings: report.warnings,
  };
}

/** Reads and parses a config file (HCL, or JSON when it starts with `{`). */
export async function loadServerConfig(path: string, options: ParseServerConfigOptions = {}): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory (give the path of a config file)'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read it (${code ?? 'unknown error'})`;
    throw new UserError(`error loading configuration from ${path}: ${reason}`, { cause: err });
  }
  return parseServerConfig(text, path, options);
}
