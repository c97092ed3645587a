import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import type { ExternalSecret } from '../../apis/external-secrets/index.js';
import { GeneratorRegistry, type GenerateResult, type Generator, type GeneratorState, type RenewResult } from '../../generators/index.js';
import type { KubeClient, KubeObject } from '../../runtime/types.js';
import { gatherData, type GenerateFor } from './data.js';
import { GeneratedData, type GeneratedDataContext } from './generated-data.js';

const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const NS = 'apps';
const ES = 'apps/db';
const REF = { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Fake', name: 'pg' };

interface Lease {
  user: string;
  expiresAtMs: number;
  issuedAtMs: number;
  revoked: boolean;
}

/**
 * A lease-issuing generator over a fake clock: `ttl` per lease, renewals extend by `ttl` up to
 * `maxTtl` after issue (then fail, as Vault's "past the max TTL"), `refuseRenew` makes them fail.
 */
class FakeGenerator implements Generator {
  readonly kind = 'Fake';
  leases = new Map<string, Lease>();
  generated = 0;
  renewed = 0;
  cleanups: string[] = [];
  refuseRenew = false;
  failCleanup = false;
  constructor(
    private readonly clock: { now: number },
    public ttl: number | null,
    public maxTtl = 600,
    public renewable = true,
  ) {}

  generate(spec: unknown): Promise<GenerateResult> {
    this.generated++;
    const user = `u${this.generated}`;
    const data = { username: enc(user), password: enc(`pw-${this.generated}`), tag: enc(String((spec as { tag?: string } | undefined)?.tag ?? '')) };
    if (this.ttl === null) return Promise.resolve({ data });
    this.leases.set(user, { user, issuedAtMs: this.clock.now, expiresAtMs: this.clock.now + this.ttl * 1000, revoked: false });
    return Promise.resolve({ data, state: { leaseId: user }, ttlSeconds: this.ttl, renewable: this.renewable, leaseId: user });
  }

  renew(_spec: unknown, state: GeneratorState): Promise<RenewResult> {
    const lease = this.leases.get(String(state['leaseId']));
    if (this.refuseRenew || lease === undefined || lease.revoked || lease.expiresAtMs <= this.clock.now) return Promise.reject(new UserError('unable to renew lease: lease not found'));
    const maxAt = lease.issuedAtMs + this.maxTtl * 1000;
    if (this.clock.now >= maxAt) return Promise.reject(new UserError('unable to renew lease: past the max TTL, cannot renew'));
    this.renewed++;
    const ttl = Math.min(this.ttl ?? 0, Math.floor((maxAt - this.clock.now) / 1000));
    lease.expiresAtMs = this.clock.now + ttl * 1000;
    return Promise.resolve({ ttlSeconds: ttl, renewable: true, state });
  }

  cleanup(_spec: unknown, state: GeneratorState): Promise<void> {
    if (this.failCleanup) return Promise.reject(new Error('connection refused'));
    const id = String(state['leaseId']);
    this.cleanups.push(id);
    const lease = this.leases.get(id);
    if (lease !== undefined) lease.revoked = true;
    return Promise.resolve();
  }

  live(): string[] {
    return [...this.leases.values()].filter((l) => !l.revoked && l.expiresAtMs > this.clock.now).map((l) => l.user);
  }
}

function setup(options: { ttl?: number | null; maxTtl?: number; renewable?: boolean } = {}) {
  const clock = { now: 1_000_000 };
  const generator = new FakeGenerator(clock, options.ttl === undefined ? 60 : options.ttl, options.maxTtl ?? 600, options.renewable ?? true);
  const objects = new Map<string, KubeObject>();
  const put = (name: string, spec: Record<string, unknown>): void => {
    objects.set(name, { apiVersion: REF.apiVersion, kind: 'Fake', metadata: { name, namespace: NS }, spec });
  };
  put('pg', { tag: 'a' });
  put('other', { tag: 'o' });
  const kube = { get: (_res: unknown, ns: string | undefined, name: string) => Promise.resolve(ns === NS ? (objects.get(name) ?? null) : null) } as unknown as KubeClient;
  const registry = new GeneratorRegistry().register(generator, 'fakes');
  const generated = new GeneratedData({ registry, now: () => clock.now });
  const ctx = (refreshIntervalMs = 3_600_000): GeneratedDataContext => ({ kube, namespace: NS, logger: silentLogger(), refreshIntervalMs });
  const user = async (refreshIntervalMs?: number, index = 0, ref = REF): Promise<string> => dec((await generated.get(ES, index, ref, ctx(refreshIntervalMs))).data['username']);
  return { clock, generator, generated, put, ctx, user, kube, registry };
}

describe('GeneratedData', () => {
  it('generates once and reuses the lease until ~2/3 of its TTL, then renews it', async () => {
    const { clock, generator, generated, ctx, user } = setup({ ttl: 60 });
    const first = await generated.get(ES, 0, REF, ctx());
    expect(dec(first.data['username'])).toBe('u1');
    expect(dec(first.data['tag'])).toBe('a');
    expect(first.renewAtMs).toBe(clock.now + 40_000);
    expect(generated.dueAtMs(ES)).toBe(clock.now + 40_000);

    clock.now += 39_000;
    expect(await user()).toBe('u1');
    expect(generator.renewed).toBe(0);
    clock.now += 1_000;
    const renewed = await generated.get(ES, 0, REF, ctx());
    expect(dec(renewed.data['username'])).toBe('u1');
    expect(generator.renewed).toBe(1);
    expect(renewed.renewAtMs).toBe(clock.now + 40_000);
    expect(generator.generated).toBe(1);
    expect(generator.leases.get('u1')?.expiresAtMs).toBe(clock.now + 60_000);
  });

  it('renews early when the lease would expire before the next refresh', async () => {
    const { clock, generator, user } = setup({ ttl: 60 });
    await user(30_000);
    clock.now += 25_000;
    // 25 s + the 30 s interval would leave 5 s: not yet.
    expect(await user(30_000)).toBe('u1');
    expect(generator.renewed).toBe(0);
    clock.now += 6_000;
    // 31 s + 30 s is past the 60 s expiry.
    expect(await user(30_000)).toBe('u1');
    expect(generator.renewed).toBe(1);
  });

  it('re-issues when renewal is refused; the replaced lease is revoked only on commit', async () => {
    const { clock, generator, generated, user } = setup({ ttl: 60 });
    expect(await user()).toBe('u1');
    await generated.commit(ES);
    expect(generator.cleanups).toEqual([]);
    generator.refuseRenew = true;
    clock.now += 45_000;
    expect(await user()).toBe('u2');
    expect(generator.cleanups).toEqual([]);
    // A failed write: the next reconcile reuses u2 and still has u1 to revoke.
    expect(await user()).toBe('u2');
    await generated.commit(ES);
    expect(generator.cleanups).toEqual(['u1']);
    expect(await user()).toBe('u2');
    await generated.commit(ES);
    expect(generator.cleanups).toEqual(['u1']);
    expect(generator.live()).toEqual(['u2']);
  });

  it('re-issues once a renewal is capped by the max TTL', async () => {
    const { clock, generator, user } = setup({ ttl: 60, maxTtl: 100 });
    await user();
    clock.now += 40_000;
    expect(await user()).toBe('u1'); // renewed: 60 s more, up to the max TTL exactly
    clock.now += 40_000;
    expect(await user()).toBe('u1'); // renewed but capped: 20 s, less than the 60 s granted at issue
    expect(generator.renewed).toBe(2);
    clock.now += 14_000;
    expect(await user()).toBe('u2');
    expect(generator.renewed).toBe(2);
    expect(generator.generated).toBe(2);
  });

  it('re-issues a non-renewable lease when it is due, without trying to renew', async () => {
    const { clock, generator, user } = setup({ ttl: 30, renewable: false });
    expect(await user()).toBe('u1');
    clock.now += 20_000;
    expect(await user()).toBe('u2');
    expect(generator.renewed).toBe(0);
  });

  it('generates anew when the generator spec changed, and every time for data without a lease', async () => {
    const leased = setup({ ttl: 60 });
    expect(await leased.user()).toBe('u1');
    leased.put('pg', { tag: 'b' });
    const changed = await leased.generated.get(ES, 0, REF, leased.ctx());
    expect(dec(changed.data['username'])).toBe('u2');
    expect(dec(changed.data['tag'])).toBe('b');
    await leased.generated.commit(ES);
    expect(leased.generator.cleanups).toEqual(['u1']);

    const plain = setup({ ttl: null });
    const value = await plain.generated.get(ES, 0, REF, plain.ctx());
    expect(value.renewAtMs).toBeUndefined();
    expect(await plain.user()).toBe('u2');
    expect(plain.generated.dueAtMs(ES)).toBeUndefined();
    await plain.generated.commit(ES);
    expect(plain.generator.cleanups).toEqual([]);
    expect(plain.generated.holds(ES)).toBe(true);
  });

  it('commit revokes the output of an index that is no longer a generator', async () => {
    const { generator, generated, user } = setup({ ttl: 60 });
    await user(undefined, 0);
    await user(undefined, 1, { ...REF, name: 'other' });
    await generated.commit(ES);
    expect(generated.dueAtMs(ES)).toBeDefined();
    await user(undefined, 0);
    await generated.commit(ES);
    expect(generator.cleanups).toEqual(['u2']);
    expect(generator.live()).toEqual(['u1']);
  });

  it('release revokes everything held, never throws, and forgets the ExternalSecret', async () => {
    const { clock, generator, generated, user } = setup({ ttl: 60 });
    await user(undefined, 0);
    await user(undefined, 1, { ...REF, name: 'other' });
    generator.refuseRenew = true;
    clock.now += 45_000;
    await user(undefined, 0); // u3 replaces u1, not committed
    await generated.release(ES);
    expect(generator.cleanups.sort()).toEqual(['u1', 'u2', 'u3']);
    expect(generated.holds(ES)).toBe(false);
    expect(generated.dueAtMs(ES)).toBeUndefined();

    await user();
    generator.failCleanup = true;
    await expect(generated.release(ES)).resolves.toBeUndefined();
    expect(generated.holds(ES)).toBe(false);
    // Releasing an unknown key is a no-op.
    await expect(generated.release('apps/ghost')).resolves.toBeUndefined();
  });

  it('retries a failed revocation at the next commit until the lease has expired', async () => {
    const { clock, generator, generated, user } = setup({ ttl: 60, renewable: false });
    await user();
    clock.now += 41_000;
    await user(); // u2 replaces u1
    generator.failCleanup = true;
    await generated.commit(ES);
    generator.failCleanup = false;
    await user(); // the next reconcile
    await generated.commit(ES);
    expect(generator.cleanups).toEqual(['u1']);

    clock.now += 41_000;
    await user(); // u3 replaces u2
    generator.failCleanup = true;
    await generated.commit(ES);
    clock.now += 60_000; // u2 has expired by itself
    generator.failCleanup = false;
    await user();
    await generated.commit(ES);
    expect(generator.cleanups).not.toContain('u2');
  });

  it('warns once when refreshInterval is longer than the lease TTL', async () => {
    const { generated, user, clock } = setup({ ttl: 600 });
    await user(3_600_000);
    expect(generated.takeWarnings(ES)).toEqual([
      "spec.dataFrom[0]: refreshInterval 1h0m0s is longer than the generator's lease TTL 10m0s; the credentials are renewed or re-issued at 6m40s instead",
    ]);
    expect(generated.takeWarnings(ES)).toEqual([]);
    clock.now += 1000;
    await user(3_600_000);
    expect(generated.takeWarnings(ES)).toEqual([]);
    await user(300_000);
    expect(generated.takeWarnings(ES)).toEqual([]);
    await user(7_200_000);
    expect(generated.takeWarnings(ES)).toHaveLength(1);
    expect(generated.takeWarnings('apps/ghost')).toEqual([]);
  });

  it('reports a missing generator object or an unknown kind', async () => {
    const { generated, ctx } = setup();
    await expect(generated.get(ES, 0, { ...REF, name: 'ghost' }, ctx())).rejects.toThrow('generator Fake "apps/ghost" not found');
    await expect(generated.get(ES, 0, { ...REF, kind: 'Password' }, ctx())).rejects.toThrow('unsupported generator kind "Password"');
    // apiVersion defaults as the CRD documents it.
    const { apiVersion: _omitted, ...noVersion } = REF;
    await expect(generated.get(ES, 0, noVersion, ctx())).resolves.toMatchObject({ renewAtMs: expect.any(Number) as number });
  });

  it('property: whatever happens to renewals, the data handed out is never from an expired or revoked lease, and release revokes all', async () => {
    const step = fc.record({ advanceS: fc.integer({ min: 0, max: 90 }), refuse: fc.boolean(), commit: fc.boolean(), interval: fc.constantFrom(0, 10_000, 3_600_000) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 120 }), fc.integer({ min: 1, max: 4 }), fc.array(step, { minLength: 1, maxLength: 25 }), async (ttl, maxFactor, steps) => {
        const { clock, generator, generated, user } = setup({ ttl, maxTtl: ttl * maxFactor });
        for (const s of steps) {
          // Never later than the requeue time the reconciler would use.
          const due = generated.dueAtMs(ES);
          clock.now = Math.min(clock.now + s.advanceS * 1000, due ?? Number.POSITIVE_INFINITY);
          generator.refuseRenew = s.refuse;
          const u = await user(s.interval);
          const lease = generator.leases.get(u);
          expect(lease?.revoked).toBe(false);
          expect(lease?.expiresAtMs).toBeGreaterThan(clock.now);
          if (s.commit) await generated.commit(ES);
        }
        await generated.release(ES);
        expect(generator.live()).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('gatherData with generators', () => {
  const es = (spec: ExternalSecret['spec']): ExternalSecret => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: NS }, spec });
  const noStore = (): Promise<never> => Promise.reject(new Error('no store expected'));

  it('rewrites and validates generated keys, and later sources win', async () => {
    const { generated, ctx } = setup();
    const spec: ExternalSecret['spec'] = {
      dataFrom: [
        { sourceRef: { generatorRef: REF }, rewrite: [{ regexp: { source: '^(.*)$', target: 'PG_$1' } }] },
        { sourceRef: { generatorRef: { ...REF, name: 'other' } } },
      ],
    };
    const out = await gatherData(es(spec), noStore, undefined, async (i, ref) => (await generated.get(ES, i, ref, ctx())).data);
    expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, dec(v)]))).toEqual({ PG_username: 'u1', PG_password: 'pw-1', PG_tag: 'a', username: 'u2', password: 'pw-2', tag: 'o' });
  });

  it('says which entry failed, and refuses generators without a callback', async () => {
    const { generated, ctx } = setup();
    const generate: GenerateFor = async (i, ref) => (await generated.get(ES, i, ref, ctx())).data;
    await expect(gatherData(es({ dataFrom: [{ sourceRef: { generatorRef: { ...REF, name: 'ghost' } } }] }), noStore, undefined, generate)).rejects.toThrow(
      'error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: generator Fake "apps/ghost" not found',
    );
    await expect(gatherData(es({ dataFrom: [{ sourceRef: { generatorRef: REF }, rewrite: [{ regexp: { source: '^username$', target: 'bad key' } }] }] }), noStore, undefined, generate)).rejects.toThrow(
      'invalid secret key "bad key"',
    );
    await expect(gatherData(es({ dataFrom: [{ sourceRef: { generatorRef: REF } }] }), noStore)).rejects.toThrow('dataFrom[0]: generators are not supported');
  });
});
