/** `creds/:name`: new credentials for a dynamic role, under a lease. */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { roleAllowed } from './allowed-roles.js';
import type { DatabaseContext } from './context.js';
import { generatePassword, passwordPolicyFor, renderUsername, usernameTemplateOf } from './credentials.js';
import { pluginFailure } from './redact.js';
import { ROLE_NAME_PATTERN } from './role-fields.js';
import { CREDS_SECRET_TYPE, EXPIRATION_SLACK_MS } from './secret-creds.js';
import { getRole, requireConfig } from './store.js';
import { calculateTtl } from './ttl.js';

const credsFields = { name: f.string({ description: 'Name of the role.', required: true }) };

async function issueCreds(ctx: DatabaseContext, req: LogicalRequest, name: string): Promise<LogicalResponse> {
  const role = await getRole(req.storage, name);
  if (role === null) throw new UserError(`unknown role: ${name}`);
  const config = await requireConfig(req.storage, role.db_name);
  if (!roleAllowed(config.allowed_roles, name)) throw new UserError(`${JSON.stringify(name)} is not an allowed role`);
  if (role.credential_type !== 'password') throw new UserError(`unsupported credential_type: ${JSON.stringify(role.credential_type)}`);

  const nowMs = ctx.now();
  const { ttl, maxTtl } = calculateTtl({
    increment: 0,
    roleTtl: role.default_ttl,
    roleMaxTtl: role.max_ttl,
    mountDefaultTtl: req.mount.defaultLeaseTtl(),
    mountMaxTtl: req.mount.maxLeaseTtl(),
    nowMs,
  });
  const password = await generatePassword(ctx.system, passwordPolicyFor(role.credential_config, config));
  const username = await ctx.connections.use(role.db_name, async (plugin) => {
    const rendered = renderUsername(usernameTemplateOf(config, plugin.defaultUsernameTemplate), {
      DisplayName: req.displayName ?? 'token',
      RoleName: name,
    });
    try {
      await plugin.newUser({
        username: rendered,
        password,
        expiration: new Date(nowMs + ttl * 1000 + EXPIRATION_SLACK_MS),
        statements: { commands: role.creation_statements },
        rollbackStatements: { commands: role.rollback_statements },
      });
    } catch (err) {
      throw pluginFailure(err, '', [password]);
    }
    return rendered;
  });
  return {
    data: { username, password },
    secret: {
      kind: CREDS_SECRET_TYPE,
      ttl,
      maxTtl,
      renewable: true,
      internalData: { username, role: name, db_name: role.db_name, revocation_statements: role.revocation_statements },
    },
  };
}

export function pathCreds(ctx: DatabaseContext): PathSpec<typeof credsFields> {
  return definePath({
    pattern: `creds/(?<name>${ROLE_NAME_PATTERN})`,
    fields: credsFields,
    operations: { read: (req, fields) => issueCreds(ctx, req, fields.name) },
    synopsis: 'Request database credentials for a certain role.',
    description:
      'This path reads database credentials for a certain role. The database credentials will be generated on demand and will be automatically revoked when the lease is up.',
  });
}
