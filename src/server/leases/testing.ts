/** Test helpers: fake secret kinds, a fake clock and a manager over an in-memory storage. */
import type { LeaseRequest, MountView, SecretKind } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { createExpirationManager, type ExpirationManager, type ExpirationManagerOptions, type ResolvedKind } from './expiration-manager.js';

export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

export function fakeMount(accessor = 'database_12345678', path = 'database/'): MountView {
  return {
    path,
    type: 'database',
    uuid: `uuid-${accessor}`,
    accessor,
    options: {},
    defaultLeaseTtl: () => 3600,
    maxLeaseTtl: () => 86400,
  };
}

export interface FakeKind extends SecretKind {
  revoked: string[];
  renewed: { leaseId: string; increment: number }[];
  revokeCalls: number;
}

/** Revoke fails the first `failures` calls (Infinity = always), then succeeds. */
export function fakeKind(type = 'creds', options: { failures?: number; defaultTtl?: number; maxTtl?: number; renewTtl?: (req: LeaseRequest) => number | null } = {}): FakeKind {
  const kind: FakeKind = {
    type,
    revoked: [],
    renewed: [],
    revokeCalls: 0,
    ...(options.defaultTtl !== undefined ? { defaultTtl: options.defaultTtl } : {}),
    ...(options.maxTtl !== undefined ? { maxTtl: options.maxTtl } : {}),
    async renew(req) {
      kind.renewed.push({ leaseId: req.leaseId, increment: req.increment });
      const ttl = options.renewTtl ? options.renewTtl(req) : req.increment;
      return ttl === null ? null : { ttl };
    },
    async revoke(req) {
      kind.revokeCalls++;
      if (kind.revokeCalls <= (options.failures ?? 0)) throw new Error(`database unreachable (${kind.revokeCalls})`);
      kind.revoked.push(req.leaseId);
    },
  };
  return kind;
}

export interface Harness {
  manager: ExpirationManager;
  storage: InmemStorage;
  clock: { now: number; advance(ms: number): void };
  kinds: Map<string, FakeKind>;
  /** A new manager over the same storage (a restart). */
  restart(extra?: Partial<ExpirationManagerOptions>): ExpirationManager;
}

export function harness(
  kinds: Record<string, FakeKind> = { creds: fakeKind() },
  extra: Partial<ExpirationManagerOptions> = {},
  storage = new InmemStorage(),
): Harness {
  const clock = {
    now: T0,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const mount = fakeMount();
  const kindMap = new Map(Object.entries(kinds));
  const resolveKind = (accessor: string, type: string): ResolvedKind | null => {
    const kind = kindMap.get(type);
    return accessor === mount.accessor && kind ? { kind, storage: new InmemStorage(), mount } : null;
  };
  const make = (more: Partial<ExpirationManagerOptions> = {}) =>
    createExpirationManager({ storage, resolveKind, now: () => clock.now, random: () => 1, retry: { attempts: 6, baseMs: 1000, maxMs: 60_000 }, ...extra, ...more });
  return { manager: make(), storage, clock, kinds: kindMap, restart: make };
}

export const LIMITS = { defaultTtl: 3600, maxTtl: 86400 };

export function registerInput(path = 'database/creds/readonly', secret: Partial<{ kind: string; ttl: number; maxTtl: number; renewable: boolean }> = {}, tokenHash = 'tokhash1') {
  return {
    path,
    mountAccessor: 'database_12345678',
    tokenHash,
    limits: LIMITS,
    secret: { kind: secret.kind ?? 'creds', ttl: secret.ttl ?? 0, renewable: secret.renewable ?? true, internalData: { username: 'v-user' }, ...(secret.maxTtl !== undefined ? { maxTtl: secret.maxTtl } : {}) },
  };
}
