/**
 * `auth/<mount>/role/<name>` and `LIST auth/<mount>/role`: which ServiceAccounts a role
 * admits and the tokens it issues (Vault's `path_role.go`). Role names are stored in
 * lower case; only the fields a write sends change.
 */
import { isIP } from 'node:net';
import { UserError } from '../../../shared/errors.js';
import {
  DEFAULT_TOKEN_PARAMS,
  applyTokenFields,
  definePath,
  f,
  getJson,
  putJson,
  renderTokenParams,
  tokenFields,
  type FieldValues,
  type LogicalResponse,
  type PathSpec,
  type Storage,
  type TokenParams,
} from '../../sdk/index.js';
import { parseNamespaceSelector } from './namespace-selector.js';

export const ALIAS_NAME_SOURCES = ['serviceaccount_uid', 'serviceaccount_name'] as const;
export type AliasNameSource = (typeof ALIAS_NAME_SOURCES)[number];

export interface RoleEntry extends TokenParams {
  bound_service_account_names: string[];
  bound_service_account_namespaces: string[];
  bound_service_account_namespace_selector: string;
  audience: string;
  alias_name_source: AliasNameSource;
  /** Deprecated token field names last written under their old name (echoed on read, as Vault does). */
  legacy_token_fields: string[];
}

const ROLE_PREFIX = 'role/';
const NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';

export function roleKey(name: string): string {
  return `${ROLE_PREFIX}${name.toLowerCase()}`;
}

export async function loadRole(storage: Pick<Storage, 'get'>, name: string): Promise<RoleEntry | null> {
  return getJson<RoleEntry>(storage, roleKey(name));
}

const roleFields = {
  name: f.string({ description: 'Name of the role.', required: true }),
  bound_service_account_names: f.commaStringSlice({
    description: 'List of service account names able to access this role. If set to "*" all names are allowed. Globs are supported.',
  }),
  bound_service_account_namespaces: f.commaStringSlice({
    description: 'List of namespaces allowed to access this role. If set to "*" all namespaces are allowed. Globs are supported.',
  }),
  bound_service_account_namespace_selector: f.string({
    description: 'A label selector (JSON or YAML) for Kubernetes namespaces allowed to access this role; ORed with bound_service_account_namespaces.',
  }),
  audience: f.string({ description: 'Optional audience claim to verify in the JWT.' }),
  alias_name_source: f.string({
    description: 'Source of the identity alias name: serviceaccount_uid (the default, most secure) or serviceaccount_name (<namespace>/<name>).',
  }),
  ...tokenFields(),
};

const LEGACY_PAIRS = [
  ['policies', 'token_policies'],
  ['ttl', 'token_ttl'],
  ['max_ttl', 'token_max_ttl'],
  ['period', 'token_period'],
  ['bound_cidrs', 'token_bound_cidrs'],
  ['num_uses', 'token_num_uses'],
] as const;

function validateCidrs(cidrs: readonly string[]): void {
  for (const cidr of cidrs) {
    const [addr = '', bits] = cidr.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const ok = family !== 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max));
    if (!ok) throw new UserError(`failed to parse "${cidr}" as an address`);
  }
}

/** Just the `token_*` settings of a role. */
export function tokenParamsOf(entry: RoleEntry): TokenParams {
  const out = { ...DEFAULT_TOKEN_PARAMS } as TokenParams;
  for (const key of Object.keys(DEFAULT_TOKEN_PARAMS) as (keyof TokenParams)[]) {
    (out as unknown as Record<string, unknown>)[key] = entry[key];
  }
  return out;
}

export function pathsRole(): PathSpec<any>[] {
  const list = definePath({
    pattern: 'role/?',
    fields: {},
    synopsis: 'Lists all the roles registered with the backend.',
    operations: {
      async list(req) {
        const keys = await req.storage.list(ROLE_PREFIX);
        return { data: { keys } };
      },
    },
  });

  const role = definePath({
    pattern: `role/(?<name>${NAME_PATTERN})`,
    fields: roleFields,
    synopsis: 'Register a role with the backend.',
    description:
      'A role is required to authenticate with this backend. The role binds Kubernetes service account metadata with token policies and settings.',
    existenceCheck: async (req, fields) => (await loadRole(req.storage, fields.name)) !== null,
    operations: {
      async read(req, fields) {
        const entry = await loadRole(req.storage, fields.name);
        if (!entry) return null;
        const data: Record<string, unknown> = {
          bound_service_account_names: [...entry.bound_service_account_names],
          bound_service_account_namespaces: [...entry.bound_service_account_namespaces],
          bound_service_account_namespace_selector: entry.bound_service_account_namespace_selector,
          ...renderTokenParams(tokenParamsOf(entry)),
        };
        if (entry.audience !== '') data['audience'] = entry.audience;
        for (const [legacy, current] of LEGACY_PAIRS) {
          if (!entry.legacy_token_fields.includes(legacy)) continue;
          const value = data[current];
          if ((Array.isArray(value) && value.length > 0) || (typeof value === 'number' && value > 0)) data[legacy] = value;
        }
        data['alias_name_source'] = entry.alias_name_source;
        return { data };
      },

      async create(req, fields) {
        return writeRole(req.storage, fields, true, req.mount.maxLeaseTtl());
      },
      async update(req, fields) {
        return writeRole(req.storage, fields, false, req.mount.maxLeaseTtl());
      },

      async delete(req, fields) {
        await req.storage.delete(roleKey(fields.name));
        return null;
      },
    },
  });

  return [list, role];
}

async function writeRole(storage: Storage, fields: FieldValues<typeof roleFields>, creating: boolean, mountMaxTtl: number): Promise<LogicalResponse | null> {
  const existing = await loadRole(storage, fields.name);
  const base: RoleEntry = existing ?? {
    ...DEFAULT_TOKEN_PARAMS,
    token_policies: [],
    token_bound_cidrs: [],
    bound_service_account_names: [],
    bound_service_account_namespaces: [],
    bound_service_account_namespace_selector: '',
    audience: '',
    alias_name_source: 'serviceaccount_uid',
    legacy_token_fields: [],
  };
  if (!existing && !creating) throw new UserError('role entry not found during update operation');

  const tokenParams = applyTokenFields(base, fields);
  validateCidrs(tokenParams.token_bound_cidrs);
  if (tokenParams.token_period > mountMaxTtl) {
    throw new UserError(`token period of "${tokenParams.token_period}s" is greater than the backend's maximum lease TTL of "${mountMaxTtl}s"`);
  }
  const legacy = new Set(base.legacy_token_fields ?? []);
  for (const [old, current] of LEGACY_PAIRS) {
    if (fields[current] !== undefined) legacy.delete(old);
    else if (fields[old] !== undefined) legacy.add(old);
  }

  const names = (fields.bound_service_account_names ?? base.bound_service_account_names).filter((n) => n !== '');
  if (names.length === 0) throw new UserError('"bound_service_account_names" can not be empty');
  if (names.length > 1 && names.includes('*')) throw new UserError('can not mix "*" with values');

  const namespaces = (fields.bound_service_account_namespaces ?? base.bound_service_account_namespaces).filter((n) => n !== '');
  const selector = (fields.bound_service_account_namespace_selector ?? base.bound_service_account_namespace_selector).trim();
  if (namespaces.length === 0 && selector === '') {
    throw new UserError('"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set');
  }
  if (selector !== '') {
    try {
      parseNamespaceSelector(selector);
    } catch {
      throw new UserError('invalid "bound_service_account_namespace_selector" configured');
    }
  }
  if (namespaces.length > 1 && namespaces.includes('*')) throw new UserError('can not mix "*" with values');

  const source = fields.alias_name_source ?? base.alias_name_source;
  if (!(ALIAS_NAME_SOURCES as readonly string[]).includes(source)) {
    throw new UserError(`invalid alias_name_source "${source}", must be one of: ${ALIAS_NAME_SOURCES.join(', ')}`);
  }

  const entry: RoleEntry = {
    ...tokenParams,
    bound_service_account_names: names,
    bound_service_account_namespaces: namespaces,
    bound_service_account_namespace_selector: selector,
    audience: fields.audience ?? base.audience,
    alias_name_source: source as AliasNameSource,
    legacy_token_fields: [...legacy].sort(),
  };
  await putJson(storage, roleKey(fields.name), entry);

  const warnings: string[] = [];
  if (entry.token_max_ttl > mountMaxTtl) {
    warnings.push("max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
  }
  if (entry.audience.trim() === '') {
    warnings.push('This role does not specify an audience. In a future version of Vault, specifying an audience will be required.');
  }
  return warnings.length > 0 ? { warnings } : null;
}
