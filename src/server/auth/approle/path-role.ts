/**
 * `role/` — AppRole roles (Vault's builtin/credential/approle/path_role.go): create, read,
 * update, delete and list; `role/:name/role-id`, `role/:name/local-secret-ids` and one
 * read/update/delete endpoint per field (`policies`, `secret-id-num-uses`, `period`, …) so
 * ACLs can delegate single settings.
 */
import { randomUUID } from 'node:crypto';
import { formatDuration } from '../../../shared/duration.js';
import { NotFoundError, UnsupportedPathError, UserError } from '../../../shared/errors.js';
import {
  applyTokenFields,
  definePath,
  f,
  getJson,
  tokenFields,
  type FieldShape,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
  type PathSpec,
  type Storage,
  type StorageOp,
} from '../../sdk/index.js';
import { normaliseAddrs, renderAddr, validateCidrList } from './cidr.js';
import {
  MAX_HMAC_INPUT_LENGTH,
  deleteOp,
  putOp,
  readAccessorEntry,
  readRole,
  readSecretEntry,
  roleIdIndexKey,
  roleKey,
  secretPrefixes,
  type ApproleContext,
  type RoleEntry,
  type RoleIdIndexEntry,
} from './store.js';

/** Vault's `framework.GenericNameRegex`. */
export const ROLE_NAME = '(?<role_name>\\w(?:[\\w.-]*\\w)?)';

export const roleNameField = {
  role_name: f.string({ description: `Name of the role. Must be less than ${MAX_HMAC_INPUT_LENGTH} bytes.` }),
};

function roleFields() {
  // AppRole never had the generic `ttl`/`max_ttl`/`num_uses`/`bound_cidrs` names; only
  // `policies` and `period` survive as deprecated aliases.
  const { ttl: _ttl, max_ttl: _maxTtl, num_uses: _numUses, bound_cidrs: _boundCidrs, ...token } = tokenFields();
  return {
    ...roleNameField,
    bind_secret_id: f.bool({ description: "Impose secret_id to be presented when logging in using this role. Defaults to 'true'." }),
    bound_cidr_list: f.commaStringSlice({ description: 'Deprecated: use "secret_id_bound_cidrs" instead.' }),
    secret_id_bound_cidrs: f.commaStringSlice({
      description: 'Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can perform the login operation.',
    }),
    secret_id_num_uses: f.int({
      description: 'Number of times a SecretID can access the role, after which the SecretID will expire. Defaults to 0 meaning that the secret_id is of unlimited use.',
    }),
    secret_id_ttl: f.durationSecond({
      description: 'Duration in seconds after which the issued SecretID should expire. Defaults to 0, meaning no expiration.',
    }),
    role_id: f.string({ description: 'Identifier of the role. Defaults to a UUID.' }),
    local_secret_ids: f.bool({
      description: "If set, the secret IDs generated using this role will be cluster local. This can only be set during role creation and once set, it can't be reset later.",
    }),
    ...token,
  };
}

type RoleFields = FieldValues<ReturnType<typeof roleFields>>;

/** Lower-cases and checks a role name from the URL. */
export function roleNameOf(raw: string | undefined): string {
  const name = (raw ?? '').toLowerCase();
  if (name === '') throw new UserError('missing role_name');
  if (Buffer.byteLength(name, 'utf8') > MAX_HMAC_INPUT_LENGTH) {
    throw new UserError(`role_name is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
  }
  return name;
}

/** Vault's `validateRoleConstraints`. */
export function hasConstraint(role: RoleEntry): boolean {
  return role.bind_secret_id || role.secret_id_bound_cidrs.length > 0 || role.token_bound_cidrs.length > 0;
}

/** Vault's `policyutil.ParsePolicies` (without adding `default`). */
export function parsePolicies(items: readonly string[]): string[] {
  const cleaned = items.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (cleaned.includes('root')) return ['root'];
  return [...new Set(cleaned)].sort();
}

function validateSecretIdCidrs(cidrs: readonly string[]): string[] {
  const list = cidrs.map((c) => c.trim()).filter((c) => c !== '');
  const valid = validateCidrList(list);
  if (!valid.ok) throw new UserError(`failed to validate CIDR blocks: ${valid.error}`);
  return list;
}

function parseTokenBoundCidrs(cidrs: readonly string[]): string[] {
  const parsed = normaliseAddrs(cidrs);
  if (!parsed.ok) throw new UserError(`failed to parse token_bound_cidrs: invalid address or CIDR block "${parsed.item}"`);
  return parsed.value;
}

/**
 * Persists a role and its role_id index (Vault's `setRoleEntry`): checks the constraints and
 * that the role_id belongs to no other role, then writes both in one transaction.
 */
export async function saveRole(ctx: ApproleContext, storage: Storage, role: RoleEntry, previousRoleId: string): Promise<void> {
  if (!hasConstraint(role)) throw new UserError('at least one constraint should be enabled on the role');
  const indexKey = await roleIdIndexKey(ctx, storage, role.role_id);
  await ctx.roleIdLocks.run(indexKey, async () => {
    const index = await getJson<RoleIdIndexEntry>(storage, indexKey);
    if (index && index.name !== role.name) throw new UserError('role_id already in use');
    const ops: StorageOp[] = [putOp(roleKey(role.name), role)];
    if (previousRoleId !== '' && previousRoleId !== role.role_id) {
      ops.push(deleteOp(await roleIdIndexKey(ctx, storage, previousRoleId)));
    }
    if (!index) ops.push(putOp(indexKey, { name: role.name } satisfies RoleIdIndexEntry));
    await storage.transaction(ops);
  });
}

function newRole(name: string): RoleEntry {
  return {
    name,
    role_id: '',
    bind_secret_id: true,
    secret_id_bound_cidrs: [],
    secret_id_num_uses: 0,
    secret_id_ttl: 0,
    local_secret_ids: false,
    policies: [],
    period: 0,
    token_ttl: 0,
    token_max_ttl: 0,
    token_period: 0,
    token_explicit_max_ttl: 0,
    token_policies: [],
    token_bound_cidrs: [],
    token_type: 'default',
    token_num_uses: 0,
    token_no_default_policy: false,
  };
}

function periodError(period: number, maxLeaseTtl: number): UserError {
  return new UserError(
    `period of "${formatDuration(period)}" is greater than the backend's maximum lease TTL of "${formatDuration(maxLeaseTtl)}"`,
  );
}

async function writeRole(ctx: ApproleContext, req: LogicalRequest, fields: RoleFields): Promise<LogicalResponse | null> {
  const name = roleNameOf(fields.role_name);
  return ctx.roleLocks.run(name, async () => {
    const existing = await readRole(req.storage, name);
    if (!existing && req.operation !== 'create') throw new NotFoundError(`role name "${name}" doesn't exist`);
    const creating = existing === null;
    const base = existing ?? newRole(name);
    const warnings: string[] = [];

    let tokenType = fields.token_type;
    if (tokenType === 'default-service' || tokenType === 'default-batch') {
      const adjusted = tokenType === 'default-service' ? 'service' : 'batch';
      warnings.push(`${tokenType} has no useful meaning; adjusting to ${adjusted}`);
      tokenType = adjusted;
    }
    const tokens = applyTokenFields(base, {
      ...fields,
      token_type: tokenType,
      ttl: undefined,
      max_ttl: undefined,
      num_uses: undefined,
      bound_cidrs: undefined,
    });
    if (fields.token_bound_cidrs !== undefined) tokens.token_bound_cidrs = parseTokenBoundCidrs(tokens.token_bound_cidrs);
    if (tokens.token_type === 'batch') {
      if (tokens.token_period !== 0) {
        throw new UserError("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
      }
      if (tokens.token_num_uses !== 0) {
        throw new UserError("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
      }
    }
    const role: RoleEntry = { ...base, ...tokens };

    if (fields.local_secret_ids !== undefined) {
      if (!creating) throw new UserError('local_secret_ids can only be modified during role creation');
      role.local_secret_ids = fields.local_secret_ids;
    }

    const previousRoleId = base.role_id;
    if (fields.role_id !== undefined) role.role_id = fields.role_id;
    else if (creating) role.role_id = randomUUID();
    if (role.role_id === '') throw new UserError('invalid role_id supplied, or failed to generate a role_id');

    if (fields.bind_secret_id !== undefined) role.bind_secret_id = fields.bind_secret_id;

    const cidrs = fields.secret_id_bound_cidrs ?? fields.bound_cidr_list;
    if (cidrs !== undefined) role.secret_id_bound_cidrs = validateSecretIdCidrs(cidrs);

    if (fields.secret_id_num_uses !== undefined) role.secret_id_num_uses = fields.secret_id_num_uses;
    if (role.secret_id_num_uses < 0) throw new UserError('secret_id_num_uses cannot be negative');
    if (fields.secret_id_ttl !== undefined) role.secret_id_ttl = fields.secret_id_ttl;

    // tokenutil.UpgradeValue: remember the deprecated names only when they were the ones used.
    if (fields.token_policies !== undefined) role.policies = fields.policies !== undefined ? [...role.token_policies] : [];
    else if (fields.policies !== undefined) role.policies = [...role.token_policies];
    if (fields.token_period !== undefined) role.period = fields.period !== undefined ? role.token_period : 0;
    else if (fields.period !== undefined) role.period = role.token_period;

    const maxLeaseTtl = req.mount.maxLeaseTtl();
    if (role.period > maxLeaseTtl) throw periodError(role.period, maxLeaseTtl);
    if (role.token_max_ttl > maxLeaseTtl) {
      warnings.push("token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
    }

    await saveRole(ctx, req.storage, role, creating ? '' : previousRoleId);
    return warnings.length > 0 ? { warnings } : null;
  });
}

/** A role read: every field, in Vault's (sorted) order; token CIDRs rendered like Vault. */
export function renderRole(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bind_secret_id,
    local_secret_ids: role.local_secret_ids,
    ...(role.period !== 0 ? { period: role.period } : {}),
    ...(role.policies.length > 0 ? { policies: [...role.policies] } : {}),
    secret_id_bound_cidrs: [...role.secret_id_bound_cidrs],
    secret_id_num_uses: role.secret_id_num_uses,
    secret_id_ttl: role.secret_id_ttl,
    token_bound_cidrs: role.token_bound_cidrs.map(renderAddr),
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_max_ttl: role.token_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_num_uses: role.token_num_uses,
    token_period: role.token_period,
    token_policies: [...role.token_policies],
    token_ttl: role.token_ttl,
    token_type: role.token_type,
  };
  return data;
}

async function readRoleHandler(req: LogicalRequest, fields: { role_name: string | undefined }): Promise<LogicalResponse | null> {
  const role = await readRole(req.storage, roleNameOf(fields.role_name));
  if (!role) return null;
  const resp: LogicalResponse = { data: renderRole(role) };
  if (!hasConstraint(role)) {
    resp.warnings = ['Role does not have any constraints set on it. Updates to this role will require a constraint to be set'];
  }
  return resp;
}

/** Removes every secret ID (and accessor) issued against a role. Caller holds the role lock. */
export async function flushRoleSecrets(ctx: ApproleContext, storage: Storage, role: RoleEntry): Promise<void> {
  const { secrets, accessors } = secretPrefixes(role);
  const folder = `${secrets}${await ctx.hmac(storage, role.name)}/`;
  for (const secretIdHmac of await storage.list(folder)) {
    await ctx.secretLocks.run(secretIdHmac, async () => {
      const key = folder + secretIdHmac;
      const entry = await readSecretEntry(storage, key);
      const ops: StorageOp[] = [deleteOp(key)];
      if (entry?.secret_id_accessor) {
        const accessorKey = accessors + (await ctx.hmac(storage, entry.secret_id_accessor));
        const accessor = await readAccessorEntry(storage, accessorKey);
        if (accessor?.secret_id_hmac === secretIdHmac) ops.push(deleteOp(accessorKey));
      }
      await storage.transaction(ops);
    });
  }
}

async function deleteRole(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined }): Promise<null> {
  const name = roleNameOf(fields.role_name);
  return ctx.roleLocks.run(name, async () => {
    const role = await readRole(req.storage, name);
    if (!role) return null;
    await flushRoleSecrets(ctx, req.storage, role);
    const ops: StorageOp[] = [deleteOp(roleKey(name))];
    if (role.role_id !== '') {
      const indexKey = await roleIdIndexKey(ctx, req.storage, role.role_id);
      await ctx.roleIdLocks.run(indexKey, async () => {
        const index = await getJson<RoleIdIndexEntry>(req.storage, indexKey);
        if (index?.name === name) ops.push(deleteOp(indexKey));
        await req.storage.transaction(ops);
      });
    } else {
      await req.storage.transaction(ops);
    }
    return null;
  });
}

export function pathRole(ctx: ApproleContext): PathSpec<ReturnType<typeof roleFields>> {
  const fields = roleFields();
  const write = (req: LogicalRequest, v: RoleFields) => writeRole(ctx, req, v);
  return definePath({
    pattern: `role/${ROLE_NAME}`,
    fields,
    existenceCheck: async (req, v) => (await readRole(req.storage, roleNameOf(v.role_name))) !== null,
    operations: {
      create: { handler: write, summary: 'Register an role with the backend.' },
      update: { handler: write, summary: 'Update the options of a role.' },
      read: { handler: readRoleHandler, summary: 'Read the properties of a role.' },
      delete: { handler: (req, v) => deleteRole(ctx, req, v), summary: 'Delete a role and every secret ID issued against it.' },
    },
    synopsis: 'Register an role with the backend.',
    description: `A role can represent a service, a machine or anything that can be IDed.
The set of policies on the role defines access to the role. SecretIDs generated against
the role via 'role/<role_name>/secret-id' and 'role/<role_name>/custom-secret-id' are
scoped to it; the fields of this endpoint configure those SecretIDs and the tokens issued
with them.`,
  });
}

export function pathRoleList(): PathSpec<Record<string, never>> {
  return definePath({
    pattern: 'role/?',
    fields: {},
    operations: {
      list: {
        handler: async (req) => {
          const keys = (await req.storage.list('role/')).filter((k) => !k.endsWith('/'));
          return { data: keys.length > 0 ? { keys } : {} };
        },
        summary: 'Lists all the roles registered with the backend.',
      },
    },
    synopsis: 'Lists all the roles registered with the backend.',
    description: 'The list will contain the names of the roles.',
  });
}

/** One field of a role behind its own endpoint. */
interface FieldEndpoint<S extends FieldShape> {
  suffix: string;
  fields: S;
  read(role: RoleEntry): Record<string, unknown>;
  /** Applies a write to `role`; throws a UserError when the field is missing or invalid. Undefined = read-only. */
  update?(role: RoleEntry, fields: FieldValues<S & typeof roleNameField>, req: LogicalRequest): void;
  /** Resets the field to its default; undefined = no DELETE on this endpoint. */
  reset?(role: RoleEntry): void;
  readWarnings?: string[];
  synopsis: string;
}

function fieldPath<S extends FieldShape>(ctx: ApproleContext, spec: FieldEndpoint<S>): PathSpec<S & typeof roleNameField> {
  const fields = { ...roleNameField, ...spec.fields } as S & typeof roleNameField;
  type V = FieldValues<S & typeof roleNameField>;
  const read = async (req: LogicalRequest, v: V): Promise<LogicalResponse | null> => {
    const role = await readRole(req.storage, roleNameOf((v as { role_name?: string }).role_name));
    if (!role) return null;
    return { data: spec.read(role), ...(spec.readWarnings ? { warnings: [...spec.readWarnings] } : {}) };
  };
  const apply = spec.update;
  const update = apply
    ? async (req: LogicalRequest, v: V): Promise<LogicalResponse | null> => {
        const name = roleNameOf((v as { role_name?: string }).role_name);
        return ctx.roleLocks.run(name, async () => {
          const role = await readRole(req.storage, name);
          if (!role) throw new UnsupportedPathError();
          const previousRoleId = role.role_id;
          apply(role, v, req);
          await saveRole(ctx, req.storage, role, previousRoleId);
          return null;
        });
      }
    : undefined;
  const reset = spec.reset;
  const remove = reset
    ? async (req: LogicalRequest, v: V): Promise<LogicalResponse | null> => {
        const name = roleNameOf((v as { role_name?: string }).role_name);
        return ctx.roleLocks.run(name, async () => {
          const role = await readRole(req.storage, name);
          if (!role) return null;
          reset(role);
          await saveRole(ctx, req.storage, role, role.role_id);
          return null;
        });
      }
    : undefined;
  return definePath({
    pattern: `role/${ROLE_NAME}/${spec.suffix}`,
    fields,
    operations: { read, ...(update ? { update } : {}), ...(remove ? { delete: remove } : {}) },
    synopsis: spec.synopsis,
  });
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UserError(`missing ${name}`);
  return value;
}

function updateSecretIdCidrs(role: RoleEntry, cidrs: string[] | undefined): void {
  if (cidrs === undefined) return;
  if (cidrs.filter((c) => c.trim() !== '').length === 0) throw new UserError('missing bound_cidr_list');
  role.secret_id_bound_cidrs = validateSecretIdCidrs(cidrs);
}

export function pathsRoleFields(ctx: ApproleContext): PathSpec<any>[] {
  const tf = tokenFields();
  return [
    fieldPath(ctx, {
      suffix: 'local-secret-ids',
      fields: {},
      read: (role) => ({ local_secret_ids: role.local_secret_ids }),
      synopsis: 'Enables cluster local secret IDs',
    }),
    fieldPath(ctx, {
      suffix: 'policies',
      fields: { policies: tf.policies, token_policies: tf.token_policies },
      read: (role) => ({ ...(role.policies.length > 0 ? { policies: [...role.policies] } : {}), token_policies: [...role.token_policies] }),
      update: (role, v) => {
        if (v.token_policies !== undefined) {
          role.token_policies = parsePolicies(v.token_policies);
          role.policies = v.policies !== undefined ? [...role.token_policies] : [];
        } else if (v.policies !== undefined) {
          role.token_policies = parsePolicies(v.policies);
          role.policies = [...role.token_policies];
        } else {
          throw new UserError('missing token_policies');
        }
      },
      reset: (role) => {
        role.token_policies = [];
        role.policies = [];
      },
      synopsis: 'Policies of the role.',
    }),
    fieldPath(ctx, {
      suffix: 'bound-cidr-list',
      fields: { bound_cidr_list: f.commaStringSlice({ description: 'Deprecated: use "secret_id_bound_cidrs" instead.' }) },
      read: (role) => ({ bound_cidr_list: [...role.secret_id_bound_cidrs] }),
      readWarnings: ['The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.'],
      update: (role, v) => updateSecretIdCidrs(role, v.bound_cidr_list),
      reset: (role) => {
        role.secret_id_bound_cidrs = [];
      },
      synopsis: 'Deprecated: Comma separated list of CIDR blocks, if set, specifies blocks of IP addresses which can perform the login operation',
    }),
    fieldPath(ctx, {
      suffix: 'secret-id-bound-cidrs',
      fields: { secret_id_bound_cidrs: f.commaStringSlice({ description: 'CIDR blocks which can perform the login operation.' }) },
      read: (role) => ({ secret_id_bound_cidrs: [...role.secret_id_bound_cidrs] }),
      update: (role, v) => updateSecretIdCidrs(role, v.secret_id_bound_cidrs),
      reset: (role) => {
        role.secret_id_bound_cidrs = [];
      },
      synopsis: 'Comma separated list of CIDR blocks, if set, specifies blocks of IP addresses which can perform the login operation',
    }),
    fieldPath(ctx, {
      suffix: 'token-bound-cidrs',
      fields: { token_bound_cidrs: tf.token_bound_cidrs },
      read: (role) => ({ token_bound_cidrs: role.token_bound_cidrs.map(renderAddr) }),
      update: (role, v) => {
        if (v.token_bound_cidrs !== undefined) role.token_bound_cidrs = parseTokenBoundCidrs(v.token_bound_cidrs);
      },
      reset: (role) => {
        role.token_bound_cidrs = [];
      },
      synopsis: 'Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can use the returned token.',
    }),
    fieldPath(ctx, {
      suffix: 'bind-secret-id',
      fields: { bind_secret_id: f.bool({ description: 'Impose secret_id to be presented when logging in using this role.' }) },
      read: (role) => ({ bind_secret_id: role.bind_secret_id }),
      update: (role, v) => {
        role.bind_secret_id = required(v.bind_secret_id, 'bind_secret_id');
      },
      reset: (role) => {
        role.bind_secret_id = true;
      },
      synopsis: 'Impose secret_id to be presented during login using this role.',
    }),
    fieldPath(ctx, {
      suffix: 'secret-id-num-uses',
      fields: { secret_id_num_uses: f.int({ description: 'Number of times a SecretID can access the role, after which the SecretID will expire.' }) },
      read: (role) => ({ secret_id_num_uses: role.secret_id_num_uses }),
      update: (role, v) => {
        const uses = required(v.secret_id_num_uses, 'secret_id_num_uses');
        if (uses < 0) throw new UserError('secret_id_num_uses cannot be negative');
        role.secret_id_num_uses = uses;
      },
      reset: (role) => {
        role.secret_id_num_uses = 0;
      },
      synopsis: 'Use limit of the SecretID generated against the role.',
    }),
    fieldPath(ctx, {
      suffix: 'secret-id-ttl',
      fields: { secret_id_ttl: f.durationSecond({ description: 'Duration in seconds after which the issued SecretID should expire.' }) },
      read: (role) => ({ secret_id_ttl: role.secret_id_ttl }),
      update: (role, v) => {
        role.secret_id_ttl = required(v.secret_id_ttl, 'secret_id_ttl');
      },
      reset: (role) => {
        role.secret_id_ttl = 0;
      },
      synopsis: 'Duration in seconds of the SecretID generated against the role.',
    }),
    fieldPath(ctx, {
      suffix: 'period',
      fields: { period: tf.period, token_period: tf.token_period },
      read: (role) => ({ ...(role.period > 0 ? { period: role.period } : {}), token_period: role.token_period }),
      update: (role, v, req) => {
        if (v.token_period !== undefined) {
          role.token_period = v.token_period;
          role.period = v.period !== undefined ? role.token_period : 0;
        } else if (v.period !== undefined) {
          role.token_period = v.period;
          role.period = v.period;
        } else {
          throw new UserError('missing period');
        }
        const maxLeaseTtl = req.mount.maxLeaseTtl();
        if (role.token_period > maxLeaseTtl) throw periodError(role.token_period, maxLeaseTtl);
      },
      reset: (role) => {
        role.token_period = 0;
        role.period = 0;
      },
      synopsis: "Updates the value of 'period' on the role",
    }),
    fieldPath(ctx, {
      suffix: 'token-num-uses',
      fields: { token_num_uses: tf.token_num_uses },
      read: (role) => ({ token_num_uses: role.token_num_uses }),
      update: (role, v) => {
        const uses = required(v.token_num_uses, 'token_num_uses');
        if (uses < 0) throw new UserError("'token_num_uses' cannot be negative");
        role.token_num_uses = uses;
      },
      reset: (role) => {
        role.token_num_uses = 0;
      },
      synopsis: 'Number of times issued tokens can be used',
    }),
    fieldPath(ctx, {
      suffix: 'token-ttl',
      fields: { token_ttl: tf.token_ttl },
      read: (role) => ({ token_ttl: role.token_ttl }),
      update: (role, v) => {
        const ttl = required(v.token_ttl, 'token_ttl');
        if (role.token_max_ttl > 0 && ttl > role.token_max_ttl) throw new UserError('token_ttl should not be greater than token_max_ttl');
        role.token_ttl = ttl;
      },
      reset: (role) => {
        role.token_ttl = 0;
      },
      synopsis: 'Duration in seconds, the lifetime of the token issued by using the SecretID that is generated against this role, before which the token needs to be renewed.',
    }),
    fieldPath(ctx, {
      suffix: 'token-max-ttl',
      fields: { token_max_ttl: tf.token_max_ttl },
      read: (role) => ({ token_max_ttl: role.token_max_ttl }),
      update: (role, v) => {
        const maxTtl = required(v.token_max_ttl, 'token_max_ttl');
        if (maxTtl > 0 && role.token_ttl > maxTtl) throw new UserError('token_max_ttl should be greater than or equal to token_ttl');
        role.token_max_ttl = maxTtl;
      },
      reset: (role) => {
        role.token_max_ttl = 0;
      },
      synopsis: 'Duration in seconds, the maximum lifetime of the tokens issued by using the SecretIDs that were generated against this role, after which the tokens are not allowed to be renewed.',
    }),
    fieldPath(ctx, {
      suffix: 'role-id',
      fields: { role_id: f.string({ description: 'Identifier of the role. Defaults to a UUID.' }) },
      read: (role) => ({ role_id: role.role_id }),
      update: (role, v) => {
        const roleId = v.role_id ?? '';
        if (roleId === '') throw new UserError('missing role_id');
        role.role_id = roleId;
      },
      synopsis: "Returns the 'role_id' of the role.",
    }),
  ];
}
