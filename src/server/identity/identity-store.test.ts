import { describe, expect, it } from 'vitest';
import { InmemStorage } from '../sdk/testing.js';
import { createIdentityStore } from './identity-store.js';

function setup() {
  const storage = new InmemStorage();
  return { storage, store: createIdentityStore(storage) };
}

describe('upsertEntityForAlias', () => {
  it('creates an entity with its alias once, then finds it again (idempotent)', async () => {
    const { storage, store } = setup();
    const first = await store.upsertEntityForAlias({
      mountAccessor: 'auth_userpass_1234',
      mountType: 'userpass',
      mountPath: 'auth/userpass/',
      name: 'bob',
      metadata: { username: 'bob' },
    });
    expect(first.name).toMatch(/^entity_[0-9a-f]{8}$/);
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.aliases).toHaveLength(1);
    expect(first.aliases[0]).toMatchObject({ name: 'bob', mount_accessor: 'auth_userpass_1234', canonical_id: first.id, metadata: { username: 'bob' } });
    const keysAfterFirst = [...storage.entries.keys()].sort();

    const again = await store.upsertEntityForAlias({ mountAccessor: 'auth_userpass_1234', mountType: 'userpass', name: 'bob', metadata: { username: 'bob' } });
    expect(again.id).toBe(first.id);
    expect([...storage.entries.keys()].sort()).toEqual(keysAfterFirst);
    expect(await store.listEntities()).toHaveLength(1);

    // Alias names match case-insensitively, like Vault's default.
    expect((await store.upsertEntityForAlias({ mountAccessor: 'auth_userpass_1234', mountType: 'userpass', name: 'BOB', metadata: { username: 'bob' } })).id).toBe(first.id);
    // Another mount is another alias, hence another entity.
    const other = await store.upsertEntityForAlias({ mountAccessor: 'auth_approle_9', mountType: 'approle', name: 'bob' });
    expect(other.id).not.toBe(first.id);
  });

  it('refreshes alias metadata on login', async () => {
    const { store } = setup();
    const e = await store.upsertEntityForAlias({ mountAccessor: 'auth_k8s_1', mountType: 'kubernetes', name: 'uid-1', metadata: { service_account_namespace: 'a' } });
    const e2 = await store.upsertEntityForAlias({ mountAccessor: 'auth_k8s_1', mountType: 'kubernetes', name: 'uid-1', metadata: { service_account_namespace: 'b' } });
    expect(e2.id).toBe(e.id);
    expect((await store.getEntity(e.id))?.aliases[0]?.metadata).toEqual({ service_account_namespace: 'b' });
  });

  it('concurrent first logins create a single entity', async () => {
    const { store } = setup();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.upsertEntityForAlias({ mountAccessor: 'auth_userpass_1', mountType: 'userpass', name: 'alice' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await store.listEntities()).toHaveLength(1);
  });
});

describe('templateContext and policiesFor', () => {
  it('gives the templating shape with direct and inherited groups', async () => {
    const { store } = setup();
    const e = await store.upsertEntityForAlias({
      mountAccessor: 'auth_kubernetes_abcd',
      mountType: 'kubernetes',
      name: 'uid-9',
      metadata: { service_account_namespace: 'team-a' },
    });
    await store.writeEntity({ id: e.id, metadata: { tier: 'gold' }, policies: ['entity-pol'] });
    const inner = await store.writeGroup({ name: 'devs', policies: ['dev'], memberEntityIds: [e.id], metadata: { team: 'a' } });
    const outer = await store.writeGroup({ name: 'eng', policies: ['eng', 'dev'], memberGroupIds: [inner.group.id] });
    const top = await store.writeGroup({ name: 'all', policies: ['base'], memberGroupIds: [outer.group.id] });
    await store.writeGroup({ name: 'unrelated', policies: ['nope'] });

    const ctx = await store.templateContext(e.id);
    expect(ctx).toEqual({
      entity: {
        id: e.id,
        name: e.name,
        metadata: { tier: 'gold' },
        disabled: false,
        aliases: [
          {
            mountAccessor: 'auth_kubernetes_abcd',
            id: e.aliases[0]?.id,
            name: 'uid-9',
            metadata: { service_account_namespace: 'team-a' },
            customMetadata: {},
          },
        ],
      },
      groups: expect.arrayContaining([
        { id: inner.group.id, name: 'devs', metadata: { team: 'a' } },
        { id: outer.group.id, name: 'eng', metadata: {} },
        { id: top.group.id, name: 'all', metadata: {} },
      ]),
    });
    expect(ctx?.groups).toHaveLength(3);
    expect(ctx?.groups[0]?.id).toBe(inner.group.id);
    expect(await store.policiesFor(e.id)).toEqual(['base', 'dev', 'eng', 'entity-pol']);
    const memberships = await store.groupsOfEntity(e.id);
    expect(memberships.direct.map((g) => g.name)).toEqual(['devs']);
    expect(memberships.inherited.map((g) => g.name).sort()).toEqual(['all', 'eng']);

    // Leaving a group drops its policies (caches are invalidated).
    await store.writeGroup({ id: inner.group.id, memberEntityIds: [] });
    expect(await store.policiesFor(e.id)).toEqual(['entity-pol']);
    expect(await store.templateContext('missing')).toBeNull();
    expect(await store.policiesFor('missing')).toEqual([]);
  });

  it('refuses group cycles and unknown members', async () => {
    const { store } = setup();
    const a = await store.writeGroup({ name: 'a' });
    const b = await store.writeGroup({ name: 'b', memberGroupIds: [a.group.id] });
    await expect(store.writeGroup({ id: a.group.id, memberGroupIds: [b.group.id] })).rejects.toThrow('cyclic relationship detected for member group ID');
    await expect(store.writeGroup({ id: a.group.id, memberGroupIds: [a.group.id] })).rejects.toThrow('cyclic relationship');
    await expect(store.writeGroup({ name: 'c', memberEntityIds: ['nope'] })).rejects.toThrow('invalid member entity ID "nope"');
    await expect(store.writeGroup({ name: 'c', policies: ['root'] })).rejects.toThrow('policies cannot contain root');
  });
});

describe('entities, aliases and groups', () => {
  it('renames, deletes and keeps the indexes consistent', async () => {
    const { storage, store } = setup();
    const { entity } = await store.writeEntity({ name: 'Alice', policies: ['b', 'a', 'a'] });
    expect(entity.policies).toEqual(['a', 'b']);
    expect((await store.getEntityByName('alice'))?.id).toBe(entity.id);
    await expect(store.writeEntity({ name: 'x', policies: ['root'] })).rejects.toThrow('policies cannot contain root');
    const other = await store.writeEntity({ name: 'other' });
    await expect(store.writeEntity({ id: entity.id, name: 'other' })).rejects.toThrow('entity name is already in use');
    await store.writeEntity({ id: entity.id, name: 'alice2' });
    expect(await store.getEntityByName('Alice')).toBeNull();
    expect((await store.getEntityByName('alice2'))?.id).toBe(entity.id);

    const alias = await store.writeAlias({ name: 'al', mountAccessor: 'auth_userpass_1', canonicalId: entity.id });
    expect(alias?.entity.id).toBe(entity.id);
    await expect(store.writeAlias({ name: 'al2', mountAccessor: 'auth_userpass_1', canonicalId: entity.id })).rejects.toThrow(
      'Alias already exists for requested entity and mount accessor',
    );
    // Move the alias to the other entity.
    const moved = await store.writeAlias({ id: alias?.alias.id ?? '', canonicalId: other.entity.id });
    expect(moved?.entity.id).toBe(other.entity.id);
    expect((await store.getEntity(entity.id))?.aliases).toEqual([]);
    expect((await store.getEntityByAlias('auth_userpass_1', 'al'))?.id).toBe(other.entity.id);
    // No-op update.
    expect(await store.writeAlias({ id: alias?.alias.id ?? '' })).toBeNull();

    const g = await store.writeGroup({ name: 'g', memberEntityIds: [other.entity.id] });
    await store.deleteEntity(other.entity.id);
    expect((await store.getGroup(g.group.id))?.member_entity_ids).toEqual([]);
    expect(await store.getEntityByAlias('auth_userpass_1', 'al')).toBeNull();
    await store.deleteEntity(entity.id);
    await store.deleteGroup(g.group.id);
    expect([...storage.entries.keys()]).toEqual([]);
  });

  it('deleting a group detaches it from its parents', async () => {
    const { store } = setup();
    const child = await store.writeGroup({ name: 'child' });
    const parent = await store.writeGroup({ name: 'parent', memberGroupIds: [child.group.id] });
    expect(await store.parentGroupIds(child.group.id)).toEqual([parent.group.id]);
    await store.deleteGroup(child.group.id);
    expect((await store.getGroup(parent.group.id))?.member_group_ids).toEqual([]);
    await expect(store.writeGroup({ id: parent.group.id, type: 'external' })).rejects.toThrow('group type cannot be changed');
  });
});
