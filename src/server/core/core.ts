/**
 * The core: lifecycle (init, unseal, seal), the mount table and the request pipeline's
 * state. It composes subsystems handed to it; it creates no storage, HTTP or crypto
 * primitives of its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AppError,
  ConflictError,
  PermissionDeniedError,
  SealedError,
  UserError,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { createAuditBroker, type AuditBroker } from '../audit/index.js';
import type { Barrier } from '../barrier/index.js';
import type { ServerMetrics } from '../metrics/index.js';
import {
  createGenerateRootAttempt,
  createRekeyOperation,
  createShamirUnsealer,
  readSealConfig,
  rekeyCommitter,
  splitRootKey,
  writeSealConfig,
  type GenerateRootAttempt,
  type RekeyOperation,
  type SealConfig,
  type ShamirUnsealer,
} from '../seal/index.js';
import type { PhysicalStorage } from '../storage/physical.js';
import {
  createBackend,
  decodeJson,
  encodeJson,
  type BackendFactory,
  type BackendSpec,
  type LeaseSecret,
  type LoginAuth,
  type LogicalRequest,
  type MountView,
  type ResponseAuth,
  type Storage,
  type SystemView,
} from '../sdk/index.js';
import { createHash } from 'node:crypto';
import { createCubbyholeStore, cubbyholeBackend, cubbyholeRevokeHook, type CubbyholeStore } from '../cubbyhole/index.js';
import { createIdentityStore, identityBackend, type IdentityStore } from '../identity/index.js';
import { createWrappingService, type WrappingService } from '../wrapping/index.js';
import { EventBus, EventSubscriptions, type EventBusOptions, type EventPluginInfo } from '../events/index.js';
import { createPolicyStore, type Acl, type PolicyStore } from '../policy/index.js';
import { createPasswordPolicyStore, type PasswordPolicyStore } from '../passwords/index.js';
import { createExpirationManager, type ExpirationManager, type RegisterResult as LeaseGrant, type ResolvedKind } from '../leases/index.js';
import { aesGcmBatchCrypto, authBlock, createTokenStore, sanitizePolicies, tokenBackend, type TokenEntry, type TokenStore } from '../tokens/index.js';
import {
  MOUNT_TABLE_KEY,
  PROTECTED_MOUNT_PREFIXES,
  newMountEntry,
  type MountConfig,
  type MountEntry,
} from './mount-table.js';
import { RateLimiter } from './rate-limits.js';
import {
  runPipeline,
  type IncomingRequest,
  type MountedBackend,
  type PipelineDeps,
  type PipelineResult,
  type RequestAuth,
} from './pipeline.js';
import { MountRouter } from './router.js';
import { clearPrefix, createStorageView } from './storage-view.js';
import { createSystemBackend, SYSTEM_PATHS_WHILE_SEALED } from './system/index.js';

export const SYSTEM_MAX_TTL = 768 * 3600;

export interface CoreOptions {
  physical: PhysicalStorage;
  barrier: Barrier;
  /** Secrets engine types by name (`kv`, …); the composition root supplies them. */
  backends: Readonly<Record<string, BackendFactory>>;
  /** Auth method types by name (`userpass`, `approle`, …), mounted under `auth/`. */
  authBackends?: Readonly<Record<string, BackendFactory>>;
  logger: Logger;
  /** Seconds. */
  defaultLeaseTtl?: number;
  maxLeaseTtl?: number;
  clusterName?: string;
  version: string;
  /** Served at sys/metrics when given. */
  metrics?: ServerMetrics;
  /** Unix ms for lease expiry (tests move time forward); default `Date.now`. */
  now?: () => number;
  /** Event bus limits (per-subscriber buffer) and how often subscribers' tokens are re-checked. */
  events?: EventBusOptions & { revalidateMs?: number };
}

export interface SealStatus {
  type: 'shamir';
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  recovery_seal: boolean;
  storage_type: string;
  cluster_name?: string;
  cluster_id?: string;
}

export interface MountRequest {
  /** `auth` for sys/auth (credential methods under auth/); `secret` (default) for sys/mounts. */
  kind?: 'secret' | 'auth';
  path: string;
  type: string;
  description?: string;
  config?: Partial<MountConfig>;
  options?: Record<string, string> | null;
  local?: boolean;
  sealWrap?: boolean;
  externalEntropyAccess?: boolean;
}

export interface TuneRequest {
  defaultLeaseTtl?: number;
  maxLeaseTtl?: number;
  description?: string;
  options?: Record<string, string>;
  config?: Partial<Omit<MountConfig, 'default_lease_ttl' | 'max_lease_ttl'>>;
}

interface ClusterInfo {
  name: string;
  id: string;
}

const CLUSTER_INFO_KEY = 'core/cluster/local/info';
const BATCH_KEY_PATH = 'core/batch-token-key';

export const KV_TYPE_ALIASES: Readonly<Record<string, { type: string; version: string }>> = {
  'kv-v1': { type: 'kv', version: '1' },
  'kv-v2': { type: 'kv', version: '2' },
};

export class Core {
  readonly logger: Logger;
  readonly version: string;
  private readonly physical: PhysicalStorage;
  private readonly barrier: Barrier;
  private readonly backends: Readonly<Record<string, BackendFactory>>;
  private readonly authBackends: Readonly<Record<string, BackendFactory>>;
  private readonly router = new MountRouter<MountedBackend>();
  /** What backends may ask of the server (password policies…); `sendEvent` is added per mount. */
  private readonly systemView: SystemView = {
    generatePasswordFromPolicy: (name) => this.passwordPolicies.generate(name),
  };
  /** Server events: engines publish after a committed change; sys/events/subscribe streams them. */
  readonly events: EventBus;
  readonly eventSubscriptions: EventSubscriptions;
  private readonly authContext = new Map<string, RequestAuth | null>();
  readonly tokens: TokenStore;
  readonly identity: IdentityStore;
  readonly policies: PolicyStore;
  readonly cubbyholes: CubbyholeStore;
  readonly wrapping: WrappingService;
  readonly audit: AuditBroker;
  readonly rateLimits: RateLimiter;
  /** Leases of the secrets engines' dynamic secrets: renewal, revocation, expiry. */
  readonly leases: ExpirationManager;
  /** `sys/policies/password`: the password generators engines may name. */
  readonly passwordPolicies: PasswordPolicyStore;
  private readonly now: () => number;
  readonly metrics: ServerMetrics | undefined;
  /** sys/generate-root and sys/rekey: key holders regenerate a root token or change the shares. */
  readonly generateRoot: GenerateRootAttempt;
  readonly rekey: RekeyOperation;
  /** Core-owned mounts besides sys/: identity/ (listed in sys/mounts) and auth/token/. */
  private internalMounts: MountedBackend[] = [];
  private batchKey: Uint8Array | null = null;
  private readonly systemMount: MountedBackend;
  /** The request pipeline's view of the core, built once (not per request). */
  private readonly pipelineDeps: PipelineDeps;
  /** Barrier views of the core's own subsystems, shared by their stores and their mounts. */
  private readonly views: { token: Storage; identity: Storage; cubbyhole: Storage };
  private mountTable: MountEntry[] = [];
  private unsealer: ShamirUnsealer | null = null;
  private sealConfig: SealConfig | null = null;
  private cluster: ClusterInfo | null = null;
  /** Serialises lifecycle changes (unseal, seal, mount table edits). */
  private lifecycle: Promise<unknown> = Promise.resolve();
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  private readonly clusterNameOption: string | undefined;

  constructor(options: CoreOptions) {
    this.now = options.now ?? Date.now;
    this.physical = options.physical;
    this.barrier = options.barrier;
    this.backends = options.backends;
    this.authBackends = options.authBackends ?? {};
    this.logger = options.logger;
    this.version = options.version;
    this.defaultLeaseTtl = options.defaultLeaseTtl ?? SYSTEM_MAX_TTL;
    this.maxLeaseTtl = options.maxLeaseTtl ?? SYSTEM_MAX_TTL;
    this.clusterNameOption = options.clusterName;
    this.metrics = options.metrics;
    this.events = new EventBus({
      ...options.events,
      onError: (err) => this.logger.error({ err }, 'event delivery failed'),
    });
    this.eventSubscriptions = new EventSubscriptions(
      this.events,
      {
        resolve: async (token, remoteAddr) => {
          if (this.barrier.sealed) return null;
          const entry = await this.tokens.lookup(token, { remoteAddr });
          if (!entry) return null;
          const { acl, disabled } = await this.aclFor(entry);
          return disabled ? null : { acl, owner: entry.hash };
        },
      },
      {
        ...(options.events?.revalidateMs !== undefined ? { revalidateMs: options.events.revalidateMs } : {}),
        onError: (err) => this.logger.warn({ err }, 'event subscriber revalidation failed'),
      },
    );
    this.generateRoot = createGenerateRootAttempt({
      isSealed: () => this.barrier.sealed,
      readSealConfig: () => this.loadSealConfig(),
      verifyRootKey: async (key) => this.barrier.verifyRootKey(key),
      createRootToken: () => this.tokens.createRootToken(),
    });
    this.rekey = createRekeyOperation({
      isSealed: () => this.barrier.sealed,
      readSealConfig: () => this.loadSealConfig(),
      verifyRootKey: async (key) => this.barrier.verifyRootKey(key),
      // The keyring and the new seal config are written in one transaction; the cached
      // config must follow, or the next unseal would expect the old threshold.
      commitRekey: rekeyCommitter(this.barrier, (config) => {
        this.sealConfig = config;
      }),
    });
    this.views = {
      token: createStorageView(this.barrier, 'sys/token/'),
      identity: createStorageView(this.barrier, 'sys/identity/'),
      cubbyhole: createStorageView(this.barrier, 'sys/cubbyhole/'),
    };
    this.tokens = createTokenStore(this.views.token, {
      // The batch-token key lives behind the barrier, so it is read lazily once unsealed.
      batchCrypto: {
        encrypt: async (plaintext) => aesGcmBatchCrypto(await this.loadBatchKey()).encrypt(plaintext),
        decrypt: async (sealed) => aesGcmBatchCrypto(await this.loadBatchKey()).decrypt(sealed),
      },
      systemDefaultTtl: this.defaultLeaseTtl,
      systemMaxTtl: this.maxLeaseTtl,
      tokenMountTune: () => {
        const entry = this.internalMounts.find((m) => m.entry.path === 'auth/token/')?.entry;
        return { defaultLeaseTtl: entry?.config.default_lease_ttl ?? 0, maxLeaseTtl: entry?.config.max_lease_ttl ?? 0 };
      },
      limitsForPath: (path) => {
        const match = this.router.match(path);
        return match ? this.effectiveTtls(match.value.entry) : null;
      },
      onError: (err, context) => this.logger.warn({ err, context }, 'token store background failure'),
    });
    this.identity = createIdentityStore(this.views.identity);
    this.policies = createPolicyStore(createStorageView(this.barrier, 'sys/policy/'), { logger: this.logger });
    // Event subscribers are judged by their current policies: re-check them on any change.
    this.policies.onChange(() => this.eventSubscriptions.policiesChanged());
    // Each token's cubbyhole (and with it any response wrapped into it) dies with the token.
    this.cubbyholes = createCubbyholeStore(this.views.cubbyhole);
    this.tokens.addRevokeHook(cubbyholeRevokeHook(this.cubbyholes));
    // A revoked token's event streams end at once.
    this.tokens.addRevokeHook(async (entry) => {
      this.eventSubscriptions.tokenRevoked(entry.hash);
    });
    this.passwordPolicies = createPasswordPolicyStore(createStorageView(this.barrier, 'sys/'));
    this.leases = createExpirationManager({
      storage: createStorageView(this.barrier, 'sys/expire/'),
      resolveKind: (accessor, kind) => this.resolveSecretKind(accessor, kind),
      logger: this.logger,
      now: this.now,
      tokenExists: async (hash) => (await this.tokens.lookupByHash(hash)) !== null,
      onRevoked: (lease, expired) => this.publishLeaseRevoked(lease.path, lease.lease_id, lease.mount_accessor, expired),
    });
    // A token's leases die with it (queued, as Vault does: revocation may be slow).
    this.tokens.addRevokeHook(async (entry) => {
      await this.leases.revokeByToken(entry.hash);
    });
    this.wrapping = createWrappingService({
      tokens: this.tokens,
      cubbyholes: this.cubbyholes,
      onError: (err) => this.logger.warn({ err }, 'wrapping token cleanup failed'),
    });
    this.rateLimits = new RateLimiter(createStorageView(this.barrier, 'sys/quotas/'));
    // The device table lives at core/audit and the salts under audit/, behind the barrier.
    this.audit = createAuditBroker({ storage: this.barrier, logger: this.logger });
    const systemEntry = newMountEntry({
      path: 'sys/',
      type: 'system',
      description: 'system endpoints used for control, policy and debugging',
    });
    systemEntry.accessor = `system_${systemEntry.accessor.split('_')[1] ?? ''}`;
    this.systemMount = this.mounted(
      systemEntry,
      createBackend(createSystemBackend(this, (requestId) => this.authContext.get(requestId) ?? null)),
      createStorageView(this.barrier, 'sys/'),
    );
    this.router.set('sys/', this.systemMount);
    const sealedSafe = (path: string): boolean => SYSTEM_PATHS_WHILE_SEALED.has(path.replace(/\/+$/, ''));
    this.pipelineDeps = {
      isSealed: () => this.barrier.sealed,
      route: (path) => this.router.match(path),
      lookupToken: (token, remoteAddr) => this.tokens.lookup(token, { remoteAddr }),
      aclFor: (entry) => this.aclFor(entry),
      useToken: (entry) => this.tokens.useToken(entry),
      revokeIfExhausted: (entry) => this.tokens.revokeIfExhausted(entry),
      wrapping: this.wrapping,
      completeLogin: (mount, requestPath, login) => this.completeLogin(mount, requestPath, login),
      registerLease: (mounted, requestPath, secret, token) => this.registerLease(mounted, requestPath, secret, token),
      checkRateLimit: (input) => this.rateLimits.check(input),
      allowedWhileSealed: sealedSafe,
      // As in Vault: lifecycle endpoints sit outside the audited router, and generate-root
      // and rekey bodies carry key shares.
      notAudited: (path) => sealedSafe(path) || path.startsWith('sys/generate-root/') || path.startsWith('sys/rekey/'),
      authContext: this.authContext,
      audit: this.audit,
    };
  }

  // ---- requests ---------------------------------------------------------------------

  handleRequest(incoming: IncomingRequest): Promise<PipelineResult> {
    return runPipeline(this.pipelineDeps, incoming);
  }

  // ---- lifecycle --------------------------------------------------------------------

  get sealed(): boolean {
    return this.barrier.sealed;
  }

  async isInitialized(): Promise<boolean> {
    return this.barrier.initialized();
  }

  /** `sys/init`: creates the root key, splits it, writes the keyring. The node stays sealed. */
  initialize(input: { secretShares: number; secretThreshold: number }): Promise<{ keys: Uint8Array[]; rootToken: string }> {
    return this.exclusive(async () => {
      if (await this.barrier.initialized()) throw new UserError('Vault is already initialized');
      const rootKey = new Uint8Array(randomBytes(32));
      // Validates shares/threshold before anything is written.
      const keys = await splitRootKey(rootKey, input.secretShares, input.secretThreshold);
      await this.barrier.initialize(rootKey);
      await writeSealConfig(this.physical, {
        type: 'shamir',
        secret_shares: input.secretShares,
        secret_threshold: input.secretThreshold,
        stored_shares: 0,
      });
      // The root token and cluster identity live behind the barrier: unseal briefly.
      await this.barrier.unseal(rootKey);
      let rootToken: string;
      try {
        this.cluster = {
          name: this.clusterNameOption ?? `coffer-cluster-${randomUUID().slice(0, 8)}`,
          id: randomUUID(),
        };
        await this.barrier.put(CLUSTER_INFO_KEY, encodeJson(this.cluster));
        await this.barrier.put(MOUNT_TABLE_KEY, encodeJson([]));
        rootToken = await this.tokens.createRootToken();
      } finally {
        this.barrier.seal();
        this.tokens.reset();
        rootKey.fill(0);
      }
      return { keys, rootToken };
    });
  }

  /** `sys/unseal`: one share at a time; unseals when the threshold is reached. */
  submitUnsealKey(share: Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      if (!this.barrier.sealed) return;
      const config = await this.loadSealConfig();
      if (!config) throw new UserError('Vault is not initialized');
      this.unsealer ??= createShamirUnsealer({ shares: config.secret_shares, threshold: config.secret_threshold });
      const result = await this.unsealer.submit(share);
      if (!result.rootKey) return;
      const rootKey = result.rootKey;
      try {
        await this.barrier.unseal(rootKey);
      } catch (err) {
        this.unsealer.reset();
        if (err instanceof AppError && err.code !== 'ERR_INTERNAL') throw new UserError('unseal failed, invalid key');
        throw err;
      } finally {
        rootKey.fill(0);
      }
      try {
        await this.postUnseal();
      } catch (err) {
        this.logger.error({ err }, 'post-unseal setup failed; sealing again');
        await this.teardown();
        throw err;
      }
    });
  }

  resetUnseal(): void {
    if (!this.barrier.sealed) throw new UserError('vault is unsealed');
    this.unsealer?.reset();
  }

  /** Unseals with the whole root-key share set at once (dev mode, tests). */
  async unsealWithKeys(keys: readonly Uint8Array[]): Promise<void> {
    for (const key of keys) await this.submitUnsealKey(key);
  }

  seal(): Promise<void> {
    return this.exclusive(() => this.teardown());
  }

  async sealStatus(): Promise<SealStatus> {
    const config = await this.loadSealConfig();
    const sealed = this.barrier.sealed;
    const status: SealStatus = {
      type: 'shamir',
      initialized: config !== null,
      sealed,
      t: config?.secret_threshold ?? 0,
      n: config?.secret_shares ?? 0,
      progress: sealed ? (this.unsealer?.progress ?? 0) : 0,
      nonce: sealed ? (this.unsealer?.nonce ?? '') : '',
      version: this.version,
      build_date: BUILD_DATE,
      migration: false,
      recovery_seal: false,
      storage_type: this.physical.type,
    };
    if (!sealed && this.cluster) {
      status.cluster_name = this.cluster.name;
      status.cluster_id = this.cluster.id;
    }
    return status;
  }

  clusterInfo(): ClusterInfo | null {
    return this.barrier.sealed ? null : this.cluster;
  }

  /** Creates a root token with a chosen id (dev mode's `-dev-root-token-id`). */
  createRootToken(id?: string): Promise<string> {
    if (this.barrier.sealed) throw new SealedError();
    return this.tokens.createRootToken(id);
  }

  async rotateKeyring(): Promise<void> {
    if (this.barrier.sealed) throw new SealedError();
    await this.barrier.rotate();
  }

  keyStatus(): { term: number; installTime: string; encryptions: number } {
    if (this.barrier.sealed) throw new SealedError();
    return this.barrier.keyStatus();
  }

  async close(): Promise<void> {
    await this.seal();
    await this.physical.close();
  }

  // ---- mounts -----------------------------------------------------------------------

  /** Secrets engine mounts (sys/, identity/ and user mounts); auth mounts are separate. */
  listMounts(): MountEntry[] {
    const secret = (e: MountEntry): boolean => !e.path.startsWith('auth/');
    return [this.systemMount.entry, ...this.internalMounts.map((m) => m.entry).filter(secret), ...this.mountTable.filter(secret)];
  }

  /** Auth method mounts (`auth/token/`, `auth/userpass/`, …); sys/auth shows them without `auth/`. */
  listAuthMounts(): MountEntry[] {
    const auth = (e: MountEntry): boolean => e.path.startsWith('auth/');
    return [...this.internalMounts.map((m) => m.entry).filter(auth), ...this.mountTable.filter(auth)];
  }

  getMount(path: string): MountEntry | null {
    if (path === 'sys/') return this.systemMount.entry;
    return (
      this.internalMounts.find((m) => m.entry.path === path)?.entry ?? this.mountTable.find((m) => m.path === path) ?? null
    );
  }

  /** The compiled ACL for a token: its policies ∪ its entity's, templated for its entity. */
  async aclFor(entry: TokenEntry): Promise<{ acl: Acl; disabled: boolean }> {
    if (!entry.entity_id) return { acl: await this.policies.aclFor(entry.policies), disabled: false };
    const entity = await this.identity.getEntity(entry.entity_id);
    if (entity?.disabled) return { acl: await this.policies.aclFor([]), disabled: true };
    const [identityPolicies, context] = await Promise.all([
      this.identity.policiesFor(entry.entity_id),
      this.identity.templateContext(entry.entity_id),
    ]);
    const acl = await this.policies.aclFor([...entry.policies, ...identityPolicies], context ?? undefined);
    return { acl, disabled: false };
  }

  /**
   * Turns a credential backend's login result into a token: finds or creates the identity
   * entity for the alias, then creates an orphan token from the issuing mount's TTLs.
   */
  async completeLogin(mount: MountEntry, requestPath: string, login: LoginAuth): Promise<{ auth: ResponseAuth; warnings: string[] }> {
    const requested = login.policies.map((p) => p.trim().toLowerCase());
    if (requested.includes('root')) throw new PermissionDeniedError('auth methods cannot create root tokens');
    const entity = await this.identity.upsertEntityForAlias({
      mountAccessor: mount.accessor,
      mountType: mount.type,
      mountPath: mount.path,
      name: login.alias.name,
      ...(login.alias.metadata ? { metadata: { ...login.alias.metadata } } : {}),
    });
    if (entity.disabled) throw new PermissionDeniedError();
    const mountName = mount.path.slice('auth/'.length).replace(/\/+$/, '').replace(/\//g, '-');
    const displayName = login.displayName ? `${mountName}-${login.displayName}` : mountName;
    const created = await this.tokens.createToken({
      policies: sanitizePolicies(requested, !login.noDefaultPolicy),
      parent: null,
      orphan: true,
      path: requestPath,
      displayName,
      meta: login.metadata ? { ...login.metadata } : null,
      type: resolveLoginTokenType(login.tokenType, mount.config.token_type),
      renewable: login.renewable ?? true,
      ttl: login.ttl ?? 0,
      maxTtl: login.maxTtl ?? 0,
      explicitMaxTtl: login.explicitMaxTtl ?? 0,
      period: login.period ?? 0,
      numUses: login.numUses ?? 0,
      limits: this.effectiveTtls(mount),
      entityId: entity.id,
      boundCidrs: login.boundCidrs ?? [],
    });
    const identityPolicies = await this.identity.policiesFor(entity.id);
    const auth = authBlock(created.entry, created.token, { leaseDuration: created.entry.lease_ttl, identityPolicies });
    return { auth, warnings: created.warnings };
  }

  /** Auth mounts whose method locks users out (for sys/locked-users). */
  lockoutMounts(): { entry: MountEntry; lockout: NonNullable<BackendSpec['lockout']> }[] {
    const out: { entry: MountEntry; lockout: NonNullable<BackendSpec['lockout']> }[] = [];
    for (const [path, mounted] of this.router.entries()) {
      const lockout = mounted.backend.spec.lockout;
      if (path.startsWith('auth/') && lockout) out.push({ entry: mounted.entry, lockout });
    }
    return out;
  }

  /** The ACL of the caller of `requestId`, for sys endpoints that judge paths themselves. */
  callerOf(requestId: string): RequestAuth | null {
    return this.authContext.get(requestId) ?? null;
  }

  /** The mount that serves `path` (longest prefix). */
  findMountFor(path: string): MountEntry | null {
    return this.router.match(path)?.value.entry ?? null;
  }

  mount(request: MountRequest): Promise<void> {
    return this.exclusive(async () => {
      this.requireUnsealed();
      const path = request.path;
      const isAuth = request.kind === 'auth';
      if (isAuth && !path.startsWith('auth/')) throw new UserError(`auth methods mount under auth/, not "${path}"`);
      for (const p of PROTECTED_MOUNT_PREFIXES) {
        // Auth methods live under auth/ (but never at auth/token/, the core's own).
        if (isAuth && p === 'auth/' && path !== 'auth/token/') continue;
        if (path.startsWith(p)) throw new PermissionDeniedError(`cannot mount "${path}"`);
      }
      const { type, options } = resolveMountType(request.type, request.options ?? null);
      if (!(isAuth ? this.authBackends : this.backends)[type]) throw new UserError(`plugin not found in the catalog: ${request.type}`);
      const conflict = this.router.conflict(path);
      if (conflict !== null) {
        throw new ConflictError(conflict === path ? `path is already in use at ${path}` : `existing mount at ${conflict}`);
      }
      this.validateTtls(request.config?.default_lease_ttl ?? 0, request.config?.max_lease_ttl ?? 0);
      const entry = newMountEntry({ ...request, type, options });
      // Vault names auth mount accessors auth_<type>_<hex> (templated policies quote them).
      if (isAuth) entry.accessor = `auth_${entry.accessor}`;
      const mounted = await this.instantiate(entry);
      await this.saveMountTable([...this.mountTable, entry]);
      this.router.set(entry.path, mounted);
    });
  }

  unmount(path: string, kind: 'secret' | 'auth' = 'secret'): Promise<void> {
    return this.exclusive(async () => {
      this.requireUnsealed();
      for (const p of PROTECTED_MOUNT_PREFIXES) {
        if (kind === 'auth' && p === 'auth/' && path !== 'auth/token/') continue;
        if (path.startsWith(p)) throw new UserError(`cannot unmount "${path}"`);
      }
      const entry = this.mountTable.find((m) => m.path === path);
      if (!entry) return;
      // Vault revokes a secrets engine's leases before disabling it, with the backend still
      // mounted to do the work; a failure leaves the mount in place.
      if (kind === 'secret') await this.leases.revokePrefix(path, { sync: true });
      const mounted = this.router.get(path);
      this.router.delete(path);
      // Disabling an auth method revokes every token it issued, as Vault does; the router
      // entry is gone, so no new login can race this. It walks the accessors (an admin operation).
      if (kind === 'auth') await this.revokeTokensIssuedUnder(path);
      await this.saveMountTable(this.mountTable.filter((m) => m !== entry));
      await mounted?.backend.spec.cleanup?.();
      await clearPrefix(this.barrier, entry.storage_prefix);
    });
  }

  remount(from: string, to: string): Promise<void> {
    return this.exclusive(async () => {
      this.requireUnsealed();
      for (const p of PROTECTED_MOUNT_PREFIXES) {
        if (from.startsWith(p)) throw new UserError(`cannot remount "${from}"`);
        if (to.startsWith(p)) throw new UserError(`cannot remount to "${to}"`);
      }
      const entry = this.mountTable.find((m) => m.path === from);
      if (!entry) throw new UserError(`no matching mount at "${from}"`);
      const conflict = this.router.conflict(to);
      if (conflict !== null && conflict !== from) throw new ConflictError(`path already in use at "${conflict}"`);
      const mounted = this.router.get(from);
      // The data stays under the mount's uuid prefix: a remount only renames the entry. It
      // is renamed in place because the running backend's MountView reads it live; a
      // failed save puts the old path back.
      entry.path = to;
      try {
        await this.saveMountTable([...this.mountTable]);
      } catch (err) {
        entry.path = from;
        throw err;
      }
      this.router.delete(from);
      if (mounted) this.router.set(to, mounted);
    });
  }

  tune(path: string, request: TuneRequest): Promise<{ warnings: string[] }> {
    return this.exclusive(async () => {
      this.requireUnsealed();
      const entry = this.getMount(path);
      if (!entry) throw new UserError(`cannot fetch mount entry for "${path}"`);
      if (entry.type === 'system' && request.options) throw new UserError('cannot tune options of the system mount');
      const warnings: string[] = [];
      const next: MountEntry = structuredClone(entry);
      const newDefault = request.defaultLeaseTtl ?? entry.config.default_lease_ttl;
      const newMax = request.maxLeaseTtl ?? entry.config.max_lease_ttl;
      this.validateTtls(newDefault, newMax);
      next.config.default_lease_ttl = newDefault;
      next.config.max_lease_ttl = newMax;
      if (request.description !== undefined) next.description = request.description;
      if (request.config) Object.assign(next.config, request.config);
      let recreate = false;
      if (request.options) {
        const options = { ...(entry.options ?? {}) };
        for (const [key, value] of Object.entries(request.options)) {
          if (key === 'version') {
            const from = options['version'] ?? '1';
            if (entry.type !== 'kv') throw new UserError(`"version" is not a valid option for a ${entry.type} mount`);
            if (value !== from) {
              if (!(from === '1' || from === '') || value !== '2') {
                throw new UserError(`cannot change kv mount version from ${from || '1'} to ${value}`);
              }
              warnings.push(
                'Upgrading mount from version 1 to version 2. This mount will be unavailable for a brief period and will resume service shortly.',
              );
              recreate = true;
            }
          }
          if (value === '') delete options[key];
          else options[key] = value;
        }
        next.options = options;
      }
      if (recreate) {
        // Route to the new backend before its upgrade runs, so requests during the upgrade
        // get its "upgrading" answer instead of reaching the old v1 backend.
        const old = this.router.get(path);
        await old?.backend.spec.cleanup?.();
        const mounted = await this.createMounted(next);
        await this.saveMountTable(this.mountTable.map((m) => (m.path === path ? next : m)));
        this.router.set(path, mounted);
        await mounted.backend.spec.initialize?.();
      } else if (entry.type === 'system') {
        Object.assign(this.systemMount.entry, next);
      } else {
        await this.saveMountTable(this.mountTable.map((m) => (m.path === path ? next : m)));
        const mounted = this.router.get(path);
        // MountView reads the entry live, so TTL changes apply to the running backend.
        if (mounted) Object.assign(mounted.entry, next);
      }
      return { warnings };
    });
  }

  effectiveTtls(entry: MountEntry): { defaultLeaseTtl: number; maxLeaseTtl: number } {
    const maxLeaseTtl = entry.config.max_lease_ttl || this.maxLeaseTtl;
    const defaultLeaseTtl = entry.config.default_lease_ttl || Math.min(this.defaultLeaseTtl, maxLeaseTtl);
    return { defaultLeaseTtl, maxLeaseTtl };
  }

  /** One OpenAPI document for every mounted backend, generated from their declarations. */
  openApi(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const [mountPath, mounted] of this.router.entries()) {
      const doc = mounted.backend.openApi(mountPath) as { paths?: Record<string, unknown> };
      Object.assign(paths, doc.paths ?? {});
    }
    return {
      openapi: '3.0.2',
      info: { title: 'Coffer API', description: 'HTTP API reference (Vault-compatible)', version: this.version },
      paths,
    };
  }

  /** Pipeline step 6: the lease of a secret `mounted` just issued. */
  async registerLease(mounted: MountedBackend, requestPath: string, secret: LeaseSecret, token: TokenEntry | null): Promise<LeaseGrant> {
    const ttls = this.effectiveTtls(mounted.entry);
    try {
      return await this.leases.register({
        path: requestPath,
        mountAccessor: mounted.entry.accessor,
        secret,
        tokenHash: token?.hash ?? '',
        limits: { defaultTtl: ttls.defaultLeaseTtl, maxTtl: ttls.maxLeaseTtl },
      });
    } catch (err) {
      // The secret exists but no lease would ever revoke it: destroy it now.
      const kind = mounted.backend.spec.secrets?.find((k) => k.type === secret.kind);
      const nowMs = this.now();
      await kind
        ?.revoke({
          leaseId: '',
          storage: mounted.storage,
          mount: mounted.mount,
          internalData: secret.internalData,
          increment: 0,
          issueTimeMs: nowMs,
          expireTimeMs: nowMs,
        })
        .catch((revokeErr: unknown) => this.logger.error({ err: revokeErr, path: requestPath }, 'could not revoke a secret whose lease was refused'));
      throw err;
    }
  }

  // ---- internals ---------------------------------------------------------------------

  /** The expiration manager's way back to the backend that renews and revokes a lease. */
  private resolveSecretKind(accessor: string, kind: string): ResolvedKind | null {
    const mounted = this.mountedByAccessor(accessor);
    const found = mounted?.backend.spec.secrets?.find((k) => k.type === kind);
    return mounted !== undefined && found !== undefined ? { kind: found, storage: mounted.storage, mount: mounted.mount } : null;
  }

  private mountedByAccessor(accessor: string): MountedBackend | undefined {
    for (const [, mounted] of this.router.entries()) if (mounted.entry.accessor === accessor) return mounted;
    return undefined;
  }

  private async revokeTokensIssuedUnder(mountPath: string): Promise<void> {
    for (const accessor of await this.tokens.listAccessors()) {
      const entry = await this.tokens.lookupByAccessor(accessor);
      if (entry?.path.startsWith(mountPath)) await this.tokens.revokeTree(entry);
    }
  }

  private async loadBatchKey(): Promise<Uint8Array> {
    if (this.batchKey) return this.batchKey;
    const stored = await this.barrier.get(BATCH_KEY_PATH);
    if (stored) {
      this.batchKey = new Uint8Array(stored);
    } else {
      const key = new Uint8Array(randomBytes(32));
      await this.barrier.put(BATCH_KEY_PATH, key);
      this.batchKey = key;
    }
    return this.batchKey;
  }

  /**
   * identity/ and auth/token/ are built into the core (they need the token and identity
   * stores). Their accessors derive from the cluster id so they are stable across restarts
   * — templated policies name mount accessors.
   */
  private installInternalMounts(): void {
    const stable = (label: string): string =>
      createHash('sha256').update(`${this.cluster?.id ?? ''}/${label}`).digest('hex');
    const internalEntry = (path: string, type: string, description: string, accessorPrefix: string): MountEntry => {
      const digest = stable(path);
      const uuid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
      return { ...newMountEntry({ path, type, description }), uuid, accessor: `${accessorPrefix}_${digest.slice(32, 40)}` };
    };
    const identityEntry = internalEntry('identity/', 'identity', 'identity store', 'identity');
    const cubbyholeEntry = { ...internalEntry('cubbyhole/', 'cubbyhole', 'per-token private secret storage', 'cubbyhole'), local: true };
    const tokenEntry = internalEntry('auth/token/', 'token', 'token based credentials', 'auth_token');
    const mountByAccessor = (accessor: string): { type: string; path: string } | null => {
      const entry = [...this.listAuthMounts(), ...this.mountTable].find((m) => m.accessor === accessor);
      return entry ? { type: entry.type, path: entry.path } : null;
    };
    const identity = this.mounted(identityEntry, createBackend(identityBackend(this.identity, { mountByAccessor })), this.views.identity);
    const token = this.mounted(
      tokenEntry,
      createBackend(
        tokenBackend(this.tokens, {
          callerOf: (requestId) => {
            const caller = this.authContext.get(requestId);
            return caller ? { token: caller.token, entry: caller.entry } : null;
          },
          callerHasSudo: (requestId, path) => {
            const caller = this.authContext.get(requestId);
            if (!caller) return false;
            return caller.isRoot || caller.acl.allowOperation({ path, operation: 'update' }).sudo;
          },
          policyExists: async (name) => (await this.policies.get(name)) !== null,
          identity: this.identity,
          tokenMountAccessor: () => tokenEntry.accessor,
          onError: (err, context) => this.logger.warn({ err, context }, 'token backend background failure'),
        }),
      ),
      this.views.token,
    );
    const cubbyhole = this.mounted(
      cubbyholeEntry,
      createBackend(cubbyholeBackend(this.cubbyholes, { callerOf: (requestId) => this.authContext.get(requestId) ?? null })),
      this.views.cubbyhole,
    );
    this.internalMounts = [cubbyhole, identity, token];
    for (const mounted of this.internalMounts) this.router.set(mounted.entry.path, mounted);
  }

  private validateTtls(defaultTtl: number, maxTtl: number): void {
    if (defaultTtl < 0 || maxTtl < 0) throw new UserError('lease TTLs cannot be negative');
    const effectiveMax = maxTtl || this.maxLeaseTtl;
    if (defaultTtl > effectiveMax) {
      throw new UserError(
        maxTtl ? 'given default lease TTL greater than given max lease TTL' : 'given default lease TTL greater than system max lease TTL',
      );
    }
  }

  private requireUnsealed(): void {
    if (this.barrier.sealed) throw new SealedError();
  }

  private async loadSealConfig(): Promise<SealConfig | null> {
    this.sealConfig ??= await readSealConfig(this.physical);
    return this.sealConfig;
  }

  private async postUnseal(): Promise<void> {
    const info = await this.barrier.get(CLUSTER_INFO_KEY);
    this.cluster = info ? decodeJson<ClusterInfo>(info) : null;
    this.installInternalMounts();
    const table = await this.barrier.get(MOUNT_TABLE_KEY);
    const entries = table ? decodeJson<MountEntry[]>(table) : [];
    this.mountTable = [];
    for (const entry of entries) {
      try {
        const mounted = await this.instantiate(entry);
        this.router.set(entry.path, mounted);
      } catch (err) {
        // One broken mount must not keep the rest of the server sealed.
        this.logger.error({ err, path: entry.path, type: entry.type }, 'failed to set up mount');
      }
      this.mountTable.push(entry);
    }
    // A device that cannot be reopened stays enabled and fails requests closed.
    await this.audit.load();
    await this.rateLimits.load();
    // After the mounts: expired leases are revoked through their backends as soon as it starts.
    const leases = await this.leases.load();
    this.leases.start();
    this.unsealer = null;
    this.logger.info(
      { mounts: this.mountTable.length, auditDevices: this.audit.size, leases: leases.leases, leaseLoadMs: Math.round(leases.ms) },
      'unsealed',
    );
  }

  private async teardown(): Promise<void> {
    this.leases.stop();
    this.eventSubscriptions.closeAll();
    for (const [path, mounted] of [...this.router.entries()]) {
      if (path === 'sys/') continue;
      try {
        await mounted.backend.spec.cleanup?.();
      } catch (err) {
        this.logger.warn({ err, path }, 'backend cleanup failed');
      }
      this.router.delete(path);
    }
    this.mountTable = [];
    this.internalMounts = [];
    this.tokens.reset();
    this.identity.reset();
    this.policies.invalidate();
    this.batchKey?.fill(0);
    this.batchKey = null;
    await this.audit.close();
    this.rateLimits.clear();
    this.unsealer = null;
    // Held key shares and any pending new root key are forgotten with the seal.
    this.generateRoot.reset();
    this.rekey.reset();
    if (!this.barrier.sealed) {
      // Persist the keyring's encryption counts before the keys are forgotten.
      await this.barrier.checkpoint().catch((err: unknown) => this.logger.warn({ err }, 'keyring checkpoint failed'));
      this.barrier.seal();
      this.logger.info('sealed');
    }
  }

  private async instantiate(entry: MountEntry): Promise<MountedBackend> {
    const mounted = await this.createMounted(entry);
    await mounted.backend.spec.initialize?.();
    return mounted;
  }

  /** Builds a backend for `entry` without running its `initialize` hook. */
  private async createMounted(entry: MountEntry): Promise<MountedBackend> {
    const factory = (entry.path.startsWith('auth/') ? this.authBackends : this.backends)[entry.type];
    if (!factory) throw new UserError(`plugin not found in the catalog: ${entry.type}`);
    const storage = createStorageView(this.barrier, entry.storage_prefix);
    const mount = this.mountView(entry);
    const spec = await factory({ storage, mount, system: this.systemViewFor(entry) });
    return this.mounted(entry, createBackend(spec), storage, mount);
  }

  /**
   * `lease/revoke` (Coffer's event type; Vault has none): a leased secret is gone, by request or
   * by expiry. `data_path` is the issuing path (`database/creds/app`), so a subscriber sees it
   * only if it may read that path.
   */
  private publishLeaseRevoked(path: string, leaseId: string, accessor: string, expired: boolean): void {
    const mounted = this.mountedByAccessor(accessor);
    if (mounted === undefined) return;
    const relative = path.startsWith(mounted.entry.path) ? path.slice(mounted.entry.path.length) : path;
    this.systemViewFor(mounted.entry).sendEvent?.('lease/revoke', { lease_id: leaseId, path: relative, data_path: relative, operation: expired ? 'expire' : 'revoke' });
  }

  /** The system view of one mount: `sendEvent` publishes with the mount's plugin info. */
  private systemViewFor(entry: MountEntry): SystemView {
    const isAuth = entry.path.startsWith('auth/');
    const info = (): EventPluginInfo => ({
      mountClass: isAuth ? 'auth' : 'secret',
      mountAccessor: entry.accessor,
      // Read live (remount renames the entry); auth mounts without `auth/`, which the bus adds back.
      mountPath: isAuth ? entry.path.slice('auth/'.length) : entry.path,
      plugin: entry.type,
    });
    return {
      ...this.systemView,
      sendEvent: (type, metadata) => {
        this.events.publish(info(), type, metadata);
      },
    };
  }

  /** A routable backend; its MountView is built once and reads the entry live. */
  private mounted(entry: MountEntry, backend: MountedBackend['backend'], storage: Storage, mount = this.mountView(entry)): MountedBackend {
    return { entry, backend, storage, mount, toRequest: (base): LogicalRequest => ({ ...base, storage, mount }) };
  }

  private mountView(entry: MountEntry): MountView {
    // Reads the entry live so that tune and remount apply without re-creating the backend.
    const ttls = (): { defaultLeaseTtl: number; maxLeaseTtl: number } => this.effectiveTtls(entry);
    return {
      get path() {
        return entry.path;
      },
      type: entry.type,
      uuid: entry.uuid,
      accessor: entry.accessor,
      get options() {
        return entry.options ?? {};
      },
      defaultLeaseTtl: () => ttls().defaultLeaseTtl,
      maxLeaseTtl: () => ttls().maxLeaseTtl,
      config: () => entry.config as unknown as Readonly<Record<string, unknown>>,
    };
  }

  private async saveMountTable(entries: MountEntry[]): Promise<void> {
    await this.barrier.put(MOUNT_TABLE_KEY, encodeJson(entries));
    this.mountTable = entries;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(fn, fn);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }
}

export const BUILD_DATE = '2026-11-23T00:00:00Z';

/** A role's token type, falling back to the mount's `token_type` tune (Vault's rules). */
export function resolveLoginTokenType(roleType: string | undefined, mountType: string | undefined): 'service' | 'batch' {
  const role = roleType ?? 'default';
  if (role === 'service' || role === 'batch') return role;
  const mount = mountType ?? 'default-service';
  if (mount === 'service' || mount === 'batch') return mount;
  if (mount === 'default-batch') return role === 'default-service' ? 'service' : 'batch';
  return role === 'default-batch' ? 'batch' : 'service';
}

/** `kv-v2` → kv with version 2, and `version` in options only for kv. */
export function resolveMountType(
  rawType: string,
  options: Record<string, string> | null,
): { type: string; options: Record<string, string> | null } {
  const alias = KV_TYPE_ALIASES[rawType];
  if (alias) return { type: alias.type, options: { ...(options ?? {}), version: alias.version } };
  if (rawType !== 'kv' && options && options['version'] !== undefined && options['version'] !== '') {
    throw new UserError(`"version" is not a valid option for the ${rawType} backend`);
  }
  return { type: rawType, options };
}

