import { describe, expect, it } from 'vitest';
import { aesGcmBatchCrypto } from './batch.js';
import { CountingStorage } from './testing.js';
import { createTokenStore, type CreateTokenRequest, type TokenEntry, type TokenStore, type TokenStoreOptions } from './token-store.js';

const H = 3600;

function clock(start = 1_700_000_000_000): { now: () => number; advance(seconds: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

function setup(options: TokenStoreOptions = {}): { storage: CountingStorage; store: TokenStore } {
  const storage = new CountingStorage();
  const store = createTokenStore(storage, { batchKey: new Uint8Array(32).fill(1), ...options });
  return { storage, store };
}

function child(parent: TokenEntry | null, extra: Partial<CreateTokenRequest> = {}): CreateTokenRequest {
  return { policies: ['default'], parent, orphan: false, path: 'auth/token/create', displayName: 'token', ...extra };
}

async function rootEntry(store: TokenStore): Promise<{ token: string; entry: TokenEntry }> {
  const token = await store.createRootToken();
  const entry = await store.lookup(token);
  if (!entry) throw new Error('root token missing');
  return { token, entry };
}

describe('root tokens', () => {
  it('creates hvs. + 24 base62 tokens, stored only by HMAC', async () => {
    const { storage, store } = setup();
    const { token, entry } = await rootEntry(store);
    expect(token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(entry.policies).toEqual(['root']);
    expect(entry.path).toBe('auth/token/root');
    expect(entry.display_name).toBe('root');
    expect(entry.ttl).toBe(0);
    expect(entry.expire_time_ms).toBe(0);
    expect(entry.orphan).toBe(true);
    expect(entry.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    expect([...storage.entries.keys()].some((k) => k === `id/${entry.hash}`)).toBe(true);
    expect(storage.dump()).not.toContain(token);
    expect(await store.lookup('hvs.nope')).toBeNull();
    expect(await store.lookup('')).toBeNull();
  });

  it('accepts a chosen id (dev mode) and survives a cache reset', async () => {
    const { store } = setup();
    await store.createRootToken('root');
    store.reset();
    expect((await store.lookup('root'))?.policies).toEqual(['root']);
    // Re-creating the same id replaces the entry and its accessor.
    await store.createRootToken('root');
    expect(await store.listAccessors()).toHaveLength(1);
  });

  it('keeps reading entries written by the first minimal store', async () => {
    const { storage, store } = setup();
    const token = await store.createRootToken();
    const hash = await store.hashToken(token);
    const legacy = { accessor: 'abc', policies: ['root'], display_name: 'root', creation_time: 1, ttl: 0, path: 'auth/token/root', meta: null, orphan: true, type: 'service', hash };
    await storage.put(`id/${hash}`, Buffer.from(JSON.stringify(legacy)));
    store.invalidate();
    const entry = await store.lookup(token);
    expect(entry).toMatchObject({ policies: ['root'], num_uses: 0, expire_time_ms: 0, parent: '', renewable: false });
  });
});

describe('parent/child trees', () => {
  it('revoking a parent revokes every descendant; orphans survive', async () => {
    const { storage, store } = setup();
    const root = await rootEntry(store);
    const a = await store.createToken(child(root.entry));
    const b = await store.createToken(child(a.entry));
    const c = await store.createToken(child(b.entry));
    const sibling = await store.createToken(child(a.entry));
    const orphan = await store.createToken(child(a.entry, { orphan: true }));
    expect(b.entry.parent).toBe(a.entry.hash);
    expect(orphan.entry.parent).toBe('');
    expect(orphan.entry.orphan).toBe(true);

    const revoked: string[] = [];
    store.addRevokeHook(async (e) => {
      revoked.push(e.hash);
    });
    await store.revokeTree(a.entry);
    for (const t of [a, b, c, sibling]) {
      expect(await store.lookup(t.token)).toBeNull();
      expect(await store.lookupByAccessor(t.entry.accessor)).toBeNull();
    }
    expect(await store.lookup(orphan.token)).not.toBeNull();
    expect(await store.lookup(root.token)).not.toBeNull();
    // Children before parents.
    expect(revoked.indexOf(c.entry.hash)).toBeLessThan(revoked.indexOf(b.entry.hash));
    expect(revoked.indexOf(b.entry.hash)).toBeLessThan(revoked.indexOf(a.entry.hash));
    expect(revoked).toHaveLength(4);
    // No index entry left behind for the revoked subtree.
    const keys = [...storage.entries.keys()];
    for (const t of [a, b, c, sibling]) expect(keys.some((k) => k.includes(t.entry.hash))).toBe(false);
  });

  it('revokes a 1,000-level chain without recursion', async () => {
    const { storage, store } = setup();
    const root = await rootEntry(store);
    const chain: { token: string; entry: TokenEntry }[] = [];
    let parent = root.entry;
    for (let i = 0; i < 1000; i++) {
      const t = await store.createToken(child(parent));
      chain.push(t);
      parent = t.entry;
    }
    const first = chain[0];
    const last = chain[999];
    if (!first || !last) throw new Error('chain');
    await store.revokeTree(first.entry);
    expect(await store.lookup(first.token)).toBeNull();
    expect(await store.lookup(last.token)).toBeNull();
    const ids = [...storage.entries.keys()].filter((k) => k.startsWith('id/'));
    expect(ids).toEqual([`id/${root.entry.hash}`]);
    expect([...storage.entries.keys()].filter((k) => k.startsWith('parent/'))).toEqual([]);
  }, 60_000);

  it('revoke-orphan detaches the children instead of revoking them', async () => {
    const { storage, store } = setup();
    const root = await rootEntry(store);
    const a = await store.createToken(child(root.entry));
    const b = await store.createToken(child(a.entry));
    const c = await store.createToken(child(b.entry));
    await store.revokeOrphan(a.entry);
    expect(await store.lookup(a.token)).toBeNull();
    const bAfter = await store.lookup(b.token);
    expect(bAfter?.orphan).toBe(true);
    expect(bAfter?.parent).toBe('');
    expect((await store.lookup(c.token))?.parent).toBe(b.entry.hash);
    expect([...storage.entries.keys()].some((k) => k.startsWith(`parent/${a.entry.hash}/`))).toBe(false);
    // b's own subtree still works as a tree.
    await store.revokeTree(b.entry);
    expect(await store.lookup(c.token)).toBeNull();
  });

  it('refuses children of batch tokens, limited-use tokens and revoked parents', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const batch = await store.createToken(child(root.entry, { type: 'batch', orphan: true }));
    await expect(store.createToken(child(batch.entry))).rejects.toThrow('batch tokens cannot create more tokens');
    const limited = await store.createToken(child(root.entry, { numUses: 3 }));
    await expect(store.createToken(child(limited.entry))).rejects.toThrow('restricted use token cannot generate child tokens');
    const gone = await store.createToken(child(root.entry));
    await store.revokeTree(gone.entry);
    await expect(store.createToken(child(gone.entry))).rejects.toThrow('parent token lookup failed: no parent found');
  });

  it('only root parents create root tokens; expiring roots cannot create non-expiring ones', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const plain = await store.createToken(child(root.entry, { policies: ['default', 'ops'] }));
    await expect(store.createToken(child(plain.entry, { policies: ['root'] }))).rejects.toThrow(
      'root tokens may not be created without parent token being root',
    );
    const expiringRoot = await store.createToken(child(root.entry, { policies: ['root'], ttl: 600 }));
    expect(expiringRoot.entry.ttl).toBe(600);
    await expect(store.createToken(child(expiringRoot.entry, { policies: ['root'] }))).rejects.toThrow(
      'expiring root tokens cannot create non-expiring root tokens',
    );
    const forever = await store.createToken(child(root.entry, { policies: ['root', 'ops'] }));
    expect(forever.entry.policies).toEqual(['root']);
    expect(forever.entry.ttl).toBe(0);
    expect(forever.entry.renewable).toBe(false);
  });
});

describe('accessors', () => {
  it('look up and revoke by accessor; list needs no token', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry));
    expect((await store.lookupByAccessor(t.entry.accessor))?.hash).toBe(t.entry.hash);
    expect(await store.listAccessors()).toEqual([root.entry.accessor, t.entry.accessor].sort());
    await store.revokeTree((await store.lookupByAccessor(t.entry.accessor)) as TokenEntry);
    expect(await store.lookupByAccessor(t.entry.accessor)).toBeNull();
    expect(await store.listAccessors()).toEqual([root.entry.accessor]);
    expect(await store.lookupByAccessor('unknown')).toBeNull();
  });
});

describe('num_uses', () => {
  it('counts uses and revokes the token after its last use', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry, { numUses: 2 }));
    const first = await store.useToken(t.entry);
    expect(first?.num_uses).toBe(1);
    await store.revokeIfExhausted(first as TokenEntry);
    expect(await store.lookup(t.token)).not.toBeNull();
    const second = await store.useToken(first as TokenEntry);
    expect(second?.num_uses).toBe(-1);
    // The last use is in flight: nobody else can use the token any more.
    expect(await store.lookup(t.token)).toBeNull();
    expect(await store.lookup(t.token, { tainted: true })).not.toBeNull();
    expect(await store.useToken(second as TokenEntry)).toBeNull();
    await store.revokeIfExhausted(second as TokenEntry);
    expect(await store.lookup(t.token, { tainted: true })).toBeNull();
  });

  it('leaves unlimited tokens untouched', async () => {
    const { storage, store } = setup();
    const root = await rootEntry(store);
    const before = storage.puts;
    expect(await store.useToken(root.entry)).toBe(root.entry);
    expect(storage.puts).toBe(before);
  });

  it('rejects negative use counts', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    await expect(store.createToken(child(root.entry, { numUses: -1 }))).rejects.toThrow('number of uses cannot be negative');
  });
});

describe('TTLs, expiry and renewal', () => {
  it('defaults to the mount TTL and caps at the mount max with a warning', async () => {
    const c = clock();
    const { store } = setup({ now: c.now, tokenMountTune: () => ({ defaultLeaseTtl: 0, maxLeaseTtl: 2 * H }) });
    const root = await rootEntry(store);
    const dflt = await store.createToken(child(root.entry));
    expect(dflt.entry.ttl).toBe(2 * H); // default capped at the tuned max
    const capped = await store.createToken(child(root.entry, { ttl: 5 * H }));
    expect(capped.entry.ttl).toBe(2 * H);
    expect(capped.warnings).toEqual(['TTL of "5h" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly']);
    const sys = setup({ now: c.now });
    const r2 = await rootEntry(sys.store);
    expect((await sys.store.createToken(child(r2.entry))).entry.ttl).toBe(768 * H);
  });

  it('returns null for expired tokens and revokes them (with their children)', async () => {
    const c = clock();
    const { storage, store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry, { ttl: 60 }));
    const kid = await store.createToken(child(t.entry, { ttl: 3600 }));
    const revoked: string[] = [];
    store.addRevokeHook(async (e) => {
      revoked.push(e.hash);
    });
    c.advance(59);
    expect(await store.lookup(t.token)).not.toBeNull();
    c.advance(1);
    expect(await store.lookup(t.token)).toBeNull();
    await store.revokeTree(t.entry.hash); // joins the scheduled revocation
    expect(revoked.sort()).toEqual([t.entry.hash, kid.entry.hash].sort());
    expect(storage.entries.has(`id/${t.entry.hash}`)).toBe(false);
    expect(await store.lookup(kid.token)).toBeNull();
  });

  it('renews from now, capped by the explicit max, with warnings', async () => {
    const c = clock();
    const { store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry, { ttl: 50, explicitMaxTtl: 100 }));
    expect(t.entry.ttl).toBe(50);
    c.advance(30);
    const r = await store.renewToken(t.entry, 1000);
    expect(r.ttl).toBe(70);
    expect(r.warnings).toEqual(['TTL of "16m40s" exceeded the effective max_ttl of "1m10s"; TTL value is capped accordingly']);
    expect(r.entry.expire_time_ms).toBe(c.now() + 70_000);
    expect(r.entry.last_renewal_time_ms).toBe(c.now());
    expect(r.entry.ttl).toBe(50); // creation TTL is kept
    c.advance(20);
    const again = await store.renewToken(r.entry, 0);
    expect(again.ttl).toBe(50); // no increment: the last granted TTL, capped
    c.advance(51);
    expect(await store.lookup(t.token)).toBeNull();
  });

  it('renews a non-renewable, root or batch token with an error', async () => {
    const c = clock();
    const { store } = setup({ now: c.now });
    const root = await rootEntry(store);
    await expect(store.renewToken(root.entry, 60)).rejects.toThrow('lease is not renewable');
    const fixed = await store.createToken(child(root.entry, { renewable: false, ttl: 60 }));
    await expect(store.renewToken(fixed.entry, 60)).rejects.toThrow('lease is not renewable');
    const batch = await store.createToken(child(root.entry, { type: 'batch', ttl: 60 }));
    await expect(store.renewToken(batch.entry, 60)).rejects.toThrow('batch tokens cannot be renewed');
  });

  it('periodic tokens get the period on every renewal and die only at the explicit max', async () => {
    const c = clock();
    const { store } = setup({ now: c.now, tokenMountTune: () => ({ defaultLeaseTtl: 0, maxLeaseTtl: 2 * H }) });
    const root = await rootEntry(store);
    const p = await store.createToken(child(root.entry, { period: H, ttl: 10 }));
    expect(p.entry.ttl).toBe(H);
    expect(p.entry.period).toBe(H);
    let entry = p.entry;
    // Well past the mount max of 2h: a periodic token keeps going.
    for (let i = 0; i < 5; i++) {
      c.advance(50 * 60);
      const r = await store.renewToken(entry, 10 * H);
      expect(r.ttl).toBe(H);
      entry = r.entry;
    }
    const bounded = await store.createToken(child(root.entry, { period: H, explicitMaxTtl: 90 * 60 }));
    c.advance(50 * 60);
    const r = await store.renewToken(bounded.entry, 0);
    expect(r.ttl).toBe(40 * 60);
    expect(r.warnings[0]).toMatch(/^TTL of "1h" exceeded the effective max_ttl of "40m"/);
  });

  it('caps a period above the max with Vault’s period warning', async () => {
    const { store } = setup({ tokenMountTune: () => ({ defaultLeaseTtl: 0, maxLeaseTtl: H }) });
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry, { period: 2 * H }));
    expect(t.entry.ttl).toBe(H);
    expect(t.warnings).toEqual(['period of "2h" exceeded the effective max_ttl of "1h"; period value is capped accordingly']);
  });

  it('uses the issuing mount limits for login tokens', async () => {
    const { store } = setup({ limitsForPath: (p) => (p.startsWith('auth/userpass/') ? { defaultLeaseTtl: 120, maxLeaseTtl: 600 } : null) });
    const login = await store.createToken({ policies: ['default'], parent: null, orphan: true, path: 'auth/userpass/login/bob', displayName: 'userpass-bob' });
    expect(login.entry.ttl).toBe(120);
    expect(login.entry.orphan).toBe(true);
    const r = await store.renewToken(login.entry, 5000);
    expect(r.ttl).toBe(600);
  });
});

describe('bound CIDRs', () => {
  it('enforces bound_cidrs when a remote address is given', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry, { boundCidrs: ['10.0.0.0/8', '192.168.1.5/32'] }));
    expect(await store.lookup(t.token, { remoteAddr: '10.1.2.3' })).not.toBeNull();
    expect(await store.lookup(t.token, { remoteAddr: '::ffff:192.168.1.5' })).not.toBeNull();
    expect(await store.lookup(t.token, { remoteAddr: '127.0.0.1' })).toBeNull();
    expect(await store.lookup(t.token)).not.toBeNull(); // internal lookups (no address)
    const batch = await store.createToken(child(root.entry, { type: 'batch', orphan: true, boundCidrs: ['10.0.0.0/8'] }));
    expect(await store.lookup(batch.token, { remoteAddr: '10.0.0.1' })).not.toBeNull();
    expect(await store.lookup(batch.token, { remoteAddr: '11.0.0.1' })).toBeNull();
  });
});

describe('batch tokens', () => {
  it('round-trips without touching storage', async () => {
    const c = clock();
    const { storage, store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const puts = storage.puts;
    const deletes = storage.deletes;
    const keys = storage.entries.size;
    const created = await store.createToken(
      child(root.entry, { type: 'batch', orphan: true, policies: ['default', 'app'], meta: { user: 'bob' }, ttl: 300 }),
    );
    expect(created.token.startsWith('hvb.')).toBe(true);
    expect(created.entry).toMatchObject({ type: 'batch', accessor: '', renewable: false, ttl: 300, orphan: true, policies: ['app', 'default'] });
    const looked = await store.lookup(created.token);
    expect(looked).toMatchObject({ type: 'batch', policies: ['app', 'default'], meta: { user: 'bob' }, path: 'auth/token/create' });
    expect(looked?.hash).toBe(created.entry.hash);
    expect(await store.useToken(looked as TokenEntry)).toBe(looked);
    expect(storage.puts).toBe(puts);
    expect(storage.deletes).toBe(deletes);
    expect(storage.entries.size).toBe(keys);
    await expect(store.revokeTree(looked as TokenEntry)).rejects.toThrow('batch tokens cannot be revoked');
  });

  it('is invalid once tampered with, expired, read with another key, or its parent is gone', async () => {
    const c = clock();
    const { storage, store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const parent = await store.createToken(child(root.entry));
    const b = await store.createToken(child(parent.entry, { type: 'batch', ttl: 60 }));
    expect(b.entry.parent).toBe(parent.entry.hash);
    const body = b.token.slice(4);
    const flipped = body.slice(0, 20) + (body[20] === 'A' ? 'B' : 'A') + body.slice(21);
    expect(await store.lookup(`hvb.${flipped}`)).toBeNull();
    expect(await store.lookup(`hvb.${body.slice(0, -2)}`)).toBeNull();
    expect(await store.lookup('hvb.!!!')).toBeNull();
    const other = createTokenStore(storage, { batchCrypto: aesGcmBatchCrypto(new Uint8Array(32).fill(9)), now: c.now });
    expect(await other.lookup(b.token)).toBeNull();
    expect(await store.lookup(b.token)).not.toBeNull();
    await store.revokeTree(parent.entry);
    expect(await store.lookup(b.token)).toBeNull();
    const orphanBatch = await store.createToken(child(root.entry, { type: 'batch', orphan: true, ttl: 60 }));
    c.advance(60);
    expect(await store.lookup(orphanBatch.token)).toBeNull();
  });

  it('follows Vault’s batch restrictions', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    await expect(store.createToken(child(root.entry, { type: 'batch', policies: ['root'] }))).rejects.toThrow('batch tokens cannot be root tokens');
    await expect(store.createToken(child(root.entry, { type: 'batch', numUses: 2 }))).rejects.toThrow('batch tokens cannot have "num_uses" set');
    await expect(store.createToken(child(root.entry, { type: 'batch', period: 60 }))).rejects.toThrow('batch tokens cannot have "period" set');
    const noKey = createTokenStore(new CountingStorage());
    const r = await rootEntry(noKey);
    await expect(noKey.createToken(child(r.entry, { type: 'batch' }))).rejects.toThrow('batch tokens are not available');
  });
});

describe('revocation hooks', () => {
  it('a failing hook leaves the token dead, and tidy retries the revocation', async () => {
    const { storage, store } = setup();
    const root = await rootEntry(store);
    const t = await store.createToken(child(root.entry));
    let fail = true;
    const seen: string[] = [];
    store.addRevokeHook(async (e) => {
      if (fail && e.hash === t.entry.hash) throw new Error('lease backend down');
      seen.push(e.hash);
    });
    await expect(store.revokeTree(t.entry)).rejects.toThrow('lease backend down');
    expect(await store.lookup(t.token)).toBeNull();
    expect(storage.entries.has(`id/${t.entry.hash}`)).toBe(true);
    fail = false;
    const report = await store.tidy();
    expect(report.pendingRevocationsRetried).toBe(1);
    expect(storage.entries.has(`id/${t.entry.hash}`)).toBe(false);
    expect(seen).toEqual([t.entry.hash]);
  });
});

describe('re-entrant hooks', () => {
  it('a hook that revokes the token (or its ancestor) again does not deadlock', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    const a = await store.createToken(child(root.entry));
    const b = await store.createToken(child(a.entry));
    const calls: string[] = [];
    store.addRevokeHook(async (e) => {
      calls.push(e.hash);
      await store.revokeTree(e.hash);
      await store.revokeTree(a.entry.hash);
      await store.revokeOrphan(e.hash);
    });
    await store.revokeTree(a.entry);
    expect(calls).toEqual([b.entry.hash, a.entry.hash]);
    expect(await store.lookup(a.token, { tainted: true })).toBeNull();
    expect(await store.lookup(b.token, { tainted: true })).toBeNull();
  });
});

describe('tidy', () => {
  it('removes dangling accessor and child indexes, expired tokens, and children of vanished parents', async () => {
    const c = clock();
    const { storage, store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const keep = await store.createToken(child(root.entry));
    const expiring = await store.createToken(child(root.entry, { ttl: 10 }));
    const parent = await store.createToken(child(root.entry));
    const kid = await store.createToken(child(parent.entry));
    // Simulate leftovers of an interrupted revocation / a creation race.
    await storage.put('accessor/deadbeef', Buffer.from(JSON.stringify({ hash: 'f'.repeat(64), accessor: 'gone' })));
    await storage.put(`parent/${root.entry.hash}/${'e'.repeat(64)}`, new Uint8Array(0));
    await storage.delete(`id/${parent.entry.hash}`);
    store.invalidate();
    c.advance(11);

    const report = await store.tidy();
    expect(report.danglingAccessorsRemoved).toBeGreaterThanOrEqual(1);
    // The fake index, and the vanished parent's own entry under root.
    expect(report.danglingChildIndexesRemoved).toBe(2);
    expect(report.childrenOfMissingParentsRevoked).toBe(1);
    expect(report.expiredRevoked).toBe(1);
    expect(report.errors).toEqual([]);
    expect(storage.entries.has('accessor/deadbeef')).toBe(false);
    expect(storage.entries.has(`id/${expiring.entry.hash}`)).toBe(false);
    expect(await store.lookup(kid.token)).toBeNull();
    expect(await store.lookup(keep.token)).not.toBeNull();
    expect(await store.lookup(root.token)).not.toBeNull();
  });
});

describe('secrecy', () => {
  it('never writes a token, in any form, to a storage key or value', async () => {
    const c = clock();
    const { storage, store } = setup({ now: c.now });
    const root = await rootEntry(store);
    const tokens: string[] = [root.token];
    const a = await store.createToken(child(root.entry, { meta: { k: 'v' } }));
    tokens.push(a.token);
    const b = await store.createToken(child(a.entry, { numUses: 3 }));
    tokens.push(b.token);
    await store.useToken(b.entry);
    const custom = await store.createToken(child(root.entry, { id: 'my-custom-token-value' }));
    tokens.push(custom.token);
    const batch = await store.createToken(child(root.entry, { type: 'batch' }));
    tokens.push(batch.token);
    await store.renewToken(a.entry, 100);
    await store.revokeOrphan(a.entry);
    await store.tidy();
    const dump = storage.dump();
    for (const t of tokens) {
      expect(dump).not.toContain(t);
      expect(dump).not.toContain(t.replace(/^hv[sb]\./, ''));
      expect(dump).not.toContain(Buffer.from(t).toString('hex'));
    }
  });

  it('custom ids follow Vault’s rules', async () => {
    const { store } = setup();
    const root = await rootEntry(store);
    await expect(store.createToken(child(root.entry, { id: 'hvs.abc' }))).rejects.toThrow("custom token ID cannot have the 'hvs.' prefix");
    await expect(store.createToken(child(root.entry, { id: 's.abc' }))).rejects.toThrow("custom token ID cannot have the 's.' prefix");
    await expect(store.createToken(child(root.entry, { id: 'a.b' }))).rejects.toThrow("custom token ID cannot have a '.' in the value");
    await store.createToken(child(root.entry, { id: 'dup' }));
    await expect(store.createToken(child(root.entry, { id: 'dup' }))).rejects.toThrow('cannot create a token with a duplicate ID');
    expect(await store.lookup('dup')).not.toBeNull();
  });
});
