/**
 * The request and response a backend sees. Engines and auth methods never see tokens,
 * policies or audit: the core pipeline handles those before and after the backend.
 */

export type Operation = 'read' | 'create' | 'update' | 'patch' | 'delete' | 'list' | 'help';

export const OPERATIONS: readonly Operation[] = ['read', 'create', 'update', 'patch', 'delete', 'list', 'help'];

/** A mount's storage view, confined to its own prefix. Keys are relative to the view. */
export interface Storage {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Direct children of `prefix`: leaf names, and folder names ending in `/`. Sorted. */
  list(prefix: string): Promise<string[]>;
  /** Atomic multi-key write: every op applies or none does. */
  transaction(ops: readonly StorageOp[]): Promise<void>;
}

export type StorageOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

/** What a backend may know about its mount and the server, without reaching into the core. */
export interface MountView {
  /** e.g. `secret/` or `auth/userpass/`. */
  readonly path: string;
  readonly type: string;
  readonly uuid: string;
  readonly accessor: string;
  readonly options: Readonly<Record<string, string>>;
  /** Effective TTLs in seconds: the mount's tuned value, else the system default. */
  defaultLeaseTtl(): number;
  maxLeaseTtl(): number;
  /**
   * The mount's tuned configuration as stored (e.g. `user_lockout_config`), read live.
   * Optional so hand-built views in tests need not supply it: read `mount.config?.() ?? {}`.
   */
  config?(): Readonly<Record<string, unknown>>;
}

export interface LogicalRequest {
  readonly id: string;
  readonly operation: Operation;
  /** Path relative to the mount, without a leading slash. */
  readonly path: string;
  /** Body (POST/PUT/PATCH) or query (GET/DELETE/LIST), untyped; handlers read typed `fields` instead. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly remoteAddr: string;
  readonly storage: Storage;
  readonly mount: MountView;
  /** The requesting token's display name (`token`, `userpass-bob`…); unset without a token. */
  readonly displayName?: string;
  /** Set when the request came over PATCH. */
  readonly contentType?: string;
  /** Aborted when the client goes away or the server shuts down. */
  readonly signal?: AbortSignal;
}

/** The `auth` block of a response that created a token (logins, token create). */
export interface ResponseAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies?: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/**
 * What a credential backend's login handler returns. The core — never the backend —
 * finds or creates the identity entity for the alias, creates the token and answers with
 * Vault's `auth` block.
 */
export interface LoginAuth {
  /** Token policies; `default` is added by the core unless `noDefaultPolicy`. */
  policies: readonly string[];
  /** Token metadata (shown in `auth.metadata`), e.g. `{ username: 'bob' }`. */
  metadata?: Readonly<Record<string, string>>;
  /** The method's part of the display name (`bob`); the core prefixes the mount (`userpass-bob`). */
  displayName: string;
  /** The identity alias: its name (username, role_id, SA uid…) and metadata for templated policies. */
  alias: { name: string; metadata?: Readonly<Record<string, string>> };
  /** Seconds; 0/undefined = the mount's default. */
  ttl?: number;
  maxTtl?: number;
  explicitMaxTtl?: number;
  period?: number;
  numUses?: number;
  /** Default true. */
  renewable?: boolean;
  boundCidrs?: readonly string[];
  /** `default` (or unset) follows the mount's token_type tune. */
  tokenType?: 'default' | 'service' | 'batch' | 'default-service' | 'default-batch';
  noDefaultPolicy?: boolean;
  /** Names of external groups the login belongs to (jwt groups_claim). */
  groupAliases?: readonly string[];
}

/**
 * A leased secret in a response (dynamic database credentials, PKI certificates…). The
 * core registers the lease and answers with `lease_id`/`lease_duration`/`renewable`;
 * `internalData` is stored with the lease and handed back to the backend's `renew` and
 * `revoke`, never to the client.
 */
export interface LeaseSecret {
  /** Names the backend's `SecretKind` that renews and revokes it. */
  kind: string;
  /** Seconds; 0 = the kind's or mount's default. */
  ttl: number;
  /** Seconds from issue; 0 = the kind's or mount's maximum. */
  maxTtl?: number;
  renewable: boolean;
  internalData: Readonly<Record<string, unknown>>;
}

export interface LogicalResponse {
  /** A leased secret: the core registers a lease for it. */
  secret?: LeaseSecret;
  /** Set by credential backends on a successful login. */
  login?: LoginAuth;
  /** Set by the token backend (and, later, by the core for logins). */
  auth?: ResponseAuth;
  /** `null` on read means 404. */
  data?: Record<string, unknown> | null;
  warnings?: string[];
  /**
   * `lease_duration`: KV v1's passthrough `ttl`, or the granted TTL of a lease. Backends
   * issuing leased secrets set `secret`; the core fills `leaseId`/`leaseDuration`/`renewable`.
   */
  leaseDuration?: number;
  /** `lease_id` of the envelope (set by the core when it registered a lease, and by sys/leases/renew). */
  leaseId?: string;
  /** `renewable` of the envelope. */
  renewable?: boolean;
  /**
   * Overrides the HTTP status: KV v2 answers 404 with a full envelope for a deleted
   * version, sys/leases/revoke answers 202, and so on.
   */
  httpStatus?: number;
  /**
   * A response that is not wrapped in Vault's envelope (sys/init, sys/health, …):
   * the body is sent as JSON as it is; with `contentType`, a string or Uint8Array body is
   * sent unchanged (PEM, DER, Prometheus text).
   */
  raw?: { status: number; body: unknown; contentType?: string };
}

export function isResponse(value: unknown): value is LogicalResponse {
  return typeof value === 'object' && value !== null;
}
