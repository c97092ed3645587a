import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { LeaderElector } from './leader-election.js';
import { KubeRequestError, type KubeClient, type KubeObject } from './types.js';

/** Leases in memory with the API server's optimistic concurrency; a partitioned client fails every call. */
function leaseStore() {
  const leases = new Map<string, KubeObject>();
  let rv = 0;
  const clientFor = (state: { partitioned: boolean }): KubeClient => {
    const guard = (): void => {
      if (state.partitioned) throw new Error('connect ECONNREFUSED');
    };
    const key = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;
    return {
      get: async <T extends KubeObject>(_res: unknown, ns: string | undefined, name: string) => {
        guard();
        const o = leases.get(key(ns, name));
        return o === undefined ? null : (structuredClone(o) as T);
      },
      create: async <T extends KubeObject>(_res: unknown, obj: T) => {
        guard();
        const k = key(obj.metadata.namespace, obj.metadata.name);
        if (leases.has(k)) throw new KubeRequestError(409, 'already exists', 'AlreadyExists');
        const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        leases.set(k, stored);
        return structuredClone(stored) as T;
      },
      replace: async <T extends KubeObject>(_res: unknown, obj: T) => {
        guard();
        const k = key(obj.metadata.namespace, obj.metadata.name);
        const current = leases.get(k);
        if (current === undefined) throw new KubeRequestError(404, 'not found', 'NotFound');
        if (current.metadata.resourceVersion !== obj.metadata.resourceVersion) throw new KubeRequestError(409, 'the object has been modified', 'Conflict');
        const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        leases.set(k, stored);
        return structuredClone(stored) as T;
      },
    } as unknown as KubeClient;
  };
  return { leases, clientFor };
}

function candidate(store: ReturnType<typeof leaseStore>, identity: string) {
  const state = { partitioned: false, started: 0, stopped: 0 };
  const elector = new LeaderElector({
    client: store.clientFor(state),
    namespace: 'kube-system',
    name: 'coffer-operator',
    identity,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1000,
    retryPeriodMs: 50,
    logger: silentLogger(),
    onStartedLeading: () => {
      state.started++;
    },
    onStoppedLeading: () => {
      state.stopped++;
    },
  });
  return { elector, state, identity };
}

describe('LeaderElector', () => {
  it('elects exactly one of two candidates; a partitioned leader steps down and the other takes over', async () => {
    const store = leaseStore();
    const a = candidate(store, 'a');
    const b = candidate(store, 'b');
    a.elector.start();
    b.elector.start();
    await vi.waitFor(() => expect([a, b].filter((c) => c.elector.isLeader()).length).toBe(1), { timeout: 15_000, interval: 20 });
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    // Stays that way across several renewals.
    await new Promise((r) => setTimeout(r, 200));
    expect(leader.elector.isLeader()).toBe(true);
    expect(standby.elector.isLeader()).toBe(false);
    expect(standby.state.started).toBe(0);
    const lease = store.leases.get('kube-system/coffer-operator');
    expect((lease?.['spec'] as { holderIdentity?: string }).holderIdentity).toBe(leader.identity);

    leader.state.partitioned = true;
    await vi.waitFor(() => expect(leader.state.stopped).toBe(1), { timeout: 15_000, interval: 20 });
    expect(leader.elector.isLeader()).toBe(false);
    await vi.waitFor(() => expect(standby.elector.isLeader()).toBe(true), { timeout: 15_000, interval: 20 });
    const after = store.leases.get('kube-system/coffer-operator')?.['spec'] as { holderIdentity?: string; leaseTransitions?: number };
    expect(after.holderIdentity).toBe(standby.identity);
    expect(after.leaseTransitions).toBe(1);

    await Promise.all([a.elector.stop(), b.elector.stop()]);
    expect(standby.state.stopped).toBe(1);
  });

  it('releases the lease on stop so the standby takes over without waiting for it to expire', async () => {
    const store = leaseStore();
    const a = candidate(store, 'a');
    a.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader()).toBe(true), { timeout: 15_000, interval: 20 });
    const b = candidate(store, 'b');
    b.elector.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(b.elector.isLeader()).toBe(false);
    await a.elector.stop();
    expect(a.state.stopped).toBe(1);
    expect((store.leases.get('kube-system/coffer-operator')?.['spec'] as { holderIdentity?: string }).holderIdentity).toBe('');
    await vi.waitFor(() => expect(b.elector.isLeader()).toBe(true), { timeout: 15_000, interval: 20 });
    await b.elector.stop();
  });

  it('refuses timings where the renew deadline is not shorter than the lease', () => {
    const store = leaseStore();
    expect(
      () =>
        new LeaderElector({
          client: store.clientFor({ partitioned: false }),
          namespace: 'x',
          name: 'y',
          identity: 'z',
          leaseDurationMs: 1000,
          renewDeadlineMs: 1000,
          logger: silentLogger(),
          onStartedLeading: () => undefined,
          onStoppedLeading: () => undefined,
        }),
    ).toThrow(/leaseDuration/);
  });
});
