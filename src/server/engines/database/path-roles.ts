/** Dynamic roles: `roles/:name` (create/update/read/delete) and `roles/` (list). */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import type { DatabaseContext } from './context.js';
import { listPath, type listFields } from './list.js';
import { ROLE_NAME_PATTERN, checkCredentialConfig, checkCredentialType, commonRoleFields, statementsField } from './role-fields.js';
import { parseStatements } from './statements.js';
import { ROLE_PREFIX, getRole, getStaticRole, putRole, type RoleEntry } from './store.js';

export const roleFields = {
  ...commonRoleFields,
  default_ttl: f.durationSecond({ description: 'Default ttl for role.' }),
  max_ttl: f.durationSecond({ description: 'Maximum time a credential is valid for' }),
  creation_statements: statementsField('Specifies the database statements executed to create and configure a user.'),
  revocation_statements: statementsField('Specifies the database statements to be executed to revoke a user.'),
  renew_statements: statementsField('Specifies the database statements to be executed to renew a user.'),
  rollback_statements: statementsField('Specifies the database statements to be executed to rollback a create operation in the event of an error.'),
};

type RoleFields = FieldValues<typeof roleFields>;

const STATEMENT_FIELDS = ['creation_statements', 'revocation_statements', 'renew_statements', 'rollback_statements'] as const;

function renderRole(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    db_name: role.db_name,
    creation_statements: role.creation_statements,
    revocation_statements: role.revocation_statements,
    rollback_statements: role.rollback_statements,
    renew_statements: role.renew_statements,
    default_ttl: role.default_ttl,
    max_ttl: role.max_ttl,
    credential_type: role.credential_type,
  };
  if (Object.keys(role.credential_config).length > 0) data['credential_config'] = role.credential_config;
  return data;
}

function checkTtl(name: string, value: number): number {
  if (value < 0) throw new UserError(`${name} cannot be negative`);
  return value;
}

async function writeRole(ctx: DatabaseContext, req: LogicalRequest, fields: RoleFields): Promise<LogicalResponse | null> {
  const name = fields.name;
  return ctx.roleLocks.run(name, async () => {
    if ((await getStaticRole(req.storage, name)) !== null) throw new UserError('Role and Static Role names must be unique');
    const role: RoleEntry = (await getRole(req.storage, name)) ?? {
      db_name: '',
      creation_statements: [],
      revocation_statements: [],
      rollback_statements: [],
      renew_statements: [],
      default_ttl: 0,
      max_ttl: 0,
      credential_type: 'password',
      credential_config: {},
    };
    if (fields.db_name !== undefined) role.db_name = fields.db_name.trim();
    if (role.db_name === '') throw new UserError('database name is required');
    if (fields.credential_type !== undefined) role.credential_type = checkCredentialType(fields.credential_type);
    if (fields.credential_config !== undefined) role.credential_config = checkCredentialConfig(fields.credential_config);
    for (const field of STATEMENT_FIELDS) {
      if (fields[field] !== undefined) role[field] = parseStatements(fields[field], field);
    }
    if (role.creation_statements.length === 0) {
      throw new UserError('creation_statements are required: give at least one statement that creates the user');
    }
    if (fields.default_ttl !== undefined) role.default_ttl = checkTtl('default_ttl', fields.default_ttl);
    if (fields.max_ttl !== undefined) role.max_ttl = checkTtl('max_ttl', fields.max_ttl);
    const mountMax = req.mount.maxLeaseTtl();
    if (mountMax > 0 && role.max_ttl > mountMax) {
      throw new UserError(`max_ttl of ${role.max_ttl}s is greater than the mount's max lease TTL of ${mountMax}s`);
    }
    await putRole(req.storage, name, role);
    return null;
  });
}

export function pathRoles(ctx: DatabaseContext): PathSpec<typeof roleFields> {
  return definePath({
    pattern: `roles/(?<name>${ROLE_NAME_PATTERN})`,
    fields: roleFields,
    existenceCheck: async (req, fields) => (await getRole(req.storage, fields.name)) !== null,
    operations: {
      read: async (req, fields) => {
        const role = await getRole(req.storage, fields.name);
        return role === null ? null : { data: renderRole(role) };
      },
      create: (req, fields) => writeRole(ctx, req, fields),
      update: (req, fields) => writeRole(ctx, req, fields),
      delete: async (req, fields) => {
        // Leases already issued keep their revocation statements (stored with the lease).
        await ctx.roleLocks.run(fields.name, () => req.storage.delete(ROLE_PREFIX + fields.name));
        return null;
      },
    },
    synopsis: 'Manage the roles that can be created with this backend.',
    description: `The "db_name" parameter is required and names the connection to use. The
"creation_statements" parameter (required) holds the statements that create the
user; "{{name}}", "{{password}}" and "{{expiration}}" are substituted. Statements
may be given as a list, a ';'-separated string, a JSON array, or either of those
base64-encoded.`,
  });
}

export function pathRolesList(): PathSpec<typeof listFields> {
  return listPath('roles/?', ROLE_PREFIX, 'Manage the roles that can be created with this backend.');
}
