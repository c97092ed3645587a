/**
 * The `identity/` backend: entities, entity aliases, internal groups and entity lookup,
 * with Vault's request and response shapes (`api-docs/secret/identity/*`).
 */
import { UserError } from '../../shared/errors.js';
import { defineBackend, definePath, f, type BackendSpec, type LogicalResponse, type PathSpec } from '../sdk/index.js';
import type { Entity, EntityAlias, Group, IdentityStore } from './identity-store.js';

export interface MountInfo {
  type: string;
  /** e.g. `auth/userpass/`. */
  path: string;
  local?: boolean;
}

export interface IdentityBackendDeps {
  /** Resolves an auth mount accessor; aliases for unknown accessors are refused when given. */
  mountByAccessor?: (accessor: string) => MountInfo | null;
}

const ID = String.raw`\w(?:[\w\-.]*\w)?`;

const entityFields = {
  id: f.string({ description: 'ID of the entity. If set, updates the corresponding existing entity.' }),
  name: f.string({ description: 'Name of the entity' }),
  metadata: f.kvPairs({ description: 'Metadata to be associated with the entity.' }),
  policies: f.commaStringSlice({ description: 'Policies to be tied to the entity.' }),
  disabled: f.bool({ description: 'If set true, tokens tied to this identity will not be able to be used.' }),
};

const aliasFields = {
  id: f.string({ description: 'ID of the entity alias. If set, updates the corresponding entity alias.' }),
  entity_id: f.string({ description: 'Deprecated: use canonical_id.' }),
  canonical_id: f.string({ description: 'Entity ID to which this alias belongs' }),
  mount_accessor: f.string({ description: 'Mount accessor to which this alias belongs' }),
  name: f.string({ description: 'Name of the alias' }),
  custom_metadata: f.kvPairs({ description: 'User provided key-value pairs' }),
};

const groupFields = {
  id: f.string({ description: 'ID of the group. If set, updates the corresponding existing group.' }),
  type: f.string({ description: "Type of the group, 'internal' or 'external'. Defaults to 'internal'" }),
  name: f.string({ description: 'Name of the group.' }),
  metadata: f.kvPairs({ description: 'Metadata to be associated with the group.' }),
  policies: f.commaStringSlice({ description: 'Policies to be tied to the group.' }),
  member_group_ids: f.commaStringSlice({ description: 'Group IDs to be assigned as group members.' }),
  member_entity_ids: f.commaStringSlice({ description: 'Entity IDs to be assigned as group members.' }),
};

export function identityBackend(store: IdentityStore, deps: IdentityBackendDeps = {}): BackendSpec {
  function mountOf(alias: EntityAlias): { mount_type?: string; mount_path?: string } {
    const live = deps.mountByAccessor?.(alias.mount_accessor);
    if (live) return { mount_type: live.type, mount_path: live.path };
    if (alias.mount_type !== '' || alias.mount_path !== '') return { mount_type: alias.mount_type, mount_path: alias.mount_path };
    return {};
  }

  function renderAlias(alias: EntityAlias): Record<string, unknown> {
    return {
      id: alias.id,
      canonical_id: alias.canonical_id,
      mount_accessor: alias.mount_accessor,
      metadata: alias.metadata,
      name: alias.name,
      merged_from_canonical_ids: alias.merged_from_canonical_ids,
      creation_time: alias.creation_time,
      last_update_time: alias.last_update_time,
      local: alias.local,
      custom_metadata: alias.custom_metadata,
      ...mountOf(alias),
    };
  }

  async function renderEntity(entity: Entity): Promise<LogicalResponse> {
    const { direct, inherited } = await store.groupsOfEntity(entity.id);
    const directIds = direct.map((g) => g.id);
    const inheritedIds = inherited.map((g) => g.id);
    return {
      data: {
        id: entity.id,
        name: entity.name,
        metadata: entity.metadata,
        merged_entity_ids: entity.merged_entity_ids,
        policies: entity.policies,
        disabled: entity.disabled,
        namespace_id: entity.namespace_id,
        creation_time: entity.creation_time,
        last_update_time: entity.last_update_time,
        aliases: entity.aliases.map(renderAlias),
        direct_group_ids: directIds,
        inherited_group_ids: inheritedIds,
        group_ids: [...directIds, ...inheritedIds],
      },
    };
  }

  async function renderGroup(group: Group): Promise<LogicalResponse> {
    return {
      data: {
        id: group.id,
        name: group.name,
        policies: group.policies,
        member_entity_ids: group.member_entity_ids,
        parent_group_ids: await store.parentGroupIds(group.id),
        metadata: group.metadata,
        creation_time: group.creation_time,
        last_update_time: group.last_update_time,
        modify_index: group.modify_index,
        type: group.type,
        namespace_id: group.namespace_id,
        alias: {},
        member_group_ids: group.member_group_ids.length > 0 ? group.member_group_ids : null,
      },
    };
  }

  type EntityInput = { id?: string | undefined; name?: string | undefined; metadata?: Record<string, string> | undefined; policies?: string[] | undefined; disabled?: boolean | undefined };

  async function entityWrite(d: EntityInput): Promise<LogicalResponse | null> {
    const { entity, created } = await store.writeEntity({
      ...(d.id !== undefined ? { id: d.id } : {}),
      ...(d.name !== undefined ? { name: d.name } : {}),
      ...(d.metadata !== undefined ? { metadata: d.metadata } : {}),
      ...(d.policies !== undefined ? { policies: d.policies } : {}),
      ...(d.disabled !== undefined ? { disabled: d.disabled } : {}),
    });
    if (!created) return null;
    return { data: { id: entity.id, name: entity.name, aliases: entity.aliases.length > 0 ? entity.aliases.map((a) => a.id) : null } };
  }

  async function entityList(byId: boolean): Promise<LogicalResponse> {
    const all = await store.listEntities();
    const keyInfo: Record<string, unknown> = {};
    for (const e of all) {
      const info: Record<string, unknown> = { name: e.name };
      if (e.aliases.length > 0) {
        info['aliases'] = e.aliases.map((a) => ({ id: a.id, name: a.name, mount_accessor: a.mount_accessor, ...mountOf(a) }));
      }
      keyInfo[e.id] = info;
    }
    return { data: { keys: all.map((e) => (byId ? e.id : e.name)), key_info: keyInfo } };
  }

  async function aliasWrite(d: {
    id?: string | undefined;
    entity_id?: string | undefined;
    canonical_id?: string | undefined;
    mount_accessor?: string | undefined;
    name?: string | undefined;
    custom_metadata?: Record<string, string> | undefined;
  }): Promise<LogicalResponse | null> {
    const accessor = d.mount_accessor ?? '';
    let mount: MountInfo | null = null;
    if (accessor !== '' && deps.mountByAccessor) {
      mount = deps.mountByAccessor(accessor);
      if (!mount) throw new UserError(`invalid mount accessor "${accessor}"`);
    }
    const canonical = d.canonical_id || d.entity_id || '';
    const result = await store.writeAlias({
      ...(d.id ? { id: d.id } : {}),
      ...(d.name ? { name: d.name } : {}),
      ...(accessor !== '' ? { mountAccessor: accessor } : {}),
      ...(mount ? { mountType: mount.type, mountPath: mount.path } : {}),
      ...(canonical !== '' ? { canonicalId: canonical } : {}),
      ...(d.custom_metadata !== undefined ? { customMetadata: d.custom_metadata } : {}),
    });
    if (!result) return null;
    return { data: { id: result.alias.id, canonical_id: result.entity.id } };
  }

  type GroupInput = {
    id?: string | undefined;
    type?: string | undefined;
    name?: string | undefined;
    metadata?: Record<string, string> | undefined;
    policies?: string[] | undefined;
    member_group_ids?: string[] | undefined;
    member_entity_ids?: string[] | undefined;
  };

  async function groupWrite(d: GroupInput): Promise<LogicalResponse | null> {
    const { group, created } = await store.writeGroup({
      ...(d.id !== undefined && d.id !== '' ? { id: d.id } : {}),
      ...(d.name !== undefined ? { name: d.name } : {}),
      ...(d.type !== undefined ? { type: d.type } : {}),
      ...(d.metadata !== undefined ? { metadata: d.metadata } : {}),
      ...(d.policies !== undefined ? { policies: d.policies } : {}),
      ...(d.member_group_ids !== undefined ? { memberGroupIds: d.member_group_ids } : {}),
      ...(d.member_entity_ids !== undefined ? { memberEntityIds: d.member_entity_ids } : {}),
    });
    return created ? { data: { id: group.id, name: group.name } } : null;
  }

  async function groupList(byId: boolean): Promise<LogicalResponse> {
    const all = await store.listGroups();
    const keyInfo: Record<string, unknown> = {};
    for (const g of all) {
      keyInfo[g.id] = {
        name: g.name,
        num_member_entities: g.member_entity_ids.length,
        num_parent_groups: (await store.parentGroupIds(g.id)).length,
      };
    }
    return { data: { keys: all.map((g) => (byId ? g.id : g.name)), key_info: keyInfo } };
  }

  const lookupMessage = (verb: string): string =>
    `${verb} of "id", "name", "alias_id" or a pair of "alias_name" and "alias_mount_accessor" ${verb === 'one' ? 'must' : 'can'} be supplied`;

  const paths: PathSpec<any>[] = [
    definePath({
      pattern: 'entity',
      fields: entityFields,
      synopsis: 'Create a new entity, or update one by id or name.',
      operations: { update: (_req, d) => entityWrite(d) },
    }),
    definePath({
      pattern: 'entity/id/?',
      fields: {},
      synopsis: 'List entities by id.',
      operations: { list: () => entityList(true) },
    }),
    definePath({
      pattern: `entity/id/(?<id>${ID})`,
      fields: { ...entityFields, id: f.string({ description: 'ID of the entity', required: true }) },
      synopsis: 'Read, update or delete an entity by id.',
      operations: {
        read: async (_req, d) => {
          const entity = await store.getEntity(d.id);
          return entity ? renderEntity(entity) : null;
        },
        update: (_req, d) => entityWrite(d),
        delete: async (_req, d) => {
          await store.deleteEntity(d.id);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'entity/name/?',
      fields: {},
      synopsis: 'List entities by name.',
      operations: { list: () => entityList(false) },
    }),
    definePath({
      pattern: 'entity/name/(?<name>.+)',
      fields: { ...entityFields, name: f.string({ description: 'Name of the entity', required: true }) },
      synopsis: 'Create, read, update or delete an entity by name.',
      operations: {
        read: async (_req, d) => {
          const entity = await store.getEntityByName(d.name);
          return entity ? renderEntity(entity) : null;
        },
        update: (_req, d) => entityWrite(d),
        delete: async (_req, d) => {
          const entity = await store.getEntityByName(d.name);
          if (entity) await store.deleteEntity(entity.id);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'entity-alias',
      fields: aliasFields,
      synopsis: 'Create a new alias, or update one (by id, or by mount accessor and name).',
      operations: { update: (_req, d) => aliasWrite(d) },
    }),
    definePath({
      pattern: 'entity-alias/id/?',
      fields: {},
      synopsis: 'List entity aliases by id.',
      operations: {
        list: async () => {
          const all = await store.listAliases();
          const keyInfo: Record<string, unknown> = {};
          for (const a of all) {
            keyInfo[a.id] = {
              canonical_id: a.canonical_id,
              custom_metadata: a.custom_metadata,
              local: a.local,
              mount_accessor: a.mount_accessor,
              name: a.name,
              ...mountOf(a),
            };
          }
          return { data: { keys: all.map((a) => a.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `entity-alias/id/(?<id>${ID})`,
      fields: { ...aliasFields, id: f.string({ description: 'ID of the alias', required: true }) },
      synopsis: 'Read, update or delete an entity alias by id.',
      operations: {
        read: async (_req, d) => {
          const found = await store.getAlias(d.id);
          return found ? { data: { ...renderAlias(found.alias), namespace_id: found.entity.namespace_id } } : null;
        },
        update: (_req, d) => aliasWrite(d),
        delete: async (_req, d) => {
          await store.deleteAlias(d.id);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'group',
      fields: groupFields,
      synopsis: 'Create a new group, or update one by id or name.',
      operations: { update: (_req, d) => groupWrite(d) },
    }),
    definePath({
      pattern: 'group/id/?',
      fields: {},
      synopsis: 'List groups by id.',
      operations: { list: () => groupList(true) },
    }),
    definePath({
      pattern: `group/id/(?<id>${ID})`,
      fields: { ...groupFields, id: f.string({ description: 'ID of the group', required: true }) },
      synopsis: 'Read, update or delete a group by id.',
      operations: {
        read: async (_req, d) => {
          const group = await store.getGroup(d.id);
          return group ? renderGroup(group) : null;
        },
        update: (_req, d) => groupWrite(d),
        delete: async (_req, d) => {
          await store.deleteGroup(d.id);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'group/name/?',
      fields: {},
      synopsis: 'List groups by name.',
      operations: { list: () => groupList(false) },
    }),
    definePath({
      pattern: 'group/name/(?<name>.+)',
      fields: { ...groupFields, name: f.string({ description: 'Name of the group', required: true }) },
      synopsis: 'Create, read, update or delete a group by name.',
      operations: {
        read: async (_req, d) => {
          const group = await store.getGroupByName(d.name);
          return group ? renderGroup(group) : null;
        },
        update: async (_req, d) => {
          const existing = await store.getGroupByName(d.name);
          return groupWrite({ ...d, ...(existing ? { id: existing.id } : {}) });
        },
        delete: async (_req, d) => {
          const group = await store.getGroupByName(d.name);
          if (group) await store.deleteGroup(group.id);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'lookup/entity',
      fields: {
        id: f.string({ description: 'ID of the entity.' }),
        name: f.string({ description: 'Name of the entity.' }),
        alias_id: f.string({ description: 'ID of the alias.' }),
        alias_name: f.string({ description: 'Name of the alias (with alias_mount_accessor).' }),
        alias_mount_accessor: f.string({ description: 'Accessor of the mount the alias belongs to (with alias_name).' }),
      },
      synopsis: 'Find an entity by id, name, alias id, or alias name and mount accessor.',
      operations: {
        update: async (_req, d) => {
          const given = [d.id, d.name, d.alias_id, d.alias_name, d.alias_mount_accessor].filter((v) => v !== undefined);
          if (given.length === 0) throw new UserError(lookupMessage('one'));
          if (given.length > 2) throw new UserError(lookupMessage('only one'));
          if (given.length === 2 && (!d.alias_name || !d.alias_mount_accessor)) throw new UserError(lookupMessage('only one'));
          if (given.length === 1 && (d.alias_name !== undefined || d.alias_mount_accessor !== undefined)) {
            throw new UserError('pair of "alias_name" and "alias_mount_accessor" should be supplied');
          }
          let entity: Entity | null = null;
          if (d.id !== undefined) entity = await store.getEntity(d.id);
          else if (d.name !== undefined) entity = await store.getEntityByName(d.name);
          else if (d.alias_id !== undefined) entity = (await store.getAlias(d.alias_id))?.entity ?? null;
          else entity = await store.getEntityByAlias(d.alias_mount_accessor ?? '', d.alias_name ?? '');
          return entity ? renderEntity(entity) : null;
        },
      },
    }),
  ];

  return defineBackend({
    kind: 'logical',
    help: 'The identity store: entities, entity aliases and groups.',
    paths,
  });
}
