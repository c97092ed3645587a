import { describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from '../sdk/testing.js';
import { createIdentityStore, type IdentityStore } from './identity-store.js';
import { identityBackend } from './paths.js';

const MOUNTS: Record<string, { type: string; path: string }> = {
  auth_userpass_1111: { type: 'userpass', path: 'auth/userpass/' },
  auth_kubernetes_2222: { type: 'kubernetes', path: 'auth/kubernetes/' },
};

async function setup(): Promise<{ b: TestBackend; store: IdentityStore }> {
  let store: IdentityStore | null = null;
  const b = await createTestBackend(
    ({ storage }) => {
      store = createIdentityStore(storage);
      return identityBackend(store, { mountByAccessor: (a) => MOUNTS[a] ?? null });
    },
    { type: 'identity', path: 'identity/' },
  );
  if (!store) throw new Error('store not built');
  return { b, store };
}

describe('identity/entity', () => {
  it('creates (id, name), updates (204), reads with Vault’s shape, lists and deletes', async () => {
    const { b } = await setup();
    const created = await b.request('write', 'entity', { name: 'alice', metadata: { team: 'a' }, policies: 'p1,p2' });
    const id = created?.data?.['id'] as string;
    expect(created?.data).toEqual({ id, name: 'alice', aliases: null });
    expect(await b.request('write', 'entity', { id, disabled: true })).toBeNull();
    expect(await b.request('write', `entity/id/${id}`, { policies: ['p3'] })).toBeNull();

    const read = await b.request('read', `entity/id/${id}`);
    expect(Object.keys(read?.data ?? {}).sort()).toEqual(
      [
        'aliases',
        'creation_time',
        'direct_group_ids',
        'disabled',
        'group_ids',
        'id',
        'inherited_group_ids',
        'last_update_time',
        'merged_entity_ids',
        'metadata',
        'name',
        'namespace_id',
        'policies',
      ].sort(),
    );
    expect(read?.data).toMatchObject({ id, name: 'alice', disabled: true, policies: ['p3'], metadata: { team: 'a' }, namespace_id: 'root', aliases: [] });
    expect(read?.data?.['creation_time']).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect((await b.request('read', 'entity/name/alice'))?.data?.['id']).toBe(id);

    // By name: creates when missing, updates when present.
    const bob = await b.request('write', 'entity/name/bob', { metadata: { x: 'y' } });
    expect(bob?.data?.['name']).toBe('bob');
    expect(await b.request('write', 'entity/name/bob', { metadata: { x: 'z' } })).toBeNull();

    const byId = await b.request('list', 'entity/id/');
    expect((byId?.data?.['keys'] as string[]).sort()).toEqual([id, bob?.data?.['id']].sort());
    expect((byId?.data?.['key_info'] as Record<string, { name: string }>)[id]?.name).toBe('alice');
    expect(((await b.request('list', 'entity/name/'))?.data?.['keys'] as string[]).sort()).toEqual(['alice', 'bob']);

    expect(await b.request('delete', 'entity/name/bob')).toBeNull();
    expect(await b.request('delete', `entity/id/${id}`)).toBeNull();
    expect(await b.request('read', `entity/id/${id}`)).toBeNull();
    await expect(b.request('write', 'entity', { id: 'nope' })).rejects.toThrow('entity not found from id');
  });
});

describe('identity/entity-alias', () => {
  it('creates aliases on known mounts and reads them back with mount details', async () => {
    const { b } = await setup();
    const e = await b.request('write', 'entity', { name: 'alice' });
    const eid = e?.data?.['id'] as string;
    await expect(b.request('write', 'entity-alias', { name: 'alice', mount_accessor: 'auth_bogus', canonical_id: eid })).rejects.toThrow(
      'invalid mount accessor "auth_bogus"',
    );
    await expect(b.request('write', 'entity-alias', { name: 'alice' })).rejects.toThrow("'id' or 'mount_accessor' and 'name' must be provided");
    const a = await b.request('write', 'entity-alias', { name: 'alice', mount_accessor: 'auth_userpass_1111', canonical_id: eid, custom_metadata: { k: 'v' } });
    const aid = a?.data?.['id'] as string;
    expect(a?.data).toEqual({ id: aid, canonical_id: eid });
    const read = await b.request('read', `entity-alias/id/${aid}`);
    expect(read?.data).toMatchObject({
      id: aid,
      canonical_id: eid,
      mount_accessor: 'auth_userpass_1111',
      mount_type: 'userpass',
      mount_path: 'auth/userpass/',
      name: 'alice',
      custom_metadata: { k: 'v' },
      local: false,
      namespace_id: 'root',
    });
    const entity = await b.request('read', `entity/id/${eid}`);
    expect((entity?.data?.['aliases'] as Array<Record<string, unknown>>)[0]).toMatchObject({ id: aid, mount_type: 'userpass' });
    // A new alias without canonical_id gets a new entity.
    const fresh = await b.request('write', 'entity-alias', { name: 'sa-uid', mount_accessor: 'auth_kubernetes_2222' });
    expect(fresh?.data?.['canonical_id']).not.toBe(eid);
    expect(((await b.request('list', 'entity-alias/id/'))?.data?.['keys'] as string[]).length).toBe(2);
    expect(await b.request('delete', `entity-alias/id/${aid}`)).toBeNull();
    expect(await b.request('read', `entity-alias/id/${aid}`)).toBeNull();
  });
});

describe('identity/group', () => {
  it('creates internal groups, reads them, and feeds policies to members', async () => {
    const { b, store } = await setup();
    const e = await b.request('write', 'entity', { name: 'alice', policies: ['own'] });
    const eid = e?.data?.['id'] as string;
    const inner = await b.request('write', 'group', { name: 'devs', policies: 'dev', member_entity_ids: [eid] });
    const innerId = inner?.data?.['id'] as string;
    expect(inner?.data).toEqual({ id: innerId, name: 'devs' });
    const outer = await b.request('write', 'group', { name: 'eng', policies: ['eng'], member_group_ids: [innerId] });
    const outerId = outer?.data?.['id'] as string;
    expect(await b.request('write', `group/id/${innerId}`, { metadata: { a: 'b' } })).toBeNull();
    const read = await b.request('read', 'group/name/devs');
    expect(read?.data).toMatchObject({
      id: innerId,
      name: 'devs',
      type: 'internal',
      policies: ['dev'],
      member_entity_ids: [eid],
      parent_group_ids: [outerId],
      metadata: { a: 'b' },
      member_group_ids: null,
      alias: {},
    });
    const entity = await b.request('read', `entity/id/${eid}`);
    expect(entity?.data).toMatchObject({ direct_group_ids: [innerId], inherited_group_ids: [outerId], group_ids: [innerId, outerId] });
    expect(await store.policiesFor(eid)).toEqual(['dev', 'eng', 'own']);
    expect(((await b.request('list', 'group/name/'))?.data?.['keys'] as string[]).sort()).toEqual(['devs', 'eng']);
    expect(await b.request('write', 'group/name/eng', { policies: ['eng2'] })).toBeNull();
    expect((await b.request('read', `group/id/${outerId}`))?.data?.['policies']).toEqual(['eng2']);
    expect(await b.request('delete', `group/id/${outerId}`)).toBeNull();
    expect(await store.policiesFor(eid)).toEqual(['dev', 'own']);
    await expect(b.request('write', 'group', { name: 'x', type: 'weird' })).rejects.toThrow('invalid group type "weird"');
  });
});

describe('identity/lookup/entity', () => {
  it('finds by id, name, alias id or alias name + accessor, with Vault’s input rules', async () => {
    const { b, store } = await setup();
    const e = await store.upsertEntityForAlias({ mountAccessor: 'auth_userpass_1111', mountType: 'userpass', name: 'carol' });
    const aliasId = e.aliases[0]?.id as string;
    for (const body of [{ id: e.id }, { name: e.name }, { alias_id: aliasId }, { alias_name: 'carol', alias_mount_accessor: 'auth_userpass_1111' }]) {
      expect((await b.request('write', 'lookup/entity', body))?.data?.['id']).toBe(e.id);
    }
    expect(await b.request('write', 'lookup/entity', { id: 'missing' })).toBeNull();
    await expect(b.request('write', 'lookup/entity', {})).rejects.toThrow(
      'one of "id", "name", "alias_id" or a pair of "alias_name" and "alias_mount_accessor" must be supplied',
    );
    await expect(b.request('write', 'lookup/entity', { id: e.id, name: e.name })).rejects.toThrow('only one of');
    await expect(b.request('write', 'lookup/entity', { alias_name: 'carol' })).rejects.toThrow(
      'pair of "alias_name" and "alias_mount_accessor" should be supplied',
    );
  });
});
