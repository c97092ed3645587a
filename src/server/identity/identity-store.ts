/**
 * A minimal identity store (Vault's `vault/identity_store*.go`), as far as logins and
 * templated policies need it: entities with their aliases, and internal groups (direct and
 * inherited membership). Storage-backed; reads are cached, writes are serialised.
 *
 * Storage layout (keys relative to the store's view):
 *   entity/<id>                          entity JSON, aliases embedded
 *   entity-name/<b64url(lower(name))>    entity id
 *   alias/<aliasId>                      entity id
 *   alias-factor/<accessor>/<b64url(lower(name))>   alias id
 *   group/<id>                           group JSON
 *   group-name/<b64url(lower(name))>     group id
 *   entity-groups/<entityId>/<groupId>   membership index (empty)
 *   group-parents/<groupId>/<parentId>   "groupId is a member of parentId" (empty)
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { UserError } from '../../shared/errors.js';
import { formatRfc3339Nano } from '../../shared/time.js';
import type { Storage, StorageOp } from '../sdk/index.js';
import { decodeJson, encodeJson } from '../sdk/index.js';

export interface EntityAlias {
  id: string;
  canonical_id: string;
  mount_accessor: string;
  /** As known when the alias was written (responses prefer the live mount table). */
  mount_type: string;
  mount_path: string;
  name: string;
  metadata: Record<string, string> | null;
  custom_metadata: Record<string, string> | null;
  creation_time: string;
  last_update_time: string;
  local: boolean;
  merged_from_canonical_ids: string[] | null;
}

export interface Entity {
  id: string;
  name: string;
  metadata: Record<string, string> | null;
  policies: string[];
  disabled: boolean;
  aliases: EntityAlias[];
  creation_time: string;
  last_update_time: string;
  namespace_id: string;
  merged_entity_ids: string[] | null;
}

export type GroupType = 'internal' | 'external';

export interface Group {
  id: string;
  name: string;
  type: GroupType;
  metadata: Record<string, string> | null;
  policies: string[];
  member_entity_ids: string[];
  /** Groups that are members of this one (they inherit this group's policies). */
  member_group_ids: string[];
  creation_time: string;
  last_update_time: string;
  modify_index: number;
  namespace_id: string;
}

/** What the policy engine's templating reads (`{{identity.entity.*}}`, `{{identity.groups.*}}`). */
export interface TemplateContext {
  entity: {
    id: string;
    name: string;
    metadata: Record<string, string>;
    disabled: boolean;
    aliases: Array<{
      mountAccessor: string;
      id: string;
      name: string;
      metadata: Record<string, string>;
      customMetadata: Record<string, string>;
    }>;
  };
  /** Direct and inherited groups. */
  groups: Array<{ id: string; name: string; metadata: Record<string, string> }>;
}

export interface UpsertAliasInput {
  mountAccessor: string;
  mountType: string;
  mountPath?: string;
  /** Alias name: username, role_id, SA uid, user claim… */
  name: string;
  /** Refreshed on every login. */
  metadata?: Record<string, string>;
}

export interface EntityWrite {
  /** Update this entity (must exist). */
  id?: string;
  /** Create or rename; an existing entity with this name is updated when no id is given. */
  name?: string;
  metadata?: Record<string, string>;
  policies?: string[];
  disabled?: boolean;
}

export interface AliasWrite {
  /** Update this alias (must exist). */
  id?: string;
  name?: string;
  mountAccessor?: string;
  mountType?: string;
  mountPath?: string;
  canonicalId?: string;
  customMetadata?: Record<string, string>;
}

export interface GroupWrite {
  id?: string;
  name?: string;
  type?: string;
  metadata?: Record<string, string>;
  policies?: string[];
  memberEntityIds?: string[];
  memberGroupIds?: string[];
}

export interface IdentityStore {
  /** The login path: finds the entity owning (mount, alias name), or creates both. */
  upsertEntityForAlias(input: UpsertAliasInput): Promise<Entity>;
  getEntity(id: string): Promise<Entity | null>;
  getEntityByName(name: string): Promise<Entity | null>;
  getEntityByAlias(mountAccessor: string, aliasName: string): Promise<Entity | null>;
  getAlias(id: string): Promise<{ alias: EntityAlias; entity: Entity } | null>;
  templateContext(entityId: string): Promise<TemplateContext | null>;
  /** Entity policies ∪ direct and inherited group policies (Vault's identity_policies). */
  policiesFor(entityId: string): Promise<string[]>;
  groupsOfEntity(entityId: string): Promise<{ direct: Group[]; inherited: Group[] }>;

  writeEntity(input: EntityWrite): Promise<{ entity: Entity; created: boolean }>;
  deleteEntity(id: string): Promise<void>;
  listEntities(): Promise<Entity[]>;
  /** Returns null when an update changed nothing (Vault answers 204). */
  writeAlias(input: AliasWrite): Promise<{ alias: EntityAlias; entity: Entity } | null>;
  deleteAlias(id: string): Promise<void>;
  listAliases(): Promise<EntityAlias[]>;
  writeGroup(input: GroupWrite): Promise<{ group: Group; created: boolean }>;
  getGroup(id: string): Promise<Group | null>;
  getGroupByName(name: string): Promise<Group | null>;
  /** Ids of the groups this group is a member of. */
  parentGroupIds(groupId: string): Promise<string[]>;
  deleteGroup(id: string): Promise<void>;
  listGroups(): Promise<Group[]>;
  /** Forget cached state (on seal, or when another node wrote). */
  reset(): void;
}

export interface IdentityStoreOptions {
  /** Milliseconds (tests). */
  now?: () => number;
}

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const EMPTY = new Uint8Array(0);

function nameKey(name: string): string {
  return Buffer.from(name.toLowerCase(), 'utf8').toString('base64url');
}

function dedupeSorted(items: readonly string[]): string[] {
  return [...new Set(items.map((s) => s.trim()).filter((s) => s !== ''))].sort();
}

function dedupeStable(items: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim().toLowerCase();
    if (item === '' || seen.has(item)) continue;
    seen.add(item);
    out.push(item);
  }
  return out;
}

function sameMap(a: Record<string, string> | null | undefined, b: Record<string, string> | null | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  if (ak.length !== bk.length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

function generatedName(kind: 'entity' | 'group', id: string): string {
  return `${kind}_${id.replace(/-/g, '').slice(0, 8)}`;
}

export function createIdentityStore(storage: Storage, options: IdentityStoreOptions = {}): IdentityStore {
  const now = options.now ?? Date.now;
  const entities = new LRUCache<string, Entity>({ max: 10_000 });
  const groups = new LRUCache<string, Group>({ max: 10_000 });
  const memberships = new LRUCache<string, { direct: string[]; inherited: string[] }>({ max: 10_000 });
  let writeChain: Promise<unknown> = Promise.resolve();

  function timestamp(): string {
    return formatRfc3339Nano(new Date(now()));
  }

  /** All writes run one at a time (Vault's identity lock). */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = writeChain.then(fn, fn);
    writeChain = run.catch(() => undefined);
    return run;
  }

  async function readText(key: string): Promise<string | null> {
    const bytes = await storage.get(key);
    return bytes ? Buffer.from(bytes).toString('utf8') : null;
  }

  // ---- reads --------------------------------------------------------------------------

  async function getEntity(id: string): Promise<Entity | null> {
    if (!ID_RE.test(id)) return null;
    const cached = entities.get(id);
    if (cached) return structuredClone(cached);
    const bytes = await storage.get(`entity/${id}`);
    if (!bytes) return null;
    const entity = decodeJson<Entity>(bytes);
    entities.set(id, entity);
    return structuredClone(entity);
  }

  async function getEntityByName(name: string): Promise<Entity | null> {
    if (name === '') return null;
    const id = await readText(`entity-name/${nameKey(name)}`);
    return id ? getEntity(id) : null;
  }

  async function aliasIdByFactors(mountAccessor: string, name: string): Promise<string | null> {
    if (mountAccessor === '' || name === '' || mountAccessor.includes('/')) return null;
    return readText(`alias-factor/${mountAccessor}/${nameKey(name)}`);
  }

  async function getAlias(id: string): Promise<{ alias: EntityAlias; entity: Entity } | null> {
    if (!ID_RE.test(id)) return null;
    const entityId = await readText(`alias/${id}`);
    if (!entityId) return null;
    const entity = await getEntity(entityId);
    const alias = entity?.aliases.find((a) => a.id === id);
    return entity && alias ? { alias, entity } : null;
  }

  async function getEntityByAlias(mountAccessor: string, aliasName: string): Promise<Entity | null> {
    const aliasId = await aliasIdByFactors(mountAccessor, aliasName);
    if (!aliasId) return null;
    return (await getAlias(aliasId))?.entity ?? null;
  }

  async function getGroup(id: string): Promise<Group | null> {
    if (!ID_RE.test(id)) return null;
    const cached = groups.get(id);
    if (cached) return structuredClone(cached);
    const bytes = await storage.get(`group/${id}`);
    if (!bytes) return null;
    const group = decodeJson<Group>(bytes);
    groups.set(id, group);
    return structuredClone(group);
  }

  async function getGroupByName(name: string): Promise<Group | null> {
    if (name === '') return null;
    const id = await readText(`group-name/${nameKey(name)}`);
    return id ? getGroup(id) : null;
  }

  async function listIndex(prefix: string): Promise<string[]> {
    return (await storage.list(prefix)).filter((k) => !k.endsWith('/'));
  }

  async function parentGroupIds(groupId: string): Promise<string[]> {
    return listIndex(`group-parents/${groupId}/`);
  }

  async function membershipIds(entityId: string): Promise<{ direct: string[]; inherited: string[] }> {
    const cached = memberships.get(entityId);
    if (cached) return cached;
    const direct = (await listIndex(`entity-groups/${entityId}/`)).sort();
    const seen = new Set(direct);
    const inherited: string[] = [];
    const queue = [...direct];
    while (queue.length > 0) {
      const gid = queue.shift() as string;
      for (const parent of await parentGroupIds(gid)) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        inherited.push(parent);
        queue.push(parent);
      }
    }
    const result = { direct, inherited: inherited.sort() };
    memberships.set(entityId, result);
    return result;
  }

  async function groupsOfEntity(entityId: string): Promise<{ direct: Group[]; inherited: Group[] }> {
    const ids = await membershipIds(entityId);
    const load = async (list: string[]): Promise<Group[]> =>
      (await Promise.all(list.map((id) => getGroup(id)))).filter((g): g is Group => g !== null);
    return { direct: await load(ids.direct), inherited: await load(ids.inherited) };
  }

  async function templateContext(entityId: string): Promise<TemplateContext | null> {
    const entity = await getEntity(entityId);
    if (!entity) return null;
    const { direct, inherited } = await groupsOfEntity(entityId);
    return {
      entity: {
        id: entity.id,
        name: entity.name,
        metadata: { ...(entity.metadata ?? {}) },
        disabled: entity.disabled,
        aliases: entity.aliases.map((a) => ({
          mountAccessor: a.mount_accessor,
          id: a.id,
          name: a.name,
          metadata: { ...(a.metadata ?? {}) },
          customMetadata: { ...(a.custom_metadata ?? {}) },
        })),
      },
      groups: [...direct, ...inherited].map((g) => ({ id: g.id, name: g.name, metadata: { ...(g.metadata ?? {}) } })),
    };
  }

  async function policiesFor(entityId: string): Promise<string[]> {
    const entity = await getEntity(entityId);
    if (!entity) return [];
    const { direct, inherited } = await groupsOfEntity(entityId);
    return dedupeSorted([...entity.policies, ...direct.flatMap((g) => g.policies), ...inherited.flatMap((g) => g.policies)]);
  }

  // ---- writes -------------------------------------------------------------------------

  function putEntityOps(entity: Entity, previous: Entity | null): StorageOp[] {
    const ops: StorageOp[] = [{ op: 'put', key: `entity/${entity.id}`, value: encodeJson(entity) }];
    if (previous && nameKey(previous.name) !== nameKey(entity.name)) {
      ops.push({ op: 'delete', key: `entity-name/${nameKey(previous.name)}` });
    }
    ops.push({ op: 'put', key: `entity-name/${nameKey(entity.name)}`, value: Buffer.from(entity.id) });
    const before = new Map((previous?.aliases ?? []).map((a) => [a.id, a]));
    for (const alias of entity.aliases) {
      const old = before.get(alias.id);
      before.delete(alias.id);
      if (old && (old.mount_accessor !== alias.mount_accessor || nameKey(old.name) !== nameKey(alias.name))) {
        ops.push({ op: 'delete', key: `alias-factor/${old.mount_accessor}/${nameKey(old.name)}` });
      }
      ops.push({ op: 'put', key: `alias/${alias.id}`, value: Buffer.from(entity.id) });
      ops.push({ op: 'put', key: `alias-factor/${alias.mount_accessor}/${nameKey(alias.name)}`, value: Buffer.from(alias.id) });
    }
    // Aliases that left this entity (moved elsewhere or deleted): only drop the id index
    // when the alias is not being re-pointed by the same transaction.
    for (const gone of before.values()) {
      ops.push({ op: 'delete', key: `alias/${gone.id}` });
      ops.push({ op: 'delete', key: `alias-factor/${gone.mount_accessor}/${nameKey(gone.name)}` });
    }
    return ops;
  }

  async function commit(ops: StorageOp[], touchedEntities: string[], touchedGroups: string[], membershipChanged: boolean): Promise<void> {
    await storage.transaction(ops);
    for (const id of touchedEntities) entities.delete(id);
    for (const id of touchedGroups) groups.delete(id);
    if (membershipChanged) memberships.clear();
  }

  function newEntity(name?: string): Entity {
    const id = randomUUID();
    const ts = timestamp();
    return {
      id,
      name: name && name !== '' ? name : generatedName('entity', id),
      metadata: null,
      policies: [],
      disabled: false,
      aliases: [],
      creation_time: ts,
      last_update_time: ts,
      namespace_id: 'root',
      merged_entity_ids: null,
    };
  }

  function newAlias(entityId: string, input: { mountAccessor: string; mountType?: string; mountPath?: string; name: string }): EntityAlias {
    const ts = timestamp();
    return {
      id: randomUUID(),
      canonical_id: entityId,
      mount_accessor: input.mountAccessor,
      mount_type: input.mountType ?? '',
      mount_path: input.mountPath ?? '',
      name: input.name,
      metadata: null,
      custom_metadata: null,
      creation_time: ts,
      last_update_time: ts,
      local: false,
      merged_from_canonical_ids: null,
    };
  }

  async function upsertEntityForAlias(input: UpsertAliasInput): Promise<Entity> {
    if (input.mountAccessor === '' || input.mountAccessor.includes('/')) throw new UserError('missing or invalid mount accessor');
    if (input.name === '') throw new UserError('missing alias name');
    const metadata = input.metadata && Object.keys(input.metadata).length > 0 ? { ...input.metadata } : null;
    // Fast path without the write lock: the alias exists and nothing changed.
    const existing = await getEntityByAlias(input.mountAccessor, input.name);
    if (existing) {
      const alias = existing.aliases.find((a) => a.mount_accessor === input.mountAccessor && nameKey(a.name) === nameKey(input.name));
      if (alias && sameMap(alias.metadata, metadata)) return existing;
    }
    return exclusive(async () => {
      const entity = await getEntityByAlias(input.mountAccessor, input.name);
      if (entity) {
        const alias = entity.aliases.find((a) => a.mount_accessor === input.mountAccessor && nameKey(a.name) === nameKey(input.name));
        if (!alias || sameMap(alias.metadata, metadata)) return entity;
        const previous = structuredClone(entity);
        alias.metadata = metadata;
        alias.last_update_time = timestamp();
        if (input.mountType) alias.mount_type = input.mountType;
        if (input.mountPath) alias.mount_path = input.mountPath;
        await commit(putEntityOps(entity, previous), [entity.id], [], false);
        return entity;
      }
      const created = newEntity();
      const alias = newAlias(created.id, input);
      alias.metadata = metadata;
      created.aliases.push(alias);
      await commit(putEntityOps(created, null), [created.id], [], false);
      return created;
    });
  }

  async function writeEntity(input: EntityWrite): Promise<{ entity: Entity; created: boolean }> {
    return exclusive(async () => {
      let entity: Entity | null = null;
      if (input.id !== undefined && input.id !== '') {
        entity = await getEntity(input.id);
        if (!entity) throw new UserError('entity not found from id');
      }
      if (input.name !== undefined && input.name !== '') {
        const byName = await getEntityByName(input.name);
        if (byName) {
          if (!entity) entity = byName;
          else if (entity.id !== byName.id) throw new UserError('entity name is already in use');
        }
      }
      const created = entity === null;
      const previous = entity ? structuredClone(entity) : null;
      const target = entity ?? newEntity(input.name);
      if (input.name !== undefined && input.name !== '') target.name = input.name;
      if (input.policies !== undefined) target.policies = dedupeSorted(input.policies);
      if (target.policies.includes('root')) throw new UserError('policies cannot contain root');
      if (input.disabled !== undefined) target.disabled = input.disabled;
      if (input.metadata !== undefined) target.metadata = Object.keys(input.metadata).length > 0 ? { ...input.metadata } : null;
      target.last_update_time = timestamp();
      await commit(putEntityOps(target, previous), [target.id], [], false);
      return { entity: target, created };
    });
  }

  async function deleteEntity(id: string): Promise<void> {
    await exclusive(async () => {
      const entity = await getEntity(id);
      if (!entity) return;
      const ops: StorageOp[] = [];
      const touchedGroups: string[] = [];
      for (const gid of await listIndex(`entity-groups/${id}/`)) {
        const group = await getGroup(gid);
        if (group) {
          group.member_entity_ids = group.member_entity_ids.filter((e) => e !== id);
          group.modify_index++;
          group.last_update_time = timestamp();
          ops.push({ op: 'put', key: `group/${gid}`, value: encodeJson(group) });
          touchedGroups.push(gid);
        }
        ops.push({ op: 'delete', key: `entity-groups/${id}/${gid}` });
      }
      for (const alias of entity.aliases) {
        ops.push({ op: 'delete', key: `alias/${alias.id}` });
        ops.push({ op: 'delete', key: `alias-factor/${alias.mount_accessor}/${nameKey(alias.name)}` });
      }
      ops.push({ op: 'delete', key: `entity-name/${nameKey(entity.name)}` });
      ops.push({ op: 'delete', key: `entity/${id}` });
      await commit(ops, [id], touchedGroups, true);
    });
  }

  async function listEntities(): Promise<Entity[]> {
    const out: Entity[] = [];
    for (const id of await listIndex('entity/')) {
      const e = await getEntity(id);
      if (e) out.push(e);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async function writeAlias(input: AliasWrite): Promise<{ alias: EntityAlias; entity: Entity } | null> {
    return exclusive(async () => {
      let found: { alias: EntityAlias; entity: Entity } | null = null;
      if (input.id !== undefined && input.id !== '') {
        found = await getAlias(input.id);
        if (!found) throw new UserError('invalid alias ID provided');
      } else {
        if (!input.mountAccessor || !input.name) throw new UserError("'id' or 'mount_accessor' and 'name' must be provided");
        const aliasId = await aliasIdByFactors(input.mountAccessor, input.name);
        found = aliasId ? await getAlias(aliasId) : null;
      }

      if (!found) {
        // Create.
        const mountAccessor = input.mountAccessor as string;
        const name = input.name as string;
        let entity: Entity;
        let previous: Entity | null = null;
        if (input.canonicalId) {
          const target = await getEntity(input.canonicalId);
          if (!target) throw new UserError('invalid canonical ID');
          previous = structuredClone(target);
          entity = target;
        } else {
          entity = newEntity();
        }
        if (entity.aliases.some((a) => a.mount_accessor === mountAccessor)) {
          throw new UserError('Alias already exists for requested entity and mount accessor');
        }
        const alias = newAlias(entity.id, {
          mountAccessor,
          name,
          ...(input.mountType !== undefined ? { mountType: input.mountType } : {}),
          ...(input.mountPath !== undefined ? { mountPath: input.mountPath } : {}),
        });
        if (input.customMetadata && Object.keys(input.customMetadata).length > 0) alias.custom_metadata = { ...input.customMetadata };
        entity.aliases.push(alias);
        entity.last_update_time = timestamp();
        await commit(putEntityOps(entity, previous), [entity.id], [], false);
        return { alias, entity };
      }

      // Update.
      const { alias, entity: current } = found;
      const name = input.name && input.name !== '' ? input.name : alias.name;
      const mountAccessor = input.mountAccessor && input.mountAccessor !== '' ? input.mountAccessor : alias.mount_accessor;
      const customMetadata = input.customMetadata !== undefined ? input.customMetadata : alias.custom_metadata;
      const canonicalId = input.canonicalId ?? '';
      if (
        name === alias.name &&
        mountAccessor === alias.mount_accessor &&
        (canonicalId === '' || canonicalId === alias.canonical_id) &&
        sameMap(customMetadata, alias.custom_metadata)
      ) {
        return null;
      }
      if (mountAccessor !== alias.mount_accessor && (canonicalId === '' || canonicalId === alias.canonical_id)) {
        if (current.aliases.some((a) => a.id !== alias.id && a.mount_accessor === mountAccessor)) {
          throw new UserError("Alias cannot be updated as the entity already has an alias for the given 'mount_accessor' ");
        }
      }
      if (name !== alias.name || mountAccessor !== alias.mount_accessor) {
        const clash = await aliasIdByFactors(mountAccessor, name);
        if (clash && clash !== alias.id) throw new UserError('alias with combination of mount accessor and name already exists');
      }
      const currentPrevious = structuredClone(current);
      const updated: EntityAlias = {
        ...alias,
        name,
        mount_accessor: mountAccessor,
        ...(input.mountType !== undefined ? { mount_type: input.mountType } : {}),
        ...(input.mountPath !== undefined ? { mount_path: input.mountPath } : {}),
        custom_metadata: customMetadata && Object.keys(customMetadata).length > 0 ? { ...customMetadata } : null,
        last_update_time: timestamp(),
      };
      if (canonicalId !== '' && canonicalId !== alias.canonical_id) {
        const target = await getEntity(canonicalId);
        if (!target) throw new UserError("given 'canonical_id' is not associated with an entity");
        if (target.aliases.some((a) => a.mount_accessor === mountAccessor)) {
          throw new UserError('Alias cannot be updated as the given entity already has an alias for this mount ');
        }
        const targetPrevious = structuredClone(target);
        updated.canonical_id = target.id;
        target.aliases.push(updated);
        target.last_update_time = timestamp();
        current.aliases = current.aliases.filter((a) => a.id !== alias.id);
        current.last_update_time = timestamp();
        // The source entity's ops drop the alias indexes; the target's re-add them, so
        // they must run after.
        const ops = [...putEntityOps(current, currentPrevious), ...putEntityOps(target, targetPrevious)];
        await commit(ops, [current.id, target.id], [], false);
        return { alias: updated, entity: target };
      }
      current.aliases = current.aliases.map((a) => (a.id === alias.id ? updated : a));
      current.last_update_time = timestamp();
      await commit(putEntityOps(current, currentPrevious), [current.id], [], false);
      return { alias: updated, entity: current };
    });
  }

  async function deleteAlias(id: string): Promise<void> {
    await exclusive(async () => {
      const found = await getAlias(id);
      if (!found) return;
      const previous = structuredClone(found.entity);
      found.entity.aliases = found.entity.aliases.filter((a) => a.id !== id);
      found.entity.last_update_time = timestamp();
      await commit(putEntityOps(found.entity, previous), [found.entity.id], [], false);
    });
  }

  async function listAliases(): Promise<EntityAlias[]> {
    return (await listEntities()).flatMap((e) => e.aliases).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** True when `start` reaches `target` through member_group_ids. */
  async function reachesThroughMembers(start: string, target: string, override: Map<string, string[]>): Promise<boolean> {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const gid = stack.pop() as string;
      if (gid === target) return true;
      if (seen.has(gid)) continue;
      seen.add(gid);
      const members = override.get(gid) ?? (await getGroup(gid))?.member_group_ids ?? [];
      stack.push(...members);
    }
    return false;
  }

  async function writeGroup(input: GroupWrite): Promise<{ group: Group; created: boolean }> {
    return exclusive(async () => {
      let group: Group | null = null;
      if (input.id !== undefined && input.id !== '') {
        group = await getGroup(input.id);
        if (!group) throw new UserError('invalid group ID');
      } else if (input.name !== undefined && input.name !== '') {
        group = await getGroupByName(input.name);
      }
      const created = group === null;
      const previous = group ? structuredClone(group) : null;
      const id = group?.id ?? randomUUID();
      const ts = timestamp();
      const target: Group = group ?? {
        id,
        name: '',
        type: 'internal',
        metadata: null,
        policies: [],
        member_entity_ids: [],
        member_group_ids: [],
        creation_time: ts,
        last_update_time: ts,
        modify_index: 0,
        namespace_id: 'root',
      };

      if (input.policies !== undefined) target.policies = dedupeStable(input.policies);
      if (target.policies.includes('root')) throw new UserError('policies cannot contain root');
      if (input.type !== undefined && input.type !== '') {
        if (!created && input.type !== target.type) throw new UserError('group type cannot be changed');
        if (input.type !== 'internal' && input.type !== 'external') throw new UserError(`invalid group type "${input.type}"`);
        target.type = input.type;
      }
      if (input.name !== undefined && input.name !== '') {
        const byName = await getGroupByName(input.name);
        if (byName && byName.id !== target.id) throw new UserError('group name is already in use');
        target.name = input.name;
      }
      if (target.name === '') target.name = generatedName('group', target.id);
      if (input.metadata !== undefined) target.metadata = Object.keys(input.metadata).length > 0 ? { ...input.metadata } : null;
      if (input.memberEntityIds !== undefined) {
        if (target.type === 'external') throw new UserError("member entities can't be set manually for external groups");
        const ids = [...new Set(input.memberEntityIds.map((s) => s.trim()).filter((s) => s !== ''))];
        for (const eid of ids) {
          if (!(await getEntity(eid))) throw new UserError(`invalid member entity ID "${eid}"`);
        }
        target.member_entity_ids = ids;
      }
      if (input.memberGroupIds !== undefined) {
        if (target.type === 'external') throw new UserError("member groups can't be set for external groups");
        const ids = [...new Set(input.memberGroupIds.map((s) => s.trim()).filter((s) => s !== ''))];
        const override = new Map([[target.id, ids]]);
        for (const gid of ids) {
          if (gid === target.id || (await reachesThroughMembers(gid, target.id, override))) {
            throw new UserError(`cyclic relationship detected for member group ID "${gid}"`);
          }
          if (!(await getGroup(gid))) throw new UserError(`invalid member group ID "${gid}"`);
        }
        target.member_group_ids = ids;
      }
      target.modify_index = created ? 1 : target.modify_index + 1;
      target.last_update_time = ts;

      const ops: StorageOp[] = [{ op: 'put', key: `group/${target.id}`, value: encodeJson(target) }];
      if (previous && nameKey(previous.name) !== nameKey(target.name)) {
        ops.push({ op: 'delete', key: `group-name/${nameKey(previous.name)}` });
      }
      ops.push({ op: 'put', key: `group-name/${nameKey(target.name)}`, value: Buffer.from(target.id) });
      const oldEntities = new Set(previous?.member_entity_ids ?? []);
      for (const eid of target.member_entity_ids) {
        if (!oldEntities.delete(eid)) ops.push({ op: 'put', key: `entity-groups/${eid}/${target.id}`, value: EMPTY });
      }
      for (const eid of oldEntities) ops.push({ op: 'delete', key: `entity-groups/${eid}/${target.id}` });
      const oldGroups = new Set(previous?.member_group_ids ?? []);
      for (const gid of target.member_group_ids) {
        if (!oldGroups.delete(gid)) ops.push({ op: 'put', key: `group-parents/${gid}/${target.id}`, value: EMPTY });
      }
      for (const gid of oldGroups) ops.push({ op: 'delete', key: `group-parents/${gid}/${target.id}` });
      await commit(ops, [], [target.id], true);
      return { group: target, created };
    });
  }

  async function deleteGroup(id: string): Promise<void> {
    await exclusive(async () => {
      const group = await getGroup(id);
      if (!group) return;
      const ops: StorageOp[] = [];
      const touched: string[] = [id];
      for (const eid of group.member_entity_ids) ops.push({ op: 'delete', key: `entity-groups/${eid}/${id}` });
      for (const gid of group.member_group_ids) ops.push({ op: 'delete', key: `group-parents/${gid}/${id}` });
      // Groups that list this one as a member lose it.
      for (const parentId of await parentGroupIds(id)) {
        const parent = await getGroup(parentId);
        if (parent) {
          parent.member_group_ids = parent.member_group_ids.filter((g) => g !== id);
          parent.modify_index++;
          parent.last_update_time = timestamp();
          ops.push({ op: 'put', key: `group/${parentId}`, value: encodeJson(parent) });
          touched.push(parentId);
        }
        ops.push({ op: 'delete', key: `group-parents/${id}/${parentId}` });
      }
      ops.push({ op: 'delete', key: `group-name/${nameKey(group.name)}` });
      ops.push({ op: 'delete', key: `group/${id}` });
      await commit(ops, [], touched, true);
    });
  }

  async function listGroups(): Promise<Group[]> {
    const out: Group[] = [];
    for (const id of await listIndex('group/')) {
      const g = await getGroup(id);
      if (g) out.push(g);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  return {
    upsertEntityForAlias,
    getEntity,
    getEntityByName,
    getEntityByAlias,
    getAlias,
    templateContext,
    policiesFor,
    groupsOfEntity,
    writeEntity,
    deleteEntity,
    listEntities,
    writeAlias,
    deleteAlias,
    listAliases,
    writeGroup,
    getGroup,
    getGroupByName,
    parentGroupIds,
    deleteGroup,
    listGroups,
    reset() {
      entities.clear();
      groups.clear();
      memberships.clear();
    },
  };
}
