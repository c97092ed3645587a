import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harness, registerInput } from './testing.js';

type Op =
  | { op: 'register'; ttl: number; maxTtl: number; renewable: boolean }
  | { op: 'renew'; pick: number; increment: number }
  | { op: 'revoke'; pick: number; sync: boolean }
  | { op: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('register' as const), ttl: fc.integer({ min: 1, max: 100 }), maxTtl: fc.integer({ min: 0, max: 200 }), renewable: fc.boolean() }),
  fc.record({ op: fc.constant('renew' as const), pick: fc.nat(), increment: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ op: fc.constant('revoke' as const), pick: fc.nat(), sync: fc.boolean() }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60_000 }) }),
);

interface ModelLease {
  expire: number;
  maxExpire: number;
  ttl: number;
  renewable: boolean;
}

describe('model-based: live leases match a simple model', () => {
  it('register / renew / revoke / advance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
        const h = harness();
        const model = new Map<string, ModelLease>();
        const pickId = (n: number): string | undefined => {
          const ids = [...model.keys()].sort();
          return ids.length === 0 ? undefined : ids[n % ids.length];
        };
        for (const o of ops) {
          const now = h.clock.now;
          if (o.op === 'register') {
            const max = o.maxTtl > 0 ? Math.min(o.maxTtl, 86400) : 86400;
            const ttl = Math.min(o.ttl, max);
            const r = await h.manager.register(registerInput('database/creds/p', { ttl: o.ttl, maxTtl: o.maxTtl, renewable: o.renewable }));
            expect(r.ttl).toBe(ttl);
            model.set(r.leaseId, { expire: now + ttl * 1000, maxExpire: now + max * 1000, ttl, renewable: o.renewable });
          } else if (o.op === 'renew') {
            const id = pickId(o.pick);
            if (id === undefined) continue;
            const m = model.get(id) as ModelLease;
            const maxValid = Math.floor((m.maxExpire - now) / 1000);
            const ok = m.renewable && m.expire >= now && maxValid > 0;
            const result = await h.manager.renew(id, o.increment).then(
              (r) => r,
              () => null,
            );
            expect(result !== null).toBe(ok);
            if (ok && result) {
              const ttl = Math.min(o.increment > 0 ? o.increment : m.ttl, maxValid);
              expect(result.ttl).toBe(ttl);
              m.expire = now + ttl * 1000;
            }
          } else if (o.op === 'revoke') {
            const id = pickId(o.pick);
            if (id === undefined) continue;
            await h.manager.revoke(id, { sync: o.sync });
            if (o.sync) model.delete(id);
            else expireNowInModel(model, id, now);
          } else {
            h.clock.advance(o.ms);
            await h.manager.processExpired();
            for (const [id, m] of model) if (m.expire <= h.clock.now) model.delete(id);
          }
          expect(h.manager.count()).toBe(model.size);
          for (const id of model.keys()) expect(h.manager.has(id)).toBe(true);
        }
        await h.manager.processExpired();
        for (const [id, m] of model) if (m.expire <= h.clock.now) model.delete(id);
        const listed = h.manager.list('database/creds/p/').map((k) => `database/creds/p/${k}`).sort();
        expect(listed).toEqual([...model.keys()].sort());
        // and a restart sees the same set
        const again = h.restart();
        await again.load();
        expect(again.count()).toBe(model.size);
      }),
      { numRuns: 150 },
    );
  });
});

function expireNowInModel(model: Map<string, ModelLease>, id: string, now: number): void {
  const m = model.get(id);
  if (m) m.expire = Math.min(now, m.expire);
}
