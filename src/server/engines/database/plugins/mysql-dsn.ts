/**
 * MySQL connection strings → mysql2 options. The native form is the Go driver's DSN that
 * Vault documents, `user:pass@tcp(host:3306)/db?param=value`, parsed the way
 * `go-sql-driver/mysql` `ParseDSN` does (the database starts after the LAST `/`, the
 * credentials end at the last `@` before it, the password starts at the first `:`; user and
 * password are taken literally). `mysql://user:pass@host:port/db` URLs are accepted too.
 */
import { UserError } from '../../../../shared/errors.js';

export interface MysqlTls {
  /** `true`: verify the server's chain; `false`: encrypt only. */
  verify: boolean;
}

export interface MysqlConnectionOptions {
  host?: string;
  port?: number;
  socketPath?: string;
  user: string;
  password: string;
  database?: string;
  charset?: string;
  connectTimeoutMs?: number;
  /** From the DSN's `tls` parameter; undefined = plain connection. */
  tls?: MysqlTls;
}

const DEFAULT_PORT = 3306;

function invalid(reason: string): UserError {
  return new UserError(`invalid connection_url: ${reason}`);
}

/** Go's `time.ParseDuration` subset the driver's `timeout` takes, in milliseconds. */
function parseGoDurationMs(text: string, key: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null || m[1] === undefined || m[2] === undefined) throw invalid(`invalid ${key} duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * (units[m[2]] ?? 0);
    at = re.lastIndex;
  }
  if (text === '') throw invalid(`invalid ${key} duration ""`);
  return Math.round(total);
}

function queryUnescape(value: string, key: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalid(`invalid value for ${key}`);
  }
}

function applyParams(out: MysqlConnectionOptions, query: string): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw invalid('invalid DSN: did you forget to escape a param value?');
    const key = pair.slice(0, eq);
    const value = queryUnescape(pair.slice(eq + 1), key);
    switch (key) {
      case 'tls': {
        const lower = value.toLowerCase();
        if (['true', '1', 't'].includes(lower)) out.tls = { verify: true };
        else if (lower === 'skip-verify') out.tls = { verify: false };
        else if (['false', '0', 'f', 'preferred', ''].includes(lower)) delete out.tls;
        // Any other name refers to a TLS config registered in the driver: the plugin's
        // tls_* settings provide it.
        else out.tls = { verify: true };
        break;
      }
      case 'charset':
        // The Go driver takes a comma-separated preference list; mysql2 takes one.
        out.charset = value.split(',')[0] ?? value;
        break;
      case 'timeout':
        out.connectTimeoutMs = parseGoDurationMs(value, 'timeout');
        break;
      default:
        // Other driver options (parseTime, loc, …) do not apply here.
        break;
    }
  }
}

function splitHostPort(addr: string): { host: string; port: number } {
  const v6 = /^\[(.*)\](?::(\d*))?$/.exec(addr);
  let host = addr;
  let portText: string | undefined;
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2];
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon >= 0 && addr.indexOf(':') === colon) {
      host = addr.slice(0, colon);
      portText = addr.slice(colon + 1);
    }
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw invalid(`invalid port ${JSON.stringify(portText)}`);
    }
    port = Number(portText);
  }
  return { host: host === '' ? '127.0.0.1' : host, port };
}

function parseGoDsn(dsn: string): MysqlConnectionOptions {
  const out: MysqlConnectionOptions = { user: '', password: '' };
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) throw invalid('invalid DSN: missing the slash separating the database name');
  let net = '';
  let addr = '';
  if (slash > 0) {
    const left = dsn.slice(0, slash);
    const at = left.lastIndexOf('@');
    let rest = left;
    if (at >= 0) {
      const credentials = left.slice(0, at);
      const colon = credentials.indexOf(':');
      if (colon >= 0) {
        out.user = credentials.slice(0, colon);
        out.password = credentials.slice(colon + 1);
      } else {
        out.user = credentials;
      }
      rest = left.slice(at + 1);
    }
    const paren = rest.indexOf('(');
    if (paren >= 0) {
      if (!rest.endsWith(')')) {
        throw invalid(
          rest.slice(paren + 1).includes(')')
            ? 'invalid DSN: did you forget to escape a param value?'
            : 'invalid DSN: network address not terminated (missing closing brace)',
        );
      }
      addr = rest.slice(paren + 1, -1);
      net = rest.slice(0, paren);
    } else {
      net = rest;
    }
  }
  const tail = dsn.slice(slash + 1);
  const question = tail.indexOf('?');
  const dbPart = question >= 0 ? tail.slice(0, question) : tail;
  if (question >= 0) applyParams(out, tail.slice(question + 1));
  let database: string;
  try {
    database = decodeURIComponent(dbPart);
  } catch {
    throw invalid('invalid database name');
  }
  if (database !== '') out.database = database;

  if (net === '') net = 'tcp';
  if (net === 'unix') {
    out.socketPath = addr === '' ? '/tmp/mysql.sock' : addr;
  } else if (net === 'tcp' || net === 'tcp4' || net === 'tcp6') {
    const { host, port } = splitHostPort(addr === '' ? `127.0.0.1:${DEFAULT_PORT}` : addr);
    out.host = host;
    out.port = port;
  } else {
    throw invalid(`unsupported network ${JSON.stringify(net)} (use tcp(host:port) or unix(/path))`);
  }
  return out;
}

function parseMysqlUrl(connection: string): MysqlConnectionOptions {
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw invalid('not a valid mysql:// URL (special characters in the credentials must be escaped)');
  }
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw invalid(`the ${what} is not validly percent-encoded`);
    }
  };
  const out: MysqlConnectionOptions = { user: decode(url.username, 'user name'), password: decode(url.password, 'password') };
  const { host, port } = splitHostPort(url.host);
  out.host = host;
  out.port = port;
  const database = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (database !== '') out.database = database;
  if (url.search.length > 1) applyParams(out, url.search.slice(1));
  return out;
}

/** Parses a rendered connection string (credentials already substituted). */
export function parseMysqlConnection(connection: string): MysqlConnectionOptions {
  const trimmed = connection.trim();
  return /^(?:mysql|mariadb):\/\//i.test(trimmed) ? parseMysqlUrl(trimmed) : parseGoDsn(trimmed);
}

/** `host:port` (or the socket path) for messages. */
export function mysqlEndpoint(options: MysqlConnectionOptions): string {
  if (options.socketPath !== undefined) return options.socketPath;
  const host = options.host ?? '127.0.0.1';
  return `${host.includes(':') ? `[${host}]` : host}:${options.port ?? DEFAULT_PORT}`;
}
