import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../shared/errors.js';
import {
  type LogicalRequest,
  type LogicalResponse,
  type MountView,
  type Operation,
  createBackend,
  defineBackend,
  getJson,
  putJson,
} from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.js';
import { policyPaths } from './paths.js';
import { type PolicyStore, createPolicyStore } from './store.js';

/** The sdk's in-memory Storage, whose reads of a key can be held back by a `gate`. */
class MemoryStorage extends InmemStorage {
  readonly gates = new Map<string, Promise<void>>();
  override async get(key: string): Promise<Uint8Array | null> {
    // Read first, then wait: a gated read returns what was there when it started.
    const value = await super.get(key);
    await this.gates.get(key);
    return value;
  }
}

const READ_SECRET = 'path "secret/*" { capabilities = ["read"] }';
const LIST_SECRET = 'path "secret/*" { capabilities = ["list"] }';

describe('createPolicyStore', () => {
  it('seeds default on first use and lists default and root', async () => {
    const storage = new MemoryStorage();
    const store = createPolicyStore(storage);
    expect(await store.list()).toEqual(['default', 'root']);
    expect(await store.get('default')).toEqual({ name: 'default', policy: DEFAULT_POLICY });
    expect(await getJson(storage, 'policy/default')).toEqual({ name: 'default', policy: DEFAULT_POLICY });
    expect(await store.get('root')).toEqual({ name: 'root', policy: '' });
    expect(await store.get('response-wrapping')).toEqual({ name: 'response-wrapping', policy: RESPONSE_WRAPPING_POLICY });
    expect(await store.get('nope')).toBeNull();
    expect(await store.getPolicy('nope')).toBeNull();
  });

  it('does not overwrite an edited default', async () => {
    const storage = new MemoryStorage();
    await putJson(storage, 'policy/default', { name: 'default', policy: READ_SECRET });
    const store = createPolicyStore(storage);
    expect((await store.get('default'))?.policy).toBe(READ_SECRET);
    await store.put('default', LIST_SECRET);
    expect((await createPolicyStore(storage).get('default'))?.policy).toBe(LIST_SECRET);
  });

  it('stores {name, policy} under sanitized names', async () => {
    const storage = new MemoryStorage();
    const store = createPolicyStore(storage);
    const policy = await store.put('  Team-Ops ', READ_SECRET);
    expect(policy.name).toBe('team-ops');
    expect(await getJson(storage, 'policy/team-ops')).toEqual({ name: 'team-ops', policy: READ_SECRET });
    expect(await store.get('TEAM-OPS')).toEqual({ name: 'team-ops', policy: READ_SECRET });
    expect(await store.list()).toEqual(['default', 'root', 'team-ops']);
    await store.put('a/b', READ_SECRET);
    expect(await store.list()).toEqual(['a/b', 'default', 'root', 'team-ops']);
  });

  it('validates before storing', async () => {
    const storage = new MemoryStorage();
    const store = createPolicyStore(storage);
    await expect(store.put('bad', 'path "x" { capabilities = ["raed"] }')).rejects.toThrow('failed to parse policy: path "x": invalid capability "raed"');
    expect(await store.get('bad')).toBeNull();
  });

  it('protects root, default and the reserved policies', async () => {
    const store = createPolicyStore(new MemoryStorage());
    await expect(store.put('root', READ_SECRET)).rejects.toThrow(new UserError('cannot update "root" policy'));
    await expect(store.put('ROOT ', READ_SECRET)).rejects.toThrow('cannot update "root" policy');
    await expect(store.put('response-wrapping', READ_SECRET)).rejects.toThrow('cannot update "response-wrapping" policy');
    await expect(store.delete('root')).rejects.toThrow('cannot delete "root" policy');
    await expect(store.delete('response-wrapping')).rejects.toThrow('cannot delete "response-wrapping" policy');
    await expect(store.delete('Default')).rejects.toThrow('cannot delete default policy');
    await expect(store.delete('never-existed')).resolves.toBeUndefined();
    await expect(store.put('', READ_SECRET)).rejects.toThrow('policy name must be provided in the URL');
  });

  it('hides non-assignable policies from the list', async () => {
    const storage = new MemoryStorage();
    await putJson(storage, 'policy/response-wrapping', { name: 'response-wrapping', policy: RESPONSE_WRAPPING_POLICY });
    await putJson(storage, 'policy/control-group', { name: 'control-group', policy: '' });
    expect(await createPolicyStore(storage).list()).toEqual(['default', 'root']);
  });

  describe('aclFor', () => {
    it('compiles once per policy set and invalidates on put and delete', async () => {
      const store = createPolicyStore(new MemoryStorage());
      await store.put('r', READ_SECRET);
      await store.put('l', LIST_SECRET);
      const a = await store.aclFor(['r', 'l']);
      expect(a.capabilities('secret/x')).toEqual(['list', 'read']);
      expect(await store.aclFor(['L', 'r', 'r'])).toBe(a);
      await store.put('l', 'path "secret/*" { capabilities = ["update"] }');
      const b = await store.aclFor(['r', 'l']);
      expect(b).not.toBe(a);
      expect(b.capabilities('secret/x')).toEqual(['read', 'update']);
      await store.delete('l');
      expect((await store.aclFor(['r', 'l'])).capabilities('secret/x')).toEqual(['read']);
    });

    it('treats unknown policies as empty and root as everything', async () => {
      const store = createPolicyStore(new MemoryStorage());
      expect((await store.aclFor(['ghost'])).capabilities('secret/x')).toEqual(['deny']);
      const root = await store.aclFor(['default', 'root']);
      expect(root.isRoot).toBe(true);
      expect(root.allowOperation({ path: 'sys/seal', operation: 'update' }).allowed).toBe(true);
      const wrapping = await store.aclFor(['response-wrapping']);
      expect(wrapping.allowOperation({ path: 'cubbyhole/response', operation: 'read' }).allowed).toBe(true);
      expect(wrapping.allowOperation({ path: 'sys/wrapping/unwrap', operation: 'update' }).allowed).toBe(true);
      expect(wrapping.allowOperation({ path: 'cubbyhole/other', operation: 'read' }).allowed).toBe(false);
    });

    it('keys templated ACLs by the caller identity', async () => {
      const store = createPolicyStore(new MemoryStorage());
      await store.put('own', 'path "secret/{{identity.entity.name}}/*" { capabilities = ["read"] }');
      const alice = { entity: { id: '1', name: 'alice', metadata: {}, aliases: [] } };
      const bob = { entity: { id: '2', name: 'bob', metadata: {}, aliases: [] } };
      const a1 = await store.aclFor(['own'], alice);
      const b1 = await store.aclFor(['own'], bob);
      expect(a1).not.toBe(b1);
      expect(a1.capabilities('secret/alice/x')).toEqual(['read']);
      expect(a1.capabilities('secret/bob/x')).toEqual(['deny']);
      expect(b1.capabilities('secret/bob/x')).toEqual(['read']);
      expect(await store.aclFor(['own'], JSON.parse(JSON.stringify(alice)))).toBe(a1);
      // The default policy is templated too: each entity gets its own entry.
      const d1 = await store.aclFor(['default'], alice);
      expect(d1.capabilities('identity/entity/id/1')).toEqual(['read']);
      expect((await store.aclFor(['default'], bob)).capabilities('identity/entity/id/1')).toEqual(['deny']);
      // Untemplated sets are shared whatever the caller.
      await store.put('plain', READ_SECRET);
      expect(await store.aclFor(['plain'], alice)).toBe(await store.aclFor(['plain'], bob));
    });

    it('bounds the cache by the number of rules, not just by entries', async () => {
      const store = createPolicyStore(new MemoryStorage(), { aclCacheMaxRules: 3 });
      await store.put('two', 'path "a" { capabilities = ["read"] }\npath "b/*" { capabilities = ["read"] }');
      await store.put('big', 'path "a" { capabilities = ["read"] }\npath "b/*" { capabilities = ["read"] }\npath "c/+" { capabilities = ["read"] }');
      const two = await store.aclFor(['two']);
      expect(two.ruleCount).toBe(2);
      expect(await store.aclFor(['two'])).toBe(two);
      const big = await store.aclFor(['big']);
      expect(big.ruleCount).toBe(3);
      expect(await store.aclFor(['big'])).not.toBe(big); // too big to cache
      expect((await store.aclFor(['big'])).capabilities('c/x')).toEqual(['read']);
    });

    it('does not cache an ACL compiled from data a concurrent write replaced', async () => {
      const storage = new MemoryStorage();
      const store = createPolicyStore(storage);
      await store.put('slow', READ_SECRET);
      store.invalidate();
      let release: () => void = () => undefined;
      storage.gates.set('policy/slow', new Promise<void>((resolve) => (release = resolve)));
      const pending = store.aclFor(['slow']);
      await new Promise((r) => setTimeout(r, 5));
      storage.gates.delete('policy/slow');
      await store.put('slow', LIST_SECRET);
      release();
      expect((await pending).capabilities('secret/x')).toEqual(['read']); // built from the old text
      expect((await store.aclFor(['slow'])).capabilities('secret/x')).toEqual(['list']);
    });
  });

  it('tells listeners about local changes; invalidate() applies changes made elsewhere', async () => {
    const storage = new MemoryStorage();
    const node1 = createPolicyStore(storage);
    const node2 = createPolicyStore(storage);
    const seen: string[] = [];
    const unsubscribe = node1.onChange((name) => {
      seen.push(name);
      node2.invalidate(name);
    });
    node1.onChange(() => {
      throw new Error('a broken listener does not break the write');
    });

    await node1.put('p', READ_SECRET);
    expect((await node2.aclFor(['p'])).capabilities('secret/x')).toEqual(['read']);
    await node1.put('P', LIST_SECRET);
    expect((await node2.aclFor(['p'])).capabilities('secret/x')).toEqual(['list']);
    await node1.delete('p');
    expect((await node2.aclFor(['p'])).capabilities('secret/x')).toEqual(['deny']);
    expect(seen).toEqual(['p', 'p', 'p']);

    unsubscribe();
    await node1.put('p', READ_SECRET);
    expect(seen).toHaveLength(3);
    expect((await node2.aclFor(['p'])).capabilities('secret/x')).toEqual(['deny']); // stale until told
    node2.invalidate();
    expect((await node2.aclFor(['p'])).capabilities('secret/x')).toEqual(['read']);
  });
});

describe('policyPaths (sys/policy, sys/policies/acl)', () => {
  async function setup(): Promise<{ store: PolicyStore; request: (op: Operation | 'write', path: string, data?: Record<string, unknown>) => Promise<LogicalResponse | null> }> {
    const storage = new MemoryStorage();
    const store = createPolicyStore(storage);
    const backend = createBackend(defineBackend({ kind: 'logical', help: 'sys', paths: policyPaths(store) }));
    const mount: MountView = {
      path: 'sys/',
      type: 'system',
      uuid: randomUUID(),
      accessor: 'system_1',
      options: {},
      defaultLeaseTtl: () => 2764800,
      maxLeaseTtl: () => 2764800,
    };
    const request = async (op: Operation | 'write', path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> => {
      let req: LogicalRequest = {
        id: randomUUID(),
        operation: op === 'write' ? 'update' : op,
        path,
        data,
        headers: {},
        remoteAddr: '127.0.0.1',
        storage,
        mount,
      };
      if (op === 'write') {
        const existence = await backend.existenceCheck(req);
        if (existence.checked && !existence.exists) req = { ...req, operation: 'create' };
      }
      return backend.handleRequest(req);
    };
    return { store, request };
  }

  it('lists with keys and policies on sys/policy, keys on sys/policies/acl', async () => {
    const { request } = await setup();
    await request('write', 'policies/acl/zeta', { policy: READ_SECRET });
    await request('write', 'policies/acl/alpha', { policy: READ_SECRET });
    const keys = ['alpha', 'default', 'root', 'zeta'];
    expect(await request('read', 'policy')).toEqual({ data: { keys, policies: keys } });
    expect(await request('list', 'policy/')).toEqual({ data: { keys, policies: keys } });
    expect(await request('list', 'policies/acl/')).toEqual({ data: { keys } });
  });

  it('writes and reads through both endpoints with their field names', async () => {
    const { request, store } = await setup();
    expect(await request('write', 'policy/ops', { policy: READ_SECRET })).toBeNull();
    expect(await request('read', 'policy/ops')).toEqual({ data: { name: 'ops', rules: READ_SECRET } });
    expect(await request('read', 'policies/acl/ops')).toEqual({ data: { name: 'ops', policy: READ_SECRET } });
    expect(await request('read', 'policies/acl/missing')).toBeNull();
    expect(await request('read', 'policy/root')).toEqual({ data: { name: 'root', rules: '' } });
    expect(await request('delete', 'policies/acl/ops')).toBeNull();
    expect(await store.get('ops')).toBeNull();
    expect(await request('delete', 'policy/ops')).toBeNull();
  });

  it('decodes base64 policy text', async () => {
    const { request } = await setup();
    await request('write', 'policies/acl/b64', { policy: Buffer.from(LIST_SECRET).toString('base64') });
    expect(await request('read', 'policies/acl/b64')).toEqual({ data: { name: 'b64', policy: LIST_SECRET } });
  });

  it('lowercases names with a warning, and accepts legacy rules on sys/policy only', async () => {
    const { request } = await setup();
    expect(await request('write', 'policy/MyPolicy', { policy: READ_SECRET })).toEqual({ warnings: ['policy name was converted to "mypolicy"'] });
    expect(await request('read', 'policy/MYPOLICY')).toEqual({ data: { name: 'mypolicy', rules: READ_SECRET } });
    expect(await request('write', 'policy/legacy', { rules: LIST_SECRET })).toEqual({ warnings: ["'rules' is deprecated, please use 'policy' instead"] });
    expect(await request('read', 'policies/acl/legacy')).toEqual({ data: { name: 'legacy', policy: LIST_SECRET } });
    await expect(request('write', 'policies/acl/legacy2', { rules: LIST_SECRET })).rejects.toThrow("'policy' parameter not supplied or empty");
  });

  it('answers 400 for empty, invalid and protected policies', async () => {
    const { request } = await setup();
    await expect(request('write', 'policies/acl/x', {})).rejects.toThrow(new UserError("'policy' parameter not supplied or empty"));
    await expect(request('write', 'policy/x', { policy: '' })).rejects.toThrow("'policy' parameter not supplied or empty");
    await expect(request('write', 'policies/acl/x', { policy: 'path "a" { capabilities = ["nope"] }' })).rejects.toThrow(
      'failed to parse policy: path "a": invalid capability "nope" at 1:12',
    );
    await expect(request('write', 'policies/acl/root', { policy: READ_SECRET })).rejects.toThrow('cannot update "root" policy');
    await expect(request('delete', 'policy/root')).rejects.toThrow('cannot delete "root" policy');
    await expect(request('delete', 'policies/acl/default')).rejects.toThrow('cannot delete default policy');
  });

  it('declares an existence check, so new policies are "create" and existing ones "update"', async () => {
    const { request } = await setup();
    const storage = new MemoryStorage();
    const backend = createBackend(defineBackend({ kind: 'logical', help: 'sys', paths: policyPaths(createPolicyStore(storage)) }));
    const base = { id: '1', data: {}, headers: {}, remoteAddr: '', storage, mount: {} as MountView } as const;
    expect(await backend.existenceCheck({ ...base, operation: 'update', path: 'policies/acl/new' })).toEqual({ checked: true, exists: false });
    expect(await backend.existenceCheck({ ...base, operation: 'update', path: 'policy/default' })).toEqual({ checked: true, exists: true });
    expect(await request('write', 'policies/acl/new', { policy: READ_SECRET })).toBeNull();
  });
});
