import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import type { ChangeFeedHandlers } from '../../providers/types.js';
import { ChangeFeeds } from './change-feeds.js';
import { DependencyIndex } from './dependency-index.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ChangeFeeds', () => {
  it('subscribes once per scope, forwards changes, and asks for a catch-up after a reconnect only', async () => {
    const handlers: ChangeFeedHandlers[] = [];
    let closed = 0;
    const changes: string[] = [];
    const resyncs: string[] = [];
    const subscribe = (h: ChangeFeedHandlers): Promise<{ close(): void }> => {
      handlers.push(h);
      h.onReady();
      return Promise.resolve({ close: () => void closed++ });
    };
    const feeds = new ChangeFeeds({
      onChange: (scope, path) => changes.push(`${scope}:${path}`),
      onResync: (scope) => resyncs.push(scope),
      logger: silentLogger(),
      initialBackoffMs: 1,
      random: () => 0,
    });
    feeds.ensure('s1', subscribe);
    feeds.ensure('s1', subscribe);
    await tick();
    expect(handlers).toHaveLength(1);
    expect(feeds.state('s1')).toBe('live');
    expect(resyncs).toEqual([]);
    handlers[0]?.onChange('kv/data/a');
    expect(changes).toEqual(['s1:kv/data/a']);

    handlers[0]?.onLost(new Error('connection reset'));
    expect(feeds.state('s1')).toBe('backoff');
    await tick(20);
    expect(handlers).toHaveLength(2);
    expect(resyncs).toEqual(['s1']);
    // The old stream's late messages are ignored.
    handlers[0]?.onChange('kv/data/stale');
    expect(changes).toEqual(['s1:kv/data/a']);
    feeds.close();
    expect(closed).toBe(1);
  });

  it('marks a server without events unsupported and backs off when subscribing fails', async () => {
    let calls = 0;
    const feeds = new ChangeFeeds({
      onChange: () => undefined,
      onResync: () => undefined,
      logger: silentLogger(),
      initialBackoffMs: 10_000,
    });
    feeds.ensure('plain-vault', () => {
      calls++;
      return Promise.resolve(undefined);
    });
    feeds.ensure('down', () => {
      calls++;
      return Promise.reject(new Error('ECONNREFUSED'));
    });
    await tick();
    expect(feeds.state('plain-vault')).toBe('unsupported');
    expect(feeds.state('down')).toBe('backoff');
    expect(calls).toBe(2);
    feeds.close();
    expect(feeds.state('down')).toBeUndefined();
  });
});

describe('DependencyIndex', () => {
  it('maps a changed path to exactly the objects that read it, exactly or under a find prefix', () => {
    const idx = new DependencyIndex();
    idx.set('ns/a', new Map([['store', [{ exact: 'kv/data/app/db' }]]]));
    idx.set('ns/b', new Map([['store', [{ exact: 'kv/data/app/api' }, { prefix: 'kv/data/app/' }]]]));
    idx.set('ns/c', new Map([['other', [{ exact: 'kv/data/app/db' }]]]));
    expect(idx.affected('store', 'kv/data/app/db').sort()).toEqual(['ns/a', 'ns/b']);
    expect(idx.affected('store', 'kv/data/elsewhere')).toEqual([]);
    expect(idx.members('store').sort()).toEqual(['ns/a', 'ns/b']);
    idx.set('ns/b', new Map([['store', [{ exact: 'kv/data/app/api' }]]]));
    expect(idx.affected('store', 'kv/data/app/db')).toEqual(['ns/a']);
    idx.delete('ns/a');
    idx.delete('ns/b');
    expect(idx.scopeNames()).toEqual(['other']);
  });
});
