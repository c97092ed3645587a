/**
 * The typed Vault-compatible HTTP client. `request` is the raw exchange (never throws for an
 * HTTP status); `read`/`write`/`list`/`delete`/`patch` follow the Go client's `Logical()`
 * semantics (a 404 without data is "no value", not an error, for read and list); `sys` and
 * `kv` are typed helpers on top.
 */
import { ApiError, redactUrl } from './errors.js';
import { normalizeWrapTtl, resolveConfig, type ClientOptions, type ResolvedConfig } from './config.js';
import { createAuthApi, type AuthApi } from './auth-token.js';
import { Transport, type RawResponse } from './transport.js';
import { createKvApi, type KvApi, type KvMountInfo } from './kv.js';
import { createSysApi, type SysApi } from './sys.js';
import { isObject, parseSecret, type JsonObject, type Secret } from './types.js';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  /** JSON-encoded request body. */
  body?: unknown;
  query?: QueryParams;
  headers?: Record<string, string>;
  /**
   * `X-Vault-Wrap-TTL` for this request (a duration string or seconds). Overrides the
   * client's default; `''` or `0` sends none even when the client has one.
   */
  wrapTtl?: string | number;
  /** The token for this request instead of the client's (`''` sends none). */
  token?: string;
}

export type ApiResponse = RawResponse;

/** The request methods the typed helpers build on. */
export interface CoreApi {
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** GET; `null` when there is nothing there (404 without data or warnings, or an empty body). */
  read(path: string, query?: QueryParams): Promise<Secret | null>;
  /** PUT with a JSON body; `null` for 204. */
  write(path: string, data?: JsonObject): Promise<Secret | null>;
  /** GET `?list=true` (as the Go client sends it); `null` when there is nothing to list. */
  list(path: string): Promise<Secret | null>;
  /** DELETE; `null` for 204. */
  delete(path: string, query?: QueryParams): Promise<Secret | null>;
  /** PATCH with `Content-Type: application/merge-patch+json`. */
  patch(path: string, data: JsonObject): Promise<Secret | null>;
  /** Throws the `ApiError` for a non-2xx/3xx response to `method path[?query]`. */
  ensureOk(method: string, path: string, res: ApiResponse, query?: QueryParams): void;
  /** Whether a token will be sent (the token itself is not exposed). */
  readonly hasToken: boolean;
  /** Whether `token` is the token this client sends (compared without exposing it). */
  usesToken(token: string): boolean;
}

export interface Client extends CoreApi {
  /** The server address in use (credentials stripped). */
  readonly address: string;
  readonly namespace: string | undefined;
  setToken(token: string | undefined): void;
  /** The default `X-Vault-Wrap-TTL` for every request (`undefined`, `''` or `0`: none). */
  setWrapTtl(ttl: string | number | undefined): void;
  readonly sys: SysApi;
  /** `auth/token/*`: create, look up, renew and revoke tokens. */
  readonly auth: AuthApi;
  readonly kv: KvApi;
  /** `GET sys/internal/ui/mounts/<path>` → the KV mount and version (same as `kv.mountInfo`). */
  kvMountInfo(path: string): Promise<KvMountInfo>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

/** Encodes an API path (`secret/data/my key`) segment by segment, keeping `/`. */
export function encodeApiPath(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m)))
    .join('/');
}

/** `sys/health` and `/v1/sys/health` both name `/v1/sys/health`. */
export function apiPathOf(path: string): string {
  let p = path.replace(/^\/+/, '');
  if (p === 'v1' || p.startsWith('v1/')) p = p.slice(2).replace(/^\/+/, '');
  return p;
}

function appendQuery(url: URL, query: QueryParams | undefined): void {
  if (query === undefined) return;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) url.searchParams.append(key, v);
    else url.searchParams.append(key, String(value));
  }
}

function hasDataOrWarnings(secret: Secret | null): secret is Secret {
  return secret !== null && ((secret.warnings !== null && secret.warnings.length > 0) || (secret.data !== null && Object.keys(secret.data).length > 0));
}

class HttpClient implements Client {
  // Private fields (#) so the token never shows up in JSON.stringify or util.inspect output.
  #token: string | undefined;
  #wrapTtl: string | undefined;
  readonly #config: ResolvedConfig;
  readonly #transport: Transport;
  readonly sys: SysApi;
  readonly kv: KvApi;
  readonly auth: AuthApi;

  constructor(config: ResolvedConfig) {
    this.#config = config;
    this.#token = config.token;
    this.#wrapTtl = config.wrapTtl;
    this.#transport = new Transport(config);
    this.sys = createSysApi(this);
    this.kv = createKvApi(this, this.sys);
    this.auth = createAuthApi(this);
  }

  get address(): string {
    return redactUrl(this.#config.baseUrl).replace(/\/$/, '');
  }

  get namespace(): string | undefined {
    return this.#config.namespace;
  }

  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  setToken(token: string | undefined): void {
    this.#token = token === '' ? undefined : token;
  }

  usesToken(token: string): boolean {
    return this.#token !== undefined && this.#token === token;
  }

  setWrapTtl(ttl: string | number | undefined): void {
    this.#wrapTtl = normalizeWrapTtl(ttl);
  }

  private url(path: string, query?: QueryParams): URL {
    const url = new URL(this.#config.baseUrl.toString());
    const base = url.pathname.replace(/\/+$/, '');
    url.pathname = `${base}/v1/${encodeApiPath(apiPathOf(path))}`;
    appendQuery(url, query);
    return url;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = {
      ...this.#config.headers,
      'X-Vault-Request': 'true',
      Accept: 'application/json',
    };
    const token = options.token !== undefined ? (options.token === '' ? undefined : options.token) : this.#token;
    if (token !== undefined) headers['X-Vault-Token'] = token;
    if (this.#config.namespace !== undefined) headers['X-Vault-Namespace'] = this.#config.namespace;
    const wrapTtl = options.wrapTtl !== undefined ? normalizeWrapTtl(options.wrapTtl) : this.#wrapTtl;
    if (wrapTtl !== undefined) headers['X-Vault-Wrap-TTL'] = wrapTtl;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    Object.assign(headers, options.headers ?? {});
    return this.#transport.send({ method, url, headers, ...(body === undefined ? {} : { body }) });
  }

  ensureOk(method: string, path: string, res: ApiResponse, query?: QueryParams): void {
    if (res.status >= 200 && res.status < 400) return;
    throw this.errorFor(method, this.url(path, query), res);
  }

  private errorFor(method: string, url: URL, res: ApiResponse): ApiError {
    const shown = redactUrl(url);
    const ns = res.headers['x-vault-namespace'];
    const nsPart = typeof ns === 'string' && ns !== '' ? { namespace: ns } : {};
    if (isObject(res.body)) {
      const raw = res.body['errors'];
      const errors = Array.isArray(raw) ? raw.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
      return new ApiError({ status: res.status, errors, method, url: shown, ...nsPart });
    }
    return new ApiError({ status: res.status, errors: [res.text], method, url: shown, rawError: true, ...nsPart });
  }

  async read(path: string, query?: QueryParams): Promise<Secret | null> {
    const res = await this.request('GET', path, query === undefined ? {} : { query });
    if (res.status === 404) {
      const secret = safeParseSecret(res.body);
      return hasDataOrWarnings(secret) ? secret : null;
    }
    this.ensureOk('GET', path, res, query);
    return parseSecret(res.body);
  }

  async list(path: string): Promise<Secret | null> {
    const query = { list: 'true' };
    const res = await this.request('GET', path, { query });
    if (res.status === 404) {
      const secret = safeParseSecret(res.body);
      return hasDataOrWarnings(secret) ? secret : null;
    }
    this.ensureOk('GET', path, res, query);
    return parseSecret(res.body);
  }

  async write(path: string, data?: JsonObject): Promise<Secret | null> {
    const res = await this.request('PUT', path, data === undefined ? {} : { body: data });
    this.ensureOk('PUT', path, res);
    return parseSecret(res.body);
  }

  async delete(path: string, query?: QueryParams): Promise<Secret | null> {
    const res = await this.request('DELETE', path, query === undefined ? {} : { query });
    this.ensureOk('DELETE', path, res, query);
    return parseSecret(res.body);
  }

  async patch(path: string, data: JsonObject): Promise<Secret | null> {
    const res = await this.request('PATCH', path, { body: data, headers: { 'Content-Type': 'application/merge-patch+json' } });
    this.ensureOk('PATCH', path, res);
    return parseSecret(res.body);
  }

  kvMountInfo(path: string): Promise<KvMountInfo> {
    return this.kv.mountInfo(path);
  }

  close(): void {
    this.#transport.close();
  }
}

function safeParseSecret(body: unknown): Secret | null {
  try {
    return parseSecret(body);
  } catch {
    return null;
  }
}

/**
 * Creates a client. Defaults come from the environment: `COFFER_ADDR`/`VAULT_ADDR`
 * (default `https://127.0.0.1:8200`), `COFFER_TOKEN`/`VAULT_TOKEN` then `~/.vault-token`,
 * `COFFER_CACERT`/`VAULT_CACERT`, `COFFER_CAPATH`/`VAULT_CAPATH`, `*_SKIP_VERIFY`,
 * `*_NAMESPACE`, `*_TLS_SERVER_NAME`, `*_CLIENT_CERT`/`*_CLIENT_KEY`, `*_CLIENT_TIMEOUT`.
 */
export function createClient(options: ClientOptions = {}): Client {
  return new HttpClient(resolveConfig(options));
}
