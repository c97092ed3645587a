/**
 * PostgreSQL connection strings → node-postgres client options. Accepts what Vault (pgx)
 * accepts in practice: `postgres://` / `postgresql://` URLs and libpq `key=value` strings.
 *
 * TLS follows libpq's `sslmode`: `disable`/`allow`/`prefer` (and no mode) connect without TLS,
 * `require` encrypts without verifying, `verify-ca` checks the chain, `verify-full` also the
 * host name. `sslrootcert`/`sslcert`/`sslkey` name PEM files, as in libpq. Parameters that
 * are not connection settings become server settings (`-c key=value`), as pgx sends unknown
 * parameters as run-time parameters.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../../../../shared/errors.js';

export interface PgConnectionOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  applicationName?: string;
  /** Seconds; undefined = the plugin's default. */
  connectTimeoutSeconds?: number;
  /** The `options` parameter as written (command-line options for the server session). */
  rawOptions?: string;
  /** Server settings sent at connect (`-c key=value …`). */
  serverSettings: Record<string, string>;
  /** `false` = plain TCP. */
  ssl: false | ConnectionOptions;
}

const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 5432;

const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** Keys that configure the connection itself rather than the server session. */
const CONNECTION_KEYS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'database',
  'user',
  'password',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslsni',
  'application_name',
  'connect_timeout',
  'options',
  'passfile',
  'target_session_attrs',
  'fallback_application_name',
]);

function invalid(reason: string): UserError {
  return new UserError(`invalid connection_url: ${reason}`);
}

/** Whether the string looks like a URL rather than a `key=value` list. */
export function isPostgresUrl(connection: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(connection.trim());
}

/** Parses a libpq `key=value` connection string (values may be single-quoted, `\` escapes). */
export function parseKeyValueDsn(dsn: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = dsn.length;
  const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (i < n && isSpace(dsn[i])) i++;
    if (i >= n) break;
    let key = '';
    while (i < n && dsn[i] !== '=' && !isSpace(dsn[i])) key += dsn[i++];
    while (i < n && isSpace(dsn[i])) i++;
    // Never echo the text: a malformed password would end up in the message.
    if (dsn[i] !== '=' || key === '') throw invalid('malformed key=value connection string (missing "=")');
    i++;
    while (i < n && isSpace(dsn[i])) i++;
    let value = '';
    if (dsn[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = dsn[i];
        if (c === '\\' && i + 1 < n) {
          value += dsn[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (c === "'") {
          closed = true;
          break;
        }
        value += c;
      }
      if (!closed) throw invalid('unterminated quoted string in connection info string');
    } else {
      while (i < n && !isSpace(dsn[i])) {
        if (dsn[i] === '\\' && i + 1 < n) {
          value += dsn[i + 1];
          i += 2;
          continue;
        }
        value += dsn[i++];
      }
    }
    out[key] = value;
  }
  return out;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`the ${what} is not validly percent-encoded`);
  }
}

function parseUrl(connection: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(connection.trim());
  } catch {
    // The URL may hold a password: say what is wrong, never echo it.
    throw invalid('not a valid postgres:// URL (special characters in the credentials must be escaped)');
  }
  const params: Record<string, string> = {};
  if (url.hostname !== '') params['host'] = decode(url.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (url.port !== '') params['port'] = url.port;
  if (url.username !== '') params['user'] = decode(url.username, 'user name');
  if (url.password !== '') params['password'] = decode(url.password, 'password');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '') params['dbname'] = decode(path, 'database name');
  for (const [key, value] of url.searchParams) params[key] = value;
  // Vault pins every URL connection to UTC so rendered times in custom statements agree.
  if (!('timezone' in params) && !('TimeZone' in params)) params['timezone'] = 'UTC';
  return params;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw invalid(`cannot read ${what} file ${JSON.stringify(path)}`);
  }
}

function sslOptions(params: Record<string, string>, host: string): false | ConnectionOptions {
  const mode = params['sslmode'] ?? 'prefer';
  if (!SSL_MODES.has(mode)) throw invalid(`unknown sslmode ${JSON.stringify(mode)}`);
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const ssl: ConnectionOptions = {};
  const ca = params['sslrootcert'];
  if (ca !== undefined && ca !== '') ssl.ca = readPem(ca, 'sslrootcert');
  const cert = params['sslcert'];
  if (cert !== undefined && cert !== '') ssl.cert = readPem(cert, 'sslcert');
  const key = params['sslkey'];
  if (key !== undefined && key !== '') ssl.key = readPem(key, 'sslkey');
  if (params['sslpassword'] !== undefined) ssl.passphrase = params['sslpassword'];
  if (mode === 'require') {
    ssl.rejectUnauthorized = false;
  } else {
    ssl.rejectUnauthorized = true;
    if (mode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
    else ssl.servername = host;
  }
  return ssl;
}

/** Parses a rendered connection string (credentials already substituted). */
export function parsePostgresConnection(connection: string): PgConnectionOptions {
  const params = isPostgresUrl(connection) ? parseUrl(connection) : parseKeyValueDsn(connection);
  if (!isPostgresUrl(connection) && Object.keys(params).length === 0) throw invalid('empty connection string');

  const host = (params['host'] ?? params['hostaddr'] ?? '') || DEFAULT_HOST;
  if (host.includes(',')) throw invalid('several hosts are not supported');
  if (host.startsWith('/')) throw invalid('unix socket directories are not supported; use a TCP host');
  const portText = params['port'] ?? '';
  let port = DEFAULT_PORT;
  if (portText !== '') {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw invalid(`invalid port ${JSON.stringify(portText)}`);
    }
    port = Number(portText);
  }

  const out: PgConnectionOptions = { host, port, serverSettings: {}, ssl: sslOptions(params, host) };
  if (params['user'] !== undefined) out.user = params['user'];
  if (params['password'] !== undefined) out.password = params['password'];
  const database = params['dbname'] ?? params['database'];
  if (database !== undefined && database !== '') out.database = database;
  if (params['application_name'] !== undefined) out.applicationName = params['application_name'];
  const timeout = params['connect_timeout'];
  if (timeout !== undefined && timeout !== '') {
    if (!/^\d+$/.test(timeout)) throw invalid(`invalid connect_timeout ${JSON.stringify(timeout)}`);
    out.connectTimeoutSeconds = Number(timeout);
  }
  for (const [key, value] of Object.entries(params)) {
    if (CONNECTION_KEYS.has(key)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) throw invalid(`invalid parameter name ${JSON.stringify(key)}`);
    out.serverSettings[key] = value;
  }
  if (params['options'] !== undefined && params['options'] !== '') out.rawOptions = params['options'];
  return out;
}

/** The startup `options` string: raw `options` first, then `-c key=value` per setting. */
export function pgOptionsString(options: Pick<PgConnectionOptions, 'rawOptions' | 'serverSettings'>): string | undefined {
  const parts: string[] = [];
  if (options.rawOptions !== undefined) parts.push(options.rawOptions);
  for (const [key, value] of Object.entries(options.serverSettings)) {
    // The server splits `options` on spaces; a backslash keeps one inside a value.
    parts.push(`-c ${key}=${value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`);
  }
  return parts.length === 0 ? undefined : parts.join(' ');
}

/** `host:port` for messages (`[::1]:5432` for IPv6). */
export function pgEndpoint(options: Pick<PgConnectionOptions, 'host' | 'port'>): string {
  return options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
}
