/**
 * The `creds` secret kind: renewing moves the database user's expiry (renew statements),
 * revoking drops the user (revocation statements). Both throw on failure so the lease
 * manager retries (and, for revocation, eventually marks the lease irrevocable).
 */
import { InternalError, UserError } from '../../../shared/errors.js';
import type { LeaseRequest, SecretKind } from '../../sdk/index.js';
import type { DatabaseContext } from './context.js';
import { pluginFailure } from './redact.js';
import { getRole } from './store.js';
import { calculateTtl } from './ttl.js';

export const CREDS_SECRET_TYPE = 'creds';
/** Vault gives the database user 5 s more than the lease, so the lease always ends first. */
export const EXPIRATION_SLACK_MS = 5_000;

function internalString(req: LeaseRequest, key: string): string {
  const value = req.internalData[key];
  if (typeof value !== 'string' || value === '') throw new InternalError(`secret is missing ${JSON.stringify(key)} field in internal data`);
  return value;
}

export function credsSecret(ctx: DatabaseContext): SecretKind {
  return {
    type: CREDS_SECRET_TYPE,

    async renew(req) {
      const username = internalString(req, 'username');
      const roleName = internalString(req, 'role');
      const role = await getRole(req.storage, roleName);
      if (role === null) throw new UserError(`error during renew: could not find role with name ${JSON.stringify(roleName)}`);
      const nowMs = ctx.now();
      const { ttl, warnings } = calculateTtl({
        increment: req.increment,
        roleTtl: role.default_ttl,
        roleMaxTtl: role.max_ttl,
        mountDefaultTtl: req.mount.defaultLeaseTtl(),
        mountMaxTtl: req.mount.maxLeaseTtl(),
        nowMs,
        startMs: req.issueTimeMs,
      });
      try {
        await ctx.connections.use(role.db_name, (plugin) =>
          plugin.updateUser({
            username,
            expiration: { newExpiration: new Date(nowMs + ttl * 1000 + EXPIRATION_SLACK_MS), statements: { commands: role.renew_statements } },
          }),
        );
      } catch (err) {
        throw pluginFailure(err, '', []);
      }
      return warnings.length > 0 ? { ttl, warnings } : { ttl };
    },

    async revoke(req) {
      const username = internalString(req, 'username');
      const roleName = internalString(req, 'role');
      const role = await getRole(req.storage, roleName);
      let dbName: string;
      let statements: string[];
      if (role !== null) {
        dbName = role.db_name;
        statements = role.revocation_statements;
      } else {
        // The role is gone: use what was recorded when the credentials were issued.
        const embedded = req.internalData['db_name'];
        if (typeof embedded !== 'string' || embedded === '') {
          throw new InternalError(`error during revoke: could not find role with name ${JSON.stringify(roleName)} or embedded revocation db name data`);
        }
        dbName = embedded;
        const raw = req.internalData['revocation_statements'];
        statements = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
      }
      try {
        await ctx.connections.use(dbName, (plugin) => plugin.deleteUser({ username, statements: { commands: statements } }));
      } catch (err) {
        throw pluginFailure(err, '', []);
      }
    },
  };
}
