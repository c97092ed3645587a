/**
 * Generator data of ExternalSecrets (`dataFrom[].sourceRef.generatorRef`), kept in memory per
 * ExternalSecret and `dataFrom` index.
 *
 * ESO generates anew on every refresh and keeps GeneratorState objects to garbage-collect the
 * old output. For leased output (a `VaultDynamicSecret` on `database/creds/app`) Coffer instead
 * keeps the credentials while their lease can be extended: `get` reuses them, renews the lease
 * once it has run through ~2/3 of its TTL (or would expire before the next refresh), and
 * generates anew when the renewal fails, the lease is not renewable, or it hit its max TTL.
 * Output without a lease is generated anew on every `get`, as ESO does.
 *
 * Replaced credentials stay valid until the new ones are in the Secret: `commit` (after the
 * write) revokes them; `release` (ExternalSecret deleted) revokes everything held.
 */
import { isDeepStrictEqual } from 'node:util';
import { formatDuration } from '../../../shared/duration.js';
import type { Logger } from '../../../shared/logger.js';
import type { GeneratorRef as EsGeneratorRef } from '../../apis/external-secrets/index.js';
import { GENERATORS_API_VERSION, resolveGenerator, type Generator, type GeneratorContext, type GeneratorRegistry, type GeneratorState, type ResolvedGenerator } from '../../generators/index.js';
import type { KubeClient } from '../../runtime/types.js';

/** Share of a lease's TTL after which it is renewed (or the credentials re-issued). */
export const RENEW_FRACTION = 2 / 3;

export interface GeneratedDataOptions {
  registry: GeneratorRegistry;
  now?: () => number;
}

export interface GeneratedDataContext {
  kube: KubeClient;
  /** The ExternalSecret's namespace (the generator object is read there). */
  namespace: string;
  logger: Logger;
  /** The ExternalSecret's periodic refresh interval in ms; 0 when it does not refresh periodically. */
  refreshIntervalMs: number;
  signal?: AbortSignal;
}

export interface GeneratedValue {
  data: Record<string, Uint8Array>;
  /** When the lease must be renewed or the data re-issued (epoch ms); absent when it does not expire. */
  renewAtMs?: number;
}

interface Lease {
  /** When the current TTL was granted (taken before the request, so it errs early). */
  grantedAtMs: number;
  ttlMs: number;
  /** The TTL `generate` granted: a renewal granting less hit the max TTL. */
  issuedTtlMs: number;
  renewable: boolean;
}

/** Output of one `generate`, with what it takes to renew and revoke it. */
interface Held {
  /** `VaultDynamicSecret "ns/pg"`, for logs (never a secret). */
  label: string;
  generator: Generator;
  spec: unknown;
  state?: GeneratorState;
  /** Context for `renew`/`cleanup` (the namespace and client the data was generated with). */
  ctx: GeneratorContext;
  lease?: Lease;
}

interface Slot extends Held {
  ref: { apiVersion: string; kind: string; name: string };
  data: Record<string, Uint8Array>;
}

interface KeyState {
  slots: Map<number, Slot>;
  /** Output replaced by newer output; revoked by `commit` once the newer one is written. */
  retired: Held[];
  /** Indexes `get` was called for since the last `commit` (others are no longer generators). */
  touched: Set<number>;
  /** The warning last reported per index, so each is reported once. */
  lastWarning: Map<number, string>;
  pendingWarnings: string[];
}

const renewAt = (lease: Lease): number => lease.grantedAtMs + Math.floor(lease.ttlMs * RENEW_FRACTION);
const expiresAt = (lease: Lease): number => lease.grantedAtMs + lease.ttlMs;
const seconds = (ms: number): string => formatDuration(Math.floor(ms / 1000));

export class GeneratedData {
  private readonly registry: GeneratorRegistry;
  private readonly now: () => number;
  private readonly byKey = new Map<string, KeyState>();

  constructor(options: GeneratedDataOptions) {
    this.registry = options.registry;
    this.now = options.now ?? Date.now;
  }

  /**
   * The data of `dataFrom[index]` of the ExternalSecret `esKey`: generated on first use or when
   * the generator's spec changed, else reused (renewed, or generated anew, when due).
   */
  async get(esKey: string, index: number, ref: EsGeneratorRef, ctx: GeneratedDataContext): Promise<GeneratedValue> {
    const fullRef = { apiVersion: ref.apiVersion ?? GENERATORS_API_VERSION, kind: ref.kind, name: ref.name };
    const resolved = await resolveGenerator(fullRef, ctx.namespace, ctx.kube, this.registry);
    const keyState = this.stateOf(esKey);
    keyState.touched.add(index);
    const slot = await this.current(keyState, index, fullRef, resolved, ctx);
    this.checkInterval(keyState, index, slot, ctx.refreshIntervalMs);
    return { data: { ...slot.data }, ...(slot.lease !== undefined ? { renewAtMs: renewAt(slot.lease) } : {}) };
  }

  /** The slot to answer from: reused, renewed or generated anew. */
  private async current(keyState: KeyState, index: number, fullRef: Slot['ref'], resolved: ResolvedGenerator, ctx: GeneratedDataContext): Promise<Slot> {
    const genCtx: GeneratorContext = { kube: ctx.kube, namespace: ctx.namespace, logger: ctx.logger, ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}) };
    const slot = keyState.slots.get(index);
    const same = slot !== undefined && slot.generator === resolved.generator && isDeepStrictEqual(slot.ref, fullRef) && isDeepStrictEqual(slot.spec, resolved.spec);

    if (same && slot.lease !== undefined) {
      const startedAt = this.now();
      if (!this.due(slot.lease, startedAt, ctx.refreshIntervalMs)) return slot;
      if (slot.lease.renewable && slot.generator.renew !== undefined) {
        try {
          const renewed = await slot.generator.renew(slot.spec, slot.state ?? {}, { ...slot.ctx, ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}) });
          if (renewed.ttlSeconds > 0) {
            const ttlMs = renewed.ttlSeconds * 1000;
            // Less than first granted: the lease hit its max TTL; the next time it is due, re-issue.
            slot.lease = { grantedAtMs: startedAt, ttlMs, issuedTtlMs: slot.lease.issuedTtlMs, renewable: renewed.renewable && ttlMs >= slot.lease.issuedTtlMs };
            if (renewed.state !== undefined) slot.state = renewed.state;
            return slot;
          }
        } catch (err) {
          ctx.logger.info({ generator: slot.label, err: (err as Error).message }, 'renewing the generated secret failed; generating new data');
        }
      }
    }

    const label = `${fullRef.kind} "${ctx.namespace}/${fullRef.name}"`;
    const startedAt = this.now();
    const result = await resolved.generator.generate(resolved.spec, genCtx);
    const next: Slot = {
      label,
      ref: fullRef,
      generator: resolved.generator,
      // A copy: a later spec is compared with the one this data was generated from.
      spec: structuredClone(resolved.spec),
      ctx: { kube: ctx.kube, namespace: ctx.namespace, logger: ctx.logger },
      data: result.data,
      ...(result.state !== undefined ? { state: result.state } : {}),
    };
    if (result.ttlSeconds !== undefined && result.ttlSeconds > 0) {
      const ttlMs = result.ttlSeconds * 1000;
      next.lease = { grantedAtMs: startedAt, ttlMs, issuedTtlMs: ttlMs, renewable: result.renewable === true };
    }
    if (slot !== undefined && slot.state !== undefined) keyState.retired.push(slot);
    keyState.slots.set(index, next);
    return next;
  }

  /**
   * After the target Secret was written: revokes the output the written data replaced, and the
   * output of indexes that are no longer generators. A failed revocation is retried at the next
   * commit until its lease has expired anyway.
   */
  async commit(esKey: string): Promise<void> {
    const keyState = this.byKey.get(esKey);
    if (keyState === undefined) return;
    for (const [index, slot] of keyState.slots) {
      if (keyState.touched.has(index)) continue;
      keyState.slots.delete(index);
      keyState.lastWarning.delete(index);
      if (slot.state !== undefined) keyState.retired.push(slot);
    }
    keyState.touched.clear();
    // An expired lease needs no revocation (nobody else renews it).
    const live = (h: Held): boolean => h.lease === undefined || expiresAt(h.lease) > this.now();
    const failed = await this.cleanupAll(keyState.retired.splice(0).filter(live));
    keyState.retired.push(...failed.filter(live));
    if (keyState.slots.size === 0 && keyState.retired.length === 0) this.byKey.delete(esKey);
  }

  /**
   * The ExternalSecret is gone: revokes everything held for it and forgets it. Never throws (a
   * lease that cannot be revoked now ends with its TTL; the failure is logged).
   */
  async release(esKey: string): Promise<void> {
    const keyState = this.byKey.get(esKey);
    if (keyState === undefined) return;
    this.byKey.delete(esKey);
    await this.cleanupAll([...keyState.retired, ...keyState.slots.values()]);
  }

  /** The earliest time one of the ExternalSecret's leases needs renewing or re-issuing. */
  dueAtMs(esKey: string): number | undefined {
    let due: number | undefined;
    for (const slot of this.byKey.get(esKey)?.slots.values() ?? []) {
      if (slot.lease === undefined) continue;
      const at = renewAt(slot.lease);
      if (due === undefined || at < due) due = at;
    }
    return due;
  }

  /** Warnings not reported yet (e.g. a refreshInterval longer than the lease TTL); each is returned once. */
  takeWarnings(esKey: string): string[] {
    const keyState = this.byKey.get(esKey);
    return keyState === undefined ? [] : keyState.pendingWarnings.splice(0);
  }

  /** Whether anything is held for the ExternalSecret. */
  holds(esKey: string): boolean {
    return this.byKey.has(esKey);
  }

  private stateOf(esKey: string): KeyState {
    let keyState = this.byKey.get(esKey);
    if (keyState === undefined) {
      keyState = { slots: new Map(), retired: [], touched: new Set(), lastWarning: new Map(), pendingWarnings: [] };
      this.byKey.set(esKey, keyState);
    }
    return keyState;
  }

  /** Due at ~2/3 of the TTL, or earlier when the lease would expire before the next refresh. */
  private due(lease: Lease, now: number, refreshIntervalMs: number): boolean {
    if (now >= renewAt(lease)) return true;
    return refreshIntervalMs > 0 && refreshIntervalMs < lease.ttlMs && expiresAt(lease) <= now + refreshIntervalMs;
  }

  private checkInterval(keyState: KeyState, index: number, slot: Slot, refreshIntervalMs: number): void {
    let warning: string | undefined;
    if (slot.lease !== undefined && refreshIntervalMs > slot.lease.issuedTtlMs) {
      const ttl = slot.lease.issuedTtlMs;
      warning =
        `spec.dataFrom[${index}]: refreshInterval ${seconds(refreshIntervalMs)} is longer than the generator's lease TTL ${seconds(ttl)}; ` +
        `the credentials are renewed or re-issued at ${seconds(Math.floor(ttl * RENEW_FRACTION))} instead`;
    }
    if (warning === undefined) {
      keyState.lastWarning.delete(index);
    } else if (keyState.lastWarning.get(index) !== warning) {
      keyState.lastWarning.set(index, warning);
      keyState.pendingWarnings.push(warning);
    }
  }

  /** Runs `cleanup` for each; returns those that failed (logged without the state, which names the lease). */
  private async cleanupAll(held: readonly Held[]): Promise<Held[]> {
    const failed: Held[] = [];
    await Promise.all(
      held.map(async (h) => {
        if (h.state === undefined || h.generator.cleanup === undefined) return;
        try {
          await h.generator.cleanup(h.spec, h.state, h.ctx);
        } catch (err) {
          h.ctx.logger.warn({ generator: h.label, err: (err as Error).message }, 'revoking generated credentials failed');
          failed.push(h);
        }
      }),
    );
    return failed;
  }
}
