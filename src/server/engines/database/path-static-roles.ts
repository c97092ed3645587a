/**
 * Static roles: `static-roles/:name` (create/update/read/delete), `static-roles/` (list),
 * `static-creds/:name` and `rotate-role/:name`. Creating a role rotates its user's
 * password at once; deleting one leaves the database user alone.
 */
import { UserError } from '../../../shared/errors.js';
import { formatRfc3339Nano } from '../../../shared/time.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { roleAllowed } from './allowed-roles.js';
import type { DatabaseContext } from './context.js';
import { listPath, type listFields } from './list.js';
import { ROLE_NAME_PATTERN, checkCredentialConfig, checkCredentialType, commonRoleFields, statementsField } from './role-fields.js';
import { nextRotationMs, rotateRoleNow, setStaticAccount } from './rotation.js';
import { MIN_ROTATION_PERIOD_SECONDS, MIN_ROTATION_WINDOW_SECONDS, validateSchedule } from './schedule.js';
import { parseStatements } from './statements.js';
import { STATIC_ROLE_PREFIX, getRole, getStaticRole, putStaticRole, requireConfig, type StaticRoleEntry } from './store.js';

export const staticRoleFields = {
  ...commonRoleFields,
  username: f.string({ description: 'Name of the static user account for Coffer to manage.' }),
  rotation_period: f.durationSecond({
    description: 'Period for automatic credential rotation of the given username. Mutually exclusive with "rotation_schedule".',
  }),
  rotation_schedule: f.string({
    description: 'Schedule (five-field cron, UTC) for automatic credential rotation of the given username. Mutually exclusive with "rotation_period".',
  }),
  rotation_window: f.durationSecond({
    description: 'The window of time in which rotations are allowed to occur starting from a given "rotation_schedule". Requires "rotation_schedule".',
  }),
  rotation_statements: statementsField("Specifies the database statements to be executed to rotate the account's credentials."),
};

type StaticRoleFields = FieldValues<typeof staticRoleFields>;

/** `rotation_period`, or `rotation_schedule` (and `rotation_window` when set): only the one in use. */
function timingOf(role: StaticRoleEntry): Record<string, unknown> {
  if (role.rotation_schedule === '') return { rotation_period: role.rotation_period };
  return role.rotation_window > 0
    ? { rotation_schedule: role.rotation_schedule, rotation_window: role.rotation_window }
    : { rotation_schedule: role.rotation_schedule };
}

function renderStaticRole(role: StaticRoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    db_name: role.db_name,
    username: role.username,
    rotation_statements: role.rotation_statements,
    credential_type: role.credential_type,
    ...timingOf(role),
  };
  if (role.last_vault_rotation_ms > 0) data['last_vault_rotation'] = formatRfc3339Nano(new Date(role.last_vault_rotation_ms));
  if (Object.keys(role.credential_config).length > 0) data['credential_config'] = role.credential_config;
  return data;
}

/** Applies the timing fields with Vault's rules and messages. */
function applyTiming(role: StaticRoleEntry, fields: StaticRoleFields, creating: boolean): boolean {
  const period = fields.rotation_period;
  const schedule = fields.rotation_schedule?.trim() ?? '';
  const window = fields.rotation_window;
  if (period !== undefined && schedule !== '') {
    throw new UserError('mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided');
  }
  if (creating && period === undefined && schedule === '') {
    throw new UserError('one of rotation_schedule or rotation_period must be provided to create a static account');
  }
  if (period !== undefined) {
    if (period < MIN_ROTATION_PERIOD_SECONDS) throw new UserError(`rotation_period must be ${MIN_ROTATION_PERIOD_SECONDS} seconds or more`);
    if (window !== undefined) throw new UserError('rotation_window is invalid with use of rotation_period');
    role.rotation_period = period;
    role.rotation_schedule = '';
    role.rotation_window = 0;
    return true;
  }
  if (schedule !== '') {
    validateSchedule(schedule);
    role.rotation_schedule = schedule;
    role.rotation_period = 0;
  }
  if (window !== undefined) {
    if (role.rotation_schedule === '') throw new UserError('rotation_window is invalid with use of rotation_period');
    if (window < MIN_ROTATION_WINDOW_SECONDS) {
      throw new UserError(`rotation_window is invalid: rotation_window must be ${MIN_ROTATION_WINDOW_SECONDS} seconds or more`);
    }
    role.rotation_window = window;
  }
  return schedule !== '';
}

async function writeStaticRole(ctx: DatabaseContext, req: LogicalRequest, fields: StaticRoleFields): Promise<LogicalResponse | null> {
  const name = fields.name;
  return ctx.roleLocks.run(name, async () => {
    if ((await getRole(req.storage, name)) !== null) throw new UserError('Role and Static Role names must be unique');
    const stored = await getStaticRole(req.storage, name);
    const creating = stored === null;
    const role: StaticRoleEntry = stored ?? {
      db_name: '',
      username: '',
      rotation_statements: [],
      credential_type: 'password',
      credential_config: {},
      rotation_period: 0,
      rotation_schedule: '',
      rotation_window: 0,
      password: '',
      last_vault_rotation_ms: 0,
      next_vault_rotation_ms: 0,
    };
    if (fields.db_name !== undefined) role.db_name = fields.db_name.trim();
    if (role.db_name === '') throw new UserError('database name is a required field');
    const username = fields.username?.trim() ?? '';
    if (creating && username === '') throw new UserError('username is a required field to create a static account');
    if (!creating && username !== '' && username !== role.username) throw new UserError('cannot update static account username');
    if (creating) role.username = username;
    const timingChanged = applyTiming(role, fields, creating);
    if (fields.rotation_statements !== undefined) role.rotation_statements = parseStatements(fields.rotation_statements, 'rotation_statements');
    if (fields.credential_type !== undefined) role.credential_type = checkCredentialType(fields.credential_type);
    if (fields.credential_config !== undefined) role.credential_config = checkCredentialConfig(fields.credential_config);

    if (creating) {
      // The password is set in the database first; the role exists only if that worked.
      const created = await setStaticAccount(ctx, name, role, { persistPending: false });
      ctx.scheduler.set(name, created.next_vault_rotation_ms);
      return null;
    }
    if (timingChanged) role.next_vault_rotation_ms = nextRotationMs(role, role.last_vault_rotation_ms);
    await putStaticRole(req.storage, name, role);
    ctx.scheduler.set(name, role.pending_password !== undefined ? ctx.now() : role.next_vault_rotation_ms);
    return null;
  });
}

export function pathStaticRoles(ctx: DatabaseContext): PathSpec<typeof staticRoleFields> {
  return definePath({
    pattern: `static-roles/(?<name>${ROLE_NAME_PATTERN})`,
    fields: staticRoleFields,
    existenceCheck: async (req, fields) => (await getStaticRole(req.storage, fields.name)) !== null,
    operations: {
      read: async (req, fields) => {
        const role = await getStaticRole(req.storage, fields.name);
        return role === null ? null : { data: renderStaticRole(role) };
      },
      create: (req, fields) => writeStaticRole(ctx, req, fields),
      update: (req, fields) => writeStaticRole(ctx, req, fields),
      delete: async (req, fields) => {
        await ctx.roleLocks.run(fields.name, async () => {
          await req.storage.delete(STATIC_ROLE_PREFIX + fields.name);
          ctx.scheduler.delete(fields.name);
        });
        return null;
      },
    },
    synopsis: 'Manage the static roles that can be created with this backend.',
    description: `Static roles are associated with a single database user, and manage the
credential based on a rotation period or schedule, automatically rotating the
credential. Creating a static role rotates the user's password immediately;
deleting one leaves the database user in place.`,
  });
}

export function pathStaticRolesList(): PathSpec<typeof listFields> {
  return listPath('static-roles/?', STATIC_ROLE_PREFIX, 'Manage the static roles that can be created with this backend.');
}

const nameOnly = { name: f.string({ description: 'Name of the static role.', required: true }) };

async function readStaticCreds(ctx: DatabaseContext, req: LogicalRequest, name: string): Promise<LogicalResponse> {
  const role = await getStaticRole(req.storage, name);
  if (role === null) throw new UserError(`unknown role: ${name}`);
  const config = await requireConfig(req.storage, role.db_name);
  if (!roleAllowed(config.allowed_roles, name)) throw new UserError(`${JSON.stringify(name)} is not an allowed role`);
  const ttl = Math.max(0, Math.round((role.next_vault_rotation_ms - ctx.now()) / 1000));
  const data: Record<string, unknown> = {
    username: role.username,
    password: role.password,
    ttl,
    ...timingOf(role),
  };
  if (role.last_vault_rotation_ms > 0) data['last_vault_rotation'] = formatRfc3339Nano(new Date(role.last_vault_rotation_ms));
  return { data };
}

export function pathStaticCreds(ctx: DatabaseContext): PathSpec<typeof nameOnly> {
  return definePath({
    pattern: `static-creds/(?<name>${ROLE_NAME_PATTERN})`,
    fields: nameOnly,
    operations: { read: (req, fields) => readStaticCreds(ctx, req, fields.name) },
    synopsis: 'Request database credentials for a certain static role. These credentials are rotated periodically.',
    description:
      'This path reads database credentials for a certain static role. The database credentials are rotated periodically according to their configuration, and will return the same password until they are rotated.',
  });
}

export function pathRotateRole(ctx: DatabaseContext): PathSpec<typeof nameOnly> {
  return definePath({
    pattern: `rotate-role/(?<name>${ROLE_NAME_PATTERN})`,
    fields: nameOnly,
    operations: {
      update: async (_req, fields) => {
        await rotateRoleNow(ctx, fields.name);
        return null;
      },
    },
    synopsis: 'Request to rotate the credentials for a static user account.',
    description: 'This path rotates the credentials of the given static user account now and restarts its rotation schedule.',
  });
}
