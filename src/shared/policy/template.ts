/**
 * Identity templating in ACL policy paths (Vault's `sdk/helper/identitytpl`, ACL mode).
 *
 * `path "secret/data/{{identity.entity.aliases.auth_kubernetes_1234.metadata.service_account_namespace}}/*"`
 * is resolved per caller when the ACL is built. As in Vault:
 *
 * - `{{` / `}}` must balance; a policy whose paths do not balance is rejected when written
 *   (`failed to validate policy templating: unbalanced templating characters`);
 * - a directive that cannot be resolved for this caller (no entity, no such alias, missing
 *   metadata key, not a member of the group, an empty value) drops that one path rule: it is
 *   not an error, the caller simply gets nothing from it;
 * - the whitespace inside `{{ ... }}` is trimmed;
 * - a resolved value containing `*` or `+` is refused (the rule is dropped), so a user who
 *   can set their own alias metadata cannot widen a path into a glob (current Vault does the
 *   same: `globs and wildcards are not allowed in template result`). A `/` is allowed unless
 *   `denySlash` is set (Vault's `DenySlashInTemplatedPaths`).
 *
 * Supported directives:
 * `identity.entity.id`, `identity.entity.name`, `identity.entity.metadata.<key>`,
 * `identity.entity.aliases.<mount accessor>.{id,name,metadata.<key>,custom_metadata.<key>}`,
 * `identity.groups.ids.<group id>.{id,name,metadata.<key>}`,
 * `identity.groups.names.<group name>.{id,name,metadata.<key>}`.
 * Vault's `time.now[.plus|minus.<duration>]` is not supported in ACL paths (it would make
 * the compiled ACL depend on the clock); such a rule is dropped.
 */

export interface TemplateAlias {
  /** The auth mount's accessor, as `GET sys/auth` shows it (`auth_kubernetes_1a2b3c4d`). */
  readonly mountAccessor: string;
  readonly id: string;
  readonly name: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly customMetadata?: Readonly<Record<string, string>>;
}

export interface TemplateEntity {
  readonly id: string;
  readonly name: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly aliases: readonly TemplateAlias[];
}

export interface TemplateGroup {
  readonly id: string;
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What a templated policy may refer to: the caller's entity and its (direct and inherited) groups. */
export interface TemplateContext {
  readonly entity?: TemplateEntity;
  readonly groups?: readonly TemplateGroup[];
}

export interface TemplateOptions {
  /** Refuse resolved values that contain `/` (Vault's `DenySlashInTemplatedPaths`). Default false. */
  readonly denySlash?: boolean;
}

export type TemplateResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

export const UNBALANCED_TEMPLATE = 'unbalanced templating characters';

/**
 * Whether `text` contains template directives. Throws an `Error` with
 * `unbalanced templating characters` when the braces do not balance.
 */
export function hasTemplate(text: string): boolean {
  const pieces = text.split('{{');
  if ((pieces[0] ?? '').includes('}}')) throw new Error(UNBALANCED_TEMPLATE);
  if (pieces.length === 1) return false;
  for (let i = 1; i < pieces.length; i++) {
    if ((pieces[i] ?? '').split('}}').length !== 2) throw new Error(UNBALANCED_TEMPLATE);
  }
  return true;
}

/** Resolves every directive in `text` for `context`; `ok: false` when any of them cannot be. */
export function populateTemplate(text: string, context: TemplateContext | undefined, options: TemplateOptions = {}): TemplateResult {
  const pieces = text.split('{{');
  const first = pieces[0] ?? '';
  if (first.includes('}}')) return { ok: false, reason: UNBALANCED_TEMPLATE };
  if (pieces.length === 1) return { ok: true, value: text };
  let out = first;
  for (let i = 1; i < pieces.length; i++) {
    const parts = (pieces[i] ?? '').split('}}');
    if (parts.length !== 2) return { ok: false, reason: UNBALANCED_TEMPLATE };
    const resolved = resolveDirective((parts[0] ?? '').trim(), context ?? {});
    if (!resolved.ok) return resolved;
    if (/[*+]/.test(resolved.value)) return { ok: false, reason: 'globs and wildcards are not allowed in template result' };
    if (options.denySlash === true && resolved.value.includes('/')) {
      return { ok: false, reason: "templated policy paths cannot contain '/' when denied via configuration" };
    }
    out += resolved.value + (parts[1] ?? '');
  }
  return { ok: true, value: out };
}

const NOT_FOUND: TemplateResult = { ok: false, reason: 'no value could be found for one of the template directives' };

function found(value: string | undefined): TemplateResult {
  // A plain string field (id, name) must be non-empty; Vault treats "" as "not found".
  return value === undefined || value === '' ? NOT_FOUND : { ok: true, value };
}

function fromMap(map: Readonly<Record<string, string>> | undefined, key: string): TemplateResult {
  // A metadata key that exists resolves even to "" (Vault's map lookup does the same).
  if (map === undefined || !Object.hasOwn(map, key)) return NOT_FOUND;
  const value = map[key];
  return typeof value === 'string' ? { ok: true, value } : NOT_FOUND;
}

function resolveDirective(input: string, context: TemplateContext): TemplateResult {
  if (input.startsWith('identity.entity.')) {
    if (context.entity === undefined) {
      return { ok: false, reason: 'string contains entity template directives but no entity was provided' };
    }
    return resolveEntity(input.slice('identity.entity.'.length), context.entity);
  }
  if (input.startsWith('identity.groups.')) {
    if (context.groups === undefined || context.groups.length === 0) {
      return { ok: false, reason: 'string contains groups template directives but no groups were provided' };
    }
    return resolveGroups(input.slice('identity.groups.'.length), context.groups);
  }
  return NOT_FOUND;
}

function resolveEntity(selector: string, entity: TemplateEntity): TemplateResult {
  if (selector === 'id') return found(entity.id);
  if (selector === 'name') return found(entity.name);
  if (selector.startsWith('metadata.')) return fromMap(entity.metadata, selector.slice('metadata.'.length));
  if (selector.startsWith('aliases.')) {
    const rest = selector.slice('aliases.'.length);
    const dot = rest.indexOf('.');
    if (dot === -1) return { ok: false, reason: 'invalid alias selector' };
    const accessor = rest.slice(0, dot);
    const field = rest.slice(dot + 1);
    const alias = entity.aliases.find((a) => a.mountAccessor === accessor);
    if (alias === undefined) return { ok: false, reason: 'alias not found' };
    if (field === 'id') return found(alias.id);
    if (field === 'name') return found(alias.name);
    if (field.startsWith('metadata.')) return fromMap(alias.metadata, field.slice('metadata.'.length));
    if (field.startsWith('custom_metadata.')) return fromMap(alias.customMetadata, field.slice('custom_metadata.'.length));
    return NOT_FOUND;
  }
  // `metadata`, `groups.ids`, `groups.names` (whole maps and lists) have no ACL rendering.
  return NOT_FOUND;
}

function resolveGroups(selector: string, groups: readonly TemplateGroup[]): TemplateResult {
  const dot = selector.indexOf('.');
  if (dot === -1) return { ok: false, reason: 'invalid groups selector' };
  const kind = selector.slice(0, dot);
  if (kind !== 'ids' && kind !== 'names') return { ok: false, reason: 'invalid groups selector' };
  const rest = selector.slice(dot + 1);
  const dot2 = rest.indexOf('.');
  if (dot2 === -1) return { ok: false, reason: 'invalid groups accessor' };
  const key = rest.slice(0, dot2);
  const field = rest.slice(dot2 + 1);
  const group = groups.find((g) => (kind === 'ids' ? g.id : g.name) === key);
  if (group === undefined) return { ok: false, reason: `entity is not a member of group "${key}"` };
  if (field === 'id') return { ok: true, value: group.id };
  if (field === 'name') return found(group.name);
  if (field.startsWith('metadata.')) return fromMap(group.metadata, field.slice('metadata.'.length));
  return NOT_FOUND;
}

/**
 * A string that identifies `context` for caching: two contexts with the same key resolve
 * every template the same way.
 */
export function templateContextKey(context: TemplateContext | undefined): string {
  if (context === undefined) return '';
  const sortRecord = (r: Readonly<Record<string, string>> | undefined): [string, string][] =>
    r === undefined ? [] : Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const entity = context.entity;
  return JSON.stringify([
    entity === undefined
      ? null
      : [
          entity.id,
          entity.name,
          sortRecord(entity.metadata),
          entity.aliases.map((a) => [a.mountAccessor, a.id, a.name, sortRecord(a.metadata), sortRecord(a.customMetadata)]),
        ],
    (context.groups ?? []).map((g) => [g.id, g.name, sortRecord(g.metadata)]),
  ]);
}
