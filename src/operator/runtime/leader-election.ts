/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's `leaderelection` does it:
 * a candidate takes the Lease when it is free or its holder has not renewed for the lease
 * duration (measured on the local clock from when this candidate last saw the record change,
 * so clock skew between nodes does not matter); the leader renews every retry period and steps
 * down when it has not renewed within the renew deadline, or sees someone else holding it.
 * Every write is a PUT with the Lease's resourceVersion, so two candidates cannot both win.
 * Defaults are controller-runtime's: 15 s lease, 10 s renew deadline, 2 s retry period.
 */
import type { Logger } from '../../shared/logger.js';
import { realClock, sleep, type Clock } from './clock.js';
import { KubeRequestError, type KubeClient, type KubeObject, type ResourceRef } from './types.js';

export const leasesResource: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true };

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  /** The Lease's name (`--leader-election-id`). */
  name: string;
  /** Unique per candidate (controller-runtime: `<hostname>_<uuid>`). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Leadership gained. Runs alongside renewal (a slow start must not let the Lease lapse). */
  onStartedLeading: () => void | Promise<void>;
  /** Leadership lost or released; awaited before the elector campaigns again. */
  onStoppedLeading: () => void | Promise<void>;
  onNewLeader?: (identity: string) => void;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
}

/** Lease times are RFC 3339 with microseconds (MicroTime). */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  /** The record as last read, and when (local clock) it last changed. */
  private observed: { raw: string; at: number } | undefined;
  private leading = false;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private lastLeader = '';

  constructor(private readonly options: LeaderElectionOptions) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error('renewDeadline must be greater than retryPeriod*1.2');
    this.log = options.logger.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease ('' when none). */
  leader(): string {
    return this.lastLeader;
  }

  /** Campaigns until `stop`: acquire, lead (renewing), on loss step down and campaign again. */
  start(): void {
    if (this.running !== undefined) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(controller.signal);
  }

  /** Steps down (releasing the Lease so a standby takes over at once) and stops campaigning. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const acquired = await this.acquire(signal);
      if (!acquired) break;
      this.leading = true;
      this.log.info('became leader');
      const started = Promise.resolve()
        .then(() => this.options.onStartedLeading())
        .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'start of leadership failed'));
      await this.renewLoop(signal);
      this.leading = false;
      // Stop only what has finished starting.
      await started;
      this.log.info('stopped leading');
      try {
        await this.options.onStoppedLeading();
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'end of leadership failed');
      }
      // Released only once our controllers have stopped, so two leaders never act at once.
      if (signal.aborted) await this.release();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      // Jittered like client-go's wait.JitterUntil (factor 1.2).
      await sleep(this.clock, this.retryPeriodMs * (1 + 1.2 * this.random()), signal);
    }
    return false;
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
        continue;
      }
      // Someone else holds it: lost at once. Otherwise keep trying until the deadline.
      if (this.lastLeader !== '' && this.lastLeader !== this.options.identity) {
        this.log.warn({ holder: this.lastLeader }, 'lease taken by another candidate');
        return;
      }
      if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.log.warn('failed to renew lease within the renew deadline');
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.options;
    const now = this.clock.now();
    const fresh: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await client.get<Lease>(leasesResource, namespace, name);
      if (lease === null) {
        await client.create<Lease>(leasesResource, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: fresh });
        this.observe(fresh, now);
        return true;
      }
      const spec = lease.spec ?? {};
      this.observe(spec, now);
      const holder = spec.holderIdentity ?? '';
      const held = holder !== '' && holder !== identity;
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (held && (this.observed?.at ?? now) + durationMs > now) return false;
      const next: LeaseSpec =
        holder === identity
          ? { ...spec, holderIdentity: identity, leaseDurationSeconds: fresh.leaseDurationSeconds ?? 15, renewTime: microTime(now) }
          : { ...fresh, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      const updated = await client.replace<Lease>(leasesResource, { ...lease, spec: next });
      this.observe(updated.spec ?? next, now);
      return true;
    } catch (err) {
      // 409: another candidate wrote first; anything else: the API server is unreachable.
      if (!(err instanceof KubeRequestError && err.status === 409)) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'error acquiring or renewing the lease');
      }
      return false;
    }
  }

  private observe(spec: LeaseSpec, now: number): void {
    const raw = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseTransitions ?? 0]);
    if (this.observed?.raw !== raw) this.observed = { raw, at: now };
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder !== '') this.options.onNewLeader?.(holder);
    }
  }

  /** Gives the Lease up (holder '' and a 1 s duration), as client-go's ReleaseOnCancel does. */
  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    try {
      const lease = await client.get<Lease>(leasesResource, namespace, name);
      if (lease === null || lease.spec?.holderIdentity !== identity) return;
      const now = microTime(this.clock.now());
      await client.replace<Lease>(leasesResource, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release the lease');
    }
  }
}
