import { describe, expect, it } from 'vitest';
import { EventBus, type EventRecord, type SubscriptionEnd, type SubscriptionSink } from './bus.js';
import { parseFilter } from './filter.js';

const kv = { mountClass: 'secret', mountAccessor: 'kv_1234', mountPath: 'secret/', plugin: 'kv' } as const;

/** A sink that records events and completes each send when told to. */
function recorder(autoFlush = true) {
  const events: EventRecord[] = [];
  const ends: SubscriptionEnd[] = [];
  const pending: (() => void)[] = [];
  const sink: SubscriptionSink = {
    send(event, done) {
      events.push(event);
      if (autoFlush) done();
      else pending.push(done);
    },
    end: (why) => ends.push(why),
  };
  return { events, ends, pending, sink };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('EventBus', () => {
  it('prefixes path and data_path with the mount, and delivers after the publisher returns', async () => {
    const bus = new EventBus();
    const r = recorder();
    bus.subscribe({ pattern: 'kv-v2/*', accept: () => true, sink: r.sink });
    const event = bus.publish(kv, 'kv-v2/data-write', { path: 'data/foo', data_path: 'data/foo', operation: 'data-write' });
    expect(event?.metadata).toEqual({ path: 'secret/data/foo', data_path: 'secret/data/foo', operation: 'data-write' });
    expect(r.events).toEqual([]);
    await tick();
    expect(r.events.map((e) => e.id)).toEqual([event?.id]);
  });

  it('prefixes auth mounts with auth/', () => {
    const bus = new EventBus();
    bus.subscribe({ pattern: '*', accept: () => true, sink: recorder().sink });
    const event = bus.publish({ ...kv, mountClass: 'auth', mountPath: 'userpass/' }, 'x/y', { path: 'users/bob' });
    expect(event?.metadata['path']).toBe('auth/userpass/users/bob');
  });

  it('builds nothing when nobody listens', () => {
    expect(new EventBus().publish(kv, 'kv-v2/data-write', { path: 'data/x' })).toBeNull();
  });

  it('selects by pattern, filter and accept, in publish order', async () => {
    const bus = new EventBus();
    const r = recorder();
    bus.subscribe({
      pattern: 'kv-v2/data-*',
      filter: parseFilter('data_path contains "team-a"'),
      accept: (e) => !e.metadata['path']?.includes('hidden'),
      sink: r.sink,
    });
    bus.publish(kv, 'kv-v2/data-write', { path: 'data/team-a/1', data_path: 'data/team-a/1' });
    bus.publish(kv, 'kv-v2/metadata-write', { path: 'metadata/team-a/1', data_path: 'metadata/team-a/1' });
    bus.publish(kv, 'kv-v2/data-write', { path: 'data/team-b/1', data_path: 'data/team-b/1' });
    bus.publish(kv, 'kv-v2/data-write', { path: 'data/team-a/hidden', data_path: 'data/team-a/hidden' });
    bus.publish(kv, 'kv-v2/data-patch', { path: 'data/team-a/2', data_path: 'data/team-a/2' });
    await tick();
    expect(r.events.map((e) => e.metadata['path'])).toEqual(['secret/data/team-a/1', 'secret/data/team-a/2']);
  });

  it('bounds what a slow subscriber holds, closes it on overflow, and keeps serving the others', async () => {
    const bus = new EventBus({ maxPending: 5, maxInFlight: 2 });
    const slow = recorder(false);
    const fast = recorder();
    const slowSub = bus.subscribe({ pattern: '*', accept: () => true, sink: slow.sink });
    bus.subscribe({ pattern: '*', accept: () => true, sink: fast.sink });
    for (let i = 0; i < 5; i++) bus.publish(kv, 'kv-v2/data-write', { path: `data/${i}` });
    await tick();
    expect(slow.events).toHaveLength(2); // only maxInFlight handed over
    expect(slowSub.pending).toBe(5);
    expect(slow.ends).toEqual([]);
    bus.publish(kv, 'kv-v2/data-write', { path: 'data/5' });
    expect(slow.ends).toEqual([{ reason: 'overflow', pending: 5 }]);
    expect(slowSub.active).toBe(false);
    for (let i = 6; i < 20; i++) {
      bus.publish(kv, 'kv-v2/data-write', { path: `data/${i}` });
      await tick();
    }
    expect(fast.events).toHaveLength(20);
    expect(bus.size).toBe(1);
  });

  it('resumes delivery as sends complete', async () => {
    const bus = new EventBus({ maxPending: 100, maxInFlight: 1 });
    const r = recorder(false);
    bus.subscribe({ pattern: '*', accept: () => true, sink: r.sink });
    for (let i = 0; i < 3; i++) bus.publish(kv, 't', { path: `${i}` });
    await tick();
    expect(r.events).toHaveLength(1);
    r.pending.shift()?.();
    r.pending.shift()?.();
    expect(r.events).toHaveLength(3);
  });

  it('ends an owner’s subscriptions, and everything on closeAll', () => {
    const bus = new EventBus();
    const a = recorder();
    const b = recorder();
    bus.subscribe({ pattern: '*', accept: () => true, owner: 'tok-a', sink: a.sink });
    bus.subscribe({ pattern: '*', accept: () => true, owner: 'tok-b', sink: b.sink });
    bus.endOwner('tok-a');
    expect(a.ends).toEqual([{ reason: 'revoked' }]);
    expect(b.ends).toEqual([]);
    bus.closeAll();
    expect(b.ends).toEqual([{ reason: 'closed' }]);
    expect(bus.size).toBe(0);
  });

  it('survives a subscriber whose accept throws', async () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onError: (err) => errors.push(err) });
    const r = recorder();
    bus.subscribe({ pattern: '*', accept: () => { throw new Error('boom'); }, sink: recorder().sink });
    bus.subscribe({ pattern: '*', accept: () => true, sink: r.sink });
    bus.publish(kv, 't', { path: 'p' });
    await tick();
    expect(errors).toHaveLength(1);
    expect(r.events).toHaveLength(1);
  });
});
