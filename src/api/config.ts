/**
 * Client settings, resolved the way Vault's Go client (`api.DefaultConfig` + `ReadEnvironment`)
 * and CLI do: explicit option, then `COFFER_*`, then `VAULT_*`, then the default. The token
 * falls back to the token helper file `~/.vault-token`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AppError, parseDurationSeconds } from '../shared/index.js';

/** Vault's default address (TLS on localhost). */
export const DEFAULT_ADDRESS = 'https://127.0.0.1:8200';
/** Vault's default client timeout (60s). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** File the Vault CLI's default token helper reads and writes. */
export const TOKEN_FILE_NAME = '.vault-token';

export interface ClientOptions {
  /** Server address, e.g. `http://127.0.0.1:8200` (env `COFFER_ADDR`, `VAULT_ADDR`). */
  address?: string;
  /** Client token (env `COFFER_TOKEN`, `VAULT_TOKEN`, then `~/.vault-token`). `''` means no token. */
  token?: string;
  /** `X-Vault-Namespace` (env `COFFER_NAMESPACE`, `VAULT_NAMESPACE`). */
  namespace?: string;
  /** PEM file with the CA certificate(s) to trust (env `COFFER_CACERT`, `VAULT_CACERT`). */
  caCert?: string;
  /** Directory of PEM CA certificates (env `COFFER_CAPATH`, `VAULT_CAPATH`). */
  caPath?: string;
  /** PEM client certificate and key for TLS client auth (env `*_CLIENT_CERT`, `*_CLIENT_KEY`). */
  clientCert?: string;
  clientKey?: string;
  /** SNI name (env `*_TLS_SERVER_NAME`). */
  tlsServerName?: string;
  /** Disable TLS verification (env `*_SKIP_VERIFY`). */
  tlsSkipVerify?: boolean;
  /** Per-request timeout (env `*_CLIENT_TIMEOUT`, a duration such as `60s`). */
  timeoutMs?: number;
  /** Extra headers sent with every request (`X-Vault-*` names are rejected). */
  headers?: Record<string, string>;
  /**
   * Response-wrapping TTL sent as `X-Vault-Wrap-TTL` on every request (a duration string
   * such as `5m`, or seconds). Not read from the environment: the CLI's `-wrap-ttl` flag
   * (and `VAULT_WRAP_TTL`) sets it; library users opt in explicitly.
   */
  wrapTtl?: string | number;
  /** Environment to read defaults from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedConfig {
  baseUrl: URL;
  token: string | undefined;
  namespace: string | undefined;
  caCerts: string[] | undefined;
  clientCert: string | undefined;
  clientKey: string | undefined;
  tlsServerName: string | undefined;
  tlsSkipVerify: boolean;
  timeoutMs: number;
  headers: Record<string, string>;
  /** `X-Vault-Wrap-TTL` for every request, or `undefined`. */
  wrapTtl: string | undefined;
}

/** A wrap TTL as the header carries it: seconds or a duration string; empty or zero means none. */
export function normalizeWrapTtl(ttl: string | number | undefined): string | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl === 'number') {
    if (!Number.isFinite(ttl) || ttl < 0) throw configError(`invalid wrap TTL ${String(ttl)}: expected a positive number of seconds`);
    return ttl === 0 ? undefined : String(Math.floor(ttl));
  }
  const t = ttl.trim();
  return t === '' || t === '0' || t === '0s' ? undefined : t;
}

/** First non-empty value among `COFFER_<name>` and `VAULT_<name>`. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const key of [`COFFER_${name}`, `VAULT_${name}`]) {
    const v = env[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(value: string): boolean | undefined {
  switch (value) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

function configError(message: string, cause?: unknown): AppError {
  return new AppError('ERR_INVALID_REQUEST', message, cause === undefined ? undefined : { cause });
}

export function homeDirectory(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['HOME'] ?? env['USERPROFILE'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : homedir();
}

/** Path of the token helper file (`~/.vault-token`). */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(homeDirectory(env), TOKEN_FILE_NAME);
}

/** The token stored by the default token helper, or `undefined` (missing or unreadable file). */
export function readTokenFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const token = readFileSync(tokenFilePath(env), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

function parseAddress(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw configError(`invalid server address ${JSON.stringify(raw)}: expected a URL such as http://127.0.0.1:8200`, err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`invalid server address ${JSON.stringify(raw)}: only http:// and https:// are supported`);
  }
  url.search = '';
  url.hash = '';
  return url;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(`failed to read ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/** Every PEM certificate in a directory (like Go's `rootcerts.LoadCAPath`). */
function readCaPath(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw configError(`failed to read CA directory ${dir}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    const text = readPem(file, 'CA certificate');
    if (text.includes('-----BEGIN CERTIFICATE-----')) out.push(text);
  }
  if (out.length === 0) throw configError(`no PEM certificates found in CA directory ${dir}`);
  return out;
}

function resolveTimeout(options: ClientOptions, env: NodeJS.ProcessEnv): number {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  const raw = envValue(env, 'CLIENT_TIMEOUT');
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  try {
    const seconds = parseDurationSeconds(raw);
    return seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_MS;
  } catch (err) {
    throw configError(`invalid client timeout ${JSON.stringify(raw)}`, err);
  }
}

export function resolveConfig(options: ClientOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const address = options.address ?? envValue(env, 'ADDR') ?? DEFAULT_ADDRESS;
  const token = options.token !== undefined ? (options.token === '' ? undefined : options.token) : (envValue(env, 'TOKEN') ?? readTokenFile(env));

  const namespaceRaw = options.namespace ?? envValue(env, 'NAMESPACE');
  const namespace = namespaceRaw === undefined || namespaceRaw === '' ? undefined : namespaceRaw;

  const caCertFile = options.caCert ?? envValue(env, 'CACERT');
  const caPathDir = options.caPath ?? envValue(env, 'CAPATH');
  // As in Vault, the CA file takes precedence over the directory.
  const caCerts = caCertFile !== undefined ? [readPem(caCertFile, 'CA certificate')] : caPathDir !== undefined ? readCaPath(caPathDir) : undefined;

  const clientCertFile = options.clientCert ?? envValue(env, 'CLIENT_CERT');
  const clientKeyFile = options.clientKey ?? envValue(env, 'CLIENT_KEY');
  if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
    throw configError('both a client certificate and a client key are required for TLS client authentication');
  }

  let tlsSkipVerify = options.tlsSkipVerify;
  if (tlsSkipVerify === undefined) {
    const raw = envValue(env, 'SKIP_VERIFY');
    tlsSkipVerify = raw === undefined ? false : (parseGoBool(raw) ?? false);
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (/^x-vault-/i.test(name)) throw configError(`failed to set header ${name}: headers starting with 'X-Vault-' are for internal use only`);
    headers[name] = value;
  }

  return {
    baseUrl: parseAddress(address),
    token,
    namespace,
    caCerts,
    clientCert: clientCertFile === undefined ? undefined : readPem(clientCertFile, 'client certificate'),
    clientKey: clientKeyFile === undefined ? undefined : readPem(clientKeyFile, 'client key'),
    tlsServerName: options.tlsServerName ?? envValue(env, 'TLS_SERVER_NAME'),
    tlsSkipVerify,
    timeoutMs: resolveTimeout(options, env),
    headers,
    wrapTtl: normalizeWrapTtl(options.wrapTtl),
  };
}
