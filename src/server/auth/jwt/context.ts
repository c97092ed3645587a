/**
 * The per-mount state of a jwt/oidc backend: the stored configuration (cached, reset on
 * write, like the plugin's `b.reset()`), the key set and provider metadata built from it,
 * and the pending OIDC browser logins (state → nonce, PKCE verifier, role…), which live in
 * memory only and expire quickly, as in Vault.
 */
import { randomBytes } from 'node:crypto';
import { getJson, type Storage } from '../../sdk/index.js';
import { fetchDiscovery, RemoteKeySet, StaticKeySet, type KeySet, type ProviderMetadata } from './keys.js';

export const CONFIG_KEY = 'config';

export interface JwtConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  oidc_client_id: string;
  oidc_client_secret: string;
  oidc_response_mode: string;
  oidc_response_types: string[];
  jwks_url: string;
  jwks_ca_pem: string;
  jwt_validation_pubkeys: string[];
  jwt_supported_algs: string[];
  bound_issuer: string;
  default_role: string;
  namespace_in_state: boolean;
}

export type AuthType = 'static' | 'jwks' | 'discovery' | 'oidc-flow';

/** The plugin's `authType()`: which key source the configuration uses. */
export function authType(config: JwtConfig): AuthType {
  if (config.jwt_validation_pubkeys.length > 0) return 'static';
  if (config.jwks_url !== '') return 'jwks';
  if (config.oidc_client_id !== '' && config.oidc_client_secret !== '') return 'oidc-flow';
  return 'discovery';
}

export interface JwtBackendOptions {
  /** Milliseconds since the epoch (tests move it by hand). */
  now?: () => number;
  /** Minimum time between two JWKS fetches triggered by unknown keys (default 10 s). */
  jwksMinRefreshMs?: number;
  /** Cached JWKS older than this are refetched before use (default 10 min). */
  jwksMaxAgeMs?: number;
  /** Timeout of every request to a provider (default 10 s). */
  httpTimeoutMs?: number;
  /** Lifetime of a pending OIDC login (default 10 min, as in Vault). */
  oidcStateTtlMs?: number;
  /** Pending OIDC logins kept at most; the oldest are dropped first (default 10 000). */
  maxPendingOidcRequests?: number;
}

export interface ResolvedOptions {
  now: () => number;
  jwksMinRefreshMs: number;
  jwksMaxAgeMs: number;
  httpTimeoutMs: number;
  oidcStateTtlMs: number;
  maxPendingOidcRequests: number;
}

export function resolveOptions(options: JwtBackendOptions = {}): ResolvedOptions {
  return {
    now: options.now ?? Date.now,
    jwksMinRefreshMs: options.jwksMinRefreshMs ?? 10_000,
    jwksMaxAgeMs: options.jwksMaxAgeMs ?? 10 * 60_000,
    httpTimeoutMs: options.httpTimeoutMs ?? 10_000,
    oidcStateTtlMs: options.oidcStateTtlMs ?? 10 * 60_000,
    maxPendingOidcRequests: options.maxPendingOidcRequests ?? 10_000,
  };
}

/** One pending OIDC browser login, keyed by its `state`. */
export interface OidcRequest {
  state: string;
  nonce: string;
  role: string;
  redirectUri: string;
  clientNonce: string;
  codeVerifier: string;
  expiresAt: number;
}

export function randomToken(bytes = 20): string {
  return randomBytes(bytes).toString('base64url');
}

/** Pending OIDC logins: bounded, expiring, each usable once. */
export class OidcRequestStore {
  private readonly pending = new Map<string, OidcRequest>();

  constructor(private readonly options: ResolvedOptions) {}

  create(fields: Omit<OidcRequest, 'state' | 'nonce' | 'codeVerifier' | 'expiresAt'>): OidcRequest {
    this.prune();
    while (this.pending.size >= this.options.maxPendingOidcRequests) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
    }
    const request: OidcRequest = {
      ...fields,
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: randomToken(32),
      expiresAt: this.options.now() + this.options.oidcStateTtlMs,
    };
    this.pending.set(request.state, request);
    return request;
  }

  /** Removes and returns the request for `state`, or null when unknown or expired. */
  take(state: string): OidcRequest | null {
    const request = this.pending.get(state);
    if (!request) return null;
    this.pending.delete(state);
    return request.expiresAt > this.options.now() ? request : null;
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
  }

  private prune(): void {
    const now = this.options.now();
    for (const [state, request] of this.pending) if (request.expiresAt <= now) this.pending.delete(state);
  }
}

export class JwtBackendState {
  readonly requests: OidcRequestStore;
  private config: JwtConfig | null | undefined;
  private keys: Promise<KeySet> | null = null;
  private providerMetadata: Promise<ProviderMetadata> | null = null;
  private providerRetryAt: number | null = null;
  private generation = 0;

  constructor(readonly options: ResolvedOptions) {
    this.requests = new OidcRequestStore(options);
  }

  async getConfig(storage: Storage): Promise<JwtConfig | null> {
    if (this.config !== undefined) return this.config;
    const generation = this.generation;
    const stored = await getJson<Partial<JwtConfig>>(storage, CONFIG_KEY);
    const config = stored ? normalizeConfig(stored) : null;
    // A read that raced a config write must not cache what it read before the write.
    if (generation === this.generation) this.config = config;
    return config;
  }

  /** Drops everything derived from the configuration (after a config write). */
  reset(): void {
    this.generation++;
    this.config = undefined;
    this.keys = null;
    this.providerMetadata = null;
    this.providerRetryAt = null;
  }

  /**
   * The discovery document of an `oidc_discovery_url` configuration, cached once fetched.
   * A failure is remembered for `jwksMinRefreshMs`, so unauthenticated logins cannot make
   * the server call an unreachable provider on every request.
   */
  provider(config: JwtConfig): Promise<ProviderMetadata> {
    if (config !== this.config) return fetchDiscovery(config.oidc_discovery_url, this.discoveryOptions(config));
    if (this.providerMetadata && this.providerRetryAt !== null && this.options.now() >= this.providerRetryAt) {
      this.providerMetadata = null;
      this.providerRetryAt = null;
    }
    if (!this.providerMetadata) {
      const pending = fetchDiscovery(config.oidc_discovery_url, this.discoveryOptions(config));
      this.providerMetadata = pending;
      pending.catch(() => {
        if (this.providerMetadata === pending) this.providerRetryAt = this.options.now() + this.options.jwksMinRefreshMs;
      });
    }
    return this.providerMetadata;
  }

  private discoveryOptions(config: JwtConfig): { ca?: string; timeoutMs: number } {
    return { ...(config.oidc_discovery_ca_pem !== '' ? { ca: config.oidc_discovery_ca_pem } : {}), timeoutMs: this.options.httpTimeoutMs };
  }

  /** The key set of the configuration (static keys, a JWKS URL, or the discovery JWKS). */
  keySet(config: JwtConfig): Promise<KeySet> {
    // Only the current configuration's key set is cached (a login may still hold an older one).
    if (config !== this.config) return this.buildKeySet(config);
    if (!this.keys) {
      const pending = this.buildKeySet(config);
      this.keys = pending;
      pending.catch(() => {
        if (this.keys === pending) this.keys = null;
      });
    }
    return this.keys;
  }

  private async buildKeySet(config: JwtConfig): Promise<KeySet> {
    const remote = { timeoutMs: this.options.httpTimeoutMs, minRefreshMs: this.options.jwksMinRefreshMs, maxAgeMs: this.options.jwksMaxAgeMs, now: this.options.now };
    switch (authType(config)) {
      case 'static':
        return new StaticKeySet(config.jwt_validation_pubkeys);
      case 'jwks':
        return new RemoteKeySet(config.jwks_url, { ...remote, ...(config.jwks_ca_pem !== '' ? { ca: config.jwks_ca_pem } : {}) });
      default: {
        const provider = await this.provider(config);
        return new RemoteKeySet(provider.jwks_uri, {
          ...remote,
          ...(config.oidc_discovery_ca_pem !== '' ? { ca: config.oidc_discovery_ca_pem } : {}),
        });
      }
    }
  }
}

export function normalizeConfig(stored: Partial<JwtConfig>): JwtConfig {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    oidc_discovery_url: str(stored.oidc_discovery_url),
    oidc_discovery_ca_pem: str(stored.oidc_discovery_ca_pem),
    oidc_client_id: str(stored.oidc_client_id),
    oidc_client_secret: str(stored.oidc_client_secret),
    oidc_response_mode: str(stored.oidc_response_mode),
    oidc_response_types: list(stored.oidc_response_types),
    jwks_url: str(stored.jwks_url),
    jwks_ca_pem: str(stored.jwks_ca_pem),
    jwt_validation_pubkeys: list(stored.jwt_validation_pubkeys),
    jwt_supported_algs: list(stored.jwt_supported_algs),
    bound_issuer: str(stored.bound_issuer),
    default_role: str(stored.default_role),
    namespace_in_state: stored.namespace_in_state === true,
  };
}
