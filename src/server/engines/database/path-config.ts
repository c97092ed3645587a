/**
 * Connections: `config/:name` (create/update/read/delete), `config/` (list),
 * `reset/:name` and `rotate-root/:name`.
 */
import { InternalError, UserError, errorMessage } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { pluginFactoryFor } from './connections.js';
import { NAME_PATTERN, type DatabaseContext } from './context.js';
import { generatePassword, validateUsernameTemplate } from './credentials.js';
import { listPath, type listFields } from './list.js';
import { URL_PASSWORD_WARNING, pluginFailure, publicConnectionDetails, urlHasLiteralPassword } from './redact.js';
import { parseStatements } from './statements.js';
import { CONFIG_PREFIX, getConfig, putConfig, type ConnectionConfig } from './store.js';

const NAME_FIELD = f.string({ description: 'Name of this database connection', required: true });

export const configFields = {
  name: NAME_FIELD,
  plugin_name: f.string({
    description: 'The name of a builtin database plugin known to Coffer. This endpoint will create an instance of that plugin type.',
  }),
  plugin_version: f.string({ description: 'The version of the plugin to use.' }),
  verify_connection: f.bool({
    description: 'If true, the connection details are verified by actually connecting to the database. Defaults to true.',
    default: true,
  }),
  allowed_roles: f.commaStringSlice({
    description:
      'Comma separated string or array of the role names allowed to get creds from this database connection. If empty no roles are allowed. If "*" all roles are allowed.',
  }),
  root_rotation_statements: f.any({
    description: "Specifies the database statements to be executed to rotate the root user's credentials.",
  }),
  password_policy: f.string({ description: 'Password policy to use when generating passwords.' }),
};

type ConfigFields = FieldValues<typeof configFields>;

/** Body keys that are not connection details. */
const ENGINE_KEYS = new Set([...Object.keys(configFields), 'help', 'list']);

/** Vault accepts builtin version strings (`v1.2.3+builtin`) and treats them as "no version". */
function normalisePluginVersion(pluginName: string, raw: string): string {
  const version = raw.trim();
  if (version === '') return '';
  const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+([0-9A-Za-z.-]+))?$/.exec(version);
  if (m === null) throw new UserError(`version ${JSON.stringify(version)} is not a valid semantic version`);
  if ((m[2] ?? '').split('.').includes('builtin')) return '';
  throw new UserError(
    `database plugin ${JSON.stringify(pluginName)}, version ${JSON.stringify(`v${m[1] ?? ''}`)} not found: only the built-in plugins are available; omit plugin_version`,
  );
}

function renderConfig(config: ConnectionConfig): Record<string, unknown> {
  return {
    allowed_roles: config.allowed_roles,
    connection_details: publicConnectionDetails(config.connection_details),
    password_policy: config.password_policy,
    plugin_name: config.plugin_name,
    plugin_version: config.plugin_version,
    root_credentials_rotate_statements: config.root_credentials_rotate_statements,
    verify_connection: config.verify_connection,
  };
}

async function writeConfig(ctx: DatabaseContext, req: LogicalRequest, fields: ConfigFields): Promise<LogicalResponse | null> {
  const name = fields.name;
  return ctx.connections.locks.run(name, async () => {
    const stored = await getConfig(req.storage, name);
    const config: ConnectionConfig = stored
      ? structuredClone(stored)
      : {
          plugin_name: '',
          plugin_version: '',
          connection_details: {},
          allowed_roles: [],
          root_credentials_rotate_statements: [],
          password_policy: '',
          verify_connection: true,
        };
    if (fields.plugin_name !== undefined) config.plugin_name = fields.plugin_name.trim();
    if (config.plugin_name === '') throw new UserError('empty plugin name');
    pluginFactoryFor(ctx.plugins, config.plugin_name);
    if (fields.plugin_version !== undefined) config.plugin_version = fields.plugin_version;
    config.plugin_version = normalisePluginVersion(config.plugin_name, config.plugin_version);
    if (fields.allowed_roles !== undefined) config.allowed_roles = fields.allowed_roles.filter((r) => r !== '');
    if (fields.root_rotation_statements !== undefined) {
      config.root_credentials_rotate_statements = parseStatements(fields.root_rotation_statements, 'root_rotation_statements');
    }
    if (fields.password_policy !== undefined) config.password_policy = fields.password_policy;
    config.verify_connection = fields.verify_connection;

    // Every other body key is a connection detail; an update merges over the stored ones.
    const details: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(req.data)) if (!ENGINE_KEYS.has(key)) details[key] = value;
    config.connection_details = stored ? { ...stored.connection_details, ...details } : details;

    const template = config.connection_details['username_template'];
    if (template !== undefined && template !== null && template !== '') {
      if (typeof template !== 'string') throw new UserError('error creating database object: username_template must be a string');
      try {
        validateUsernameTemplate(template);
      } catch (err) {
        throw new UserError(`error creating database object: ${errorMessage(err)}`);
      }
    }

    // Nothing is stored (and the old instance keeps serving) unless the plugin accepts the settings.
    const opened = await ctx.connections.open(config, fields.verify_connection).catch((err: unknown) => {
      throw new UserError(errorMessage(err));
    });
    config.connection_details = opened.details;
    try {
      await putConfig(req.storage, name, config);
    } catch (err) {
      await opened.plugin.close().catch(() => undefined);
      throw err;
    }
    ctx.connections.install(name, opened.plugin, config);

    const url = config.connection_details['connection_url'];
    if (typeof url === 'string' && urlHasLiteralPassword(url)) return { warnings: [URL_PASSWORD_WARNING] };
    return null;
  });
}

export function pathConfig(ctx: DatabaseContext): PathSpec<typeof configFields> {
  return definePath({
    pattern: `config/(?<name>${NAME_PATTERN})`,
    fields: configFields,
    takesArbitraryInput: true,
    existenceCheck: async (req, fields) => (await getConfig(req.storage, fields.name)) !== null,
    operations: {
      read: async (req, fields) => {
        const config = await getConfig(req.storage, fields.name);
        return config === null ? null : { data: renderConfig(config) };
      },
      create: { handler: (req, fields) => writeConfig(ctx, req, fields), summary: 'Configure a database connection.' },
      update: { handler: (req, fields) => writeConfig(ctx, req, fields), summary: 'Configure a database connection.' },
      delete: async (req, fields) => {
        await ctx.connections.locks.run(fields.name, async () => {
          await req.storage.delete(CONFIG_PREFIX + fields.name);
          ctx.connections.remove(fields.name);
        });
        return null;
      },
    },
    synopsis: 'Configure connection details to a database plugin.',
    description: `This path configures the connection details used to connect to a particular
database. This path runs the provided plugin name and passes the configured
connection details to the plugin. Besides plugin_name (required), plugin_version,
verify_connection (default true), allowed_roles, root_rotation_statements and
password_policy, every parameter is a connection detail handed to the plugin
(connection_url, username, password, max_open_connections, username_template, …).`,
  });
}

export function pathConfigList(): PathSpec<typeof listFields> {
  return listPath('config/?', CONFIG_PREFIX, 'Configure connection details to a database plugin.');
}

const nameOnly = { name: NAME_FIELD };

export function pathReset(ctx: DatabaseContext): PathSpec<typeof nameOnly> {
  return definePath({
    pattern: `reset/(?<name>${NAME_PATTERN})`,
    fields: nameOnly,
    operations: {
      update: async (_req, fields) => {
        await ctx.connections.locks.run(fields.name, async () => {
          ctx.connections.remove(fields.name);
          // Re-create the instance from the stored config now, so a broken config is reported here.
          await ctx.connections.useLocked(fields.name, async () => undefined);
        });
        return null;
      },
    },
    synopsis: 'Resets a database plugin.',
    description: 'This path resets the database connection by closing the existing database plugin instance and running a new one.',
  });
}

async function rotateRoot(ctx: DatabaseContext, req: LogicalRequest, name: string): Promise<null> {
  await ctx.connections.locks.run(name, async () => {
    const config = await getConfig(req.storage, name);
    if (config === null) throw new UserError(`failed to find entry for connection with name: ${JSON.stringify(name)}`);
    const username = config.connection_details['username'];
    if (typeof username !== 'string' || username === '') {
      throw new UserError('unable to rotate root credentials: no username in configuration');
    }
    const oldPassword = config.connection_details['password'];
    if (typeof oldPassword !== 'string' || oldPassword === '') {
      throw new UserError('unable to rotate root credentials: no password in configuration');
    }
    const newPassword = await generatePassword(ctx.system, config.password_policy === '' ? undefined : config.password_policy);
    try {
      await ctx.connections.useLocked(name, (plugin) =>
        plugin.updateUser({
          username,
          password: { newPassword, statements: { commands: config.root_credentials_rotate_statements } },
        }),
      );
    } catch (err) {
      // The stored config (and its password) is unchanged.
      throw pluginFailure(err, 'failed to update user: ', [newPassword, oldPassword]);
    }
    const updated: ConnectionConfig = { ...config, connection_details: { ...config.connection_details, password: newPassword } };
    try {
      await putConfig(req.storage, name, updated);
    } catch (err) {
      ctx.logger.error({ connection: name, error: errorMessage(err) }, 'root password rotated in the database but could not be stored');
      throw new InternalError('failed to store the rotated root credentials; the database now has a password Coffer could not save');
    }
    // Pooled connections were opened with the old password: start over with the new one.
    try {
      const opened = await ctx.connections.open(updated, false);
      ctx.connections.install(name, opened.plugin, updated);
    } catch (err) {
      ctx.connections.remove(name);
      ctx.logger.warn({ connection: name, error: errorMessage(err) }, 'unable to re-initialise the connection after rotating its root password; it will be retried on next use');
    }
  });
  return null;
}

export function pathRotateRoot(ctx: DatabaseContext): PathSpec<typeof nameOnly> {
  return definePath({
    pattern: `rotate-root/(?<name>${NAME_PATTERN})`,
    fields: nameOnly,
    operations: { update: (req, fields) => rotateRoot(ctx, req, fields.name) },
    synopsis: 'Request to rotate the root credentials for a certain database connection.',
    description: 'This path attempts to rotate the root credentials for the given database. The new password is never returned.',
  });
}
