/**
 * The database secrets engine (Vault's `database` backend): connections to databases
 * through plugins, dynamic roles issuing leased credentials, static roles whose passwords
 * are rotated on a period or a schedule, and root credential rotation.
 */
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import { defineBackend, type BackendFactory } from '../../sdk/index.js';
import { ConnectionManager } from './connections.js';
import { silentDatabaseLogger, type DatabaseContext, type DatabaseEngineLogger } from './context.js';
import { pathCreds } from './path-creds.js';
import { pathConfig, pathConfigList, pathReset, pathRotateRoot } from './path-config.js';
import { pathRoles, pathRolesList } from './path-roles.js';
import { pathRotateRole, pathStaticCreds, pathStaticRoles, pathStaticRolesList } from './path-static-roles.js';
import type { DatabasePluginFactory } from './plugins/types.js';
import { RotationScheduler, defaultRotationTick, loadStaticRoles, rotateDueRole, type RotationTick } from './rotation.js';
import { credsSecret } from './secret-creds.js';

export const DATABASE_HELP = `The database backend supports using many different databases
as secret backends, including but not limited to:
PostgreSQL and MySQL/MariaDB.

The database backend issues dynamic credentials for a role, under a lease that
is renewed and revoked like Vault's, and manages static database users whose
passwords it rotates on a period or a schedule.`;

export interface DatabaseFactoryOptions {
  /** Plugin factories by `plugin_name` (e.g. `postgresql-database-plugin`). */
  plugins: Readonly<Record<string, DatabasePluginFactory>>;
  /** Clock in epoch milliseconds (tests move it by hand). */
  now?: () => number;
  /** How the rotation scheduler arms its timer (default: an unref'd `setTimeout`). */
  rotationTick?: RotationTick;
  /** Where rotation failures and close errors are logged; never given a secret. */
  logger?: DatabaseEngineLogger;
}

/** A `database` backend factory over the given plugins; `databaseFactory` (index.ts) uses the built-in ones. */
export function createDatabaseFactory(options: DatabaseFactoryOptions): BackendFactory {
  const now = options.now ?? Date.now;
  const tick = options.rotationTick ?? defaultRotationTick;
  const logger = options.logger ?? silentDatabaseLogger;
  return ({ storage, mount, system }) => {
    const ctx: DatabaseContext = {
      storage,
      mount,
      system,
      plugins: options.plugins,
      now,
      logger,
      connections: new ConnectionManager(storage, options.plugins, logger),
      roleLocks: new KeyedMutex(),
      scheduler: new RotationScheduler(now, tick, (name) => rotateDueRole(ctx, name), logger),
    };
    return defineBackend({
      kind: 'logical',
      help: DATABASE_HELP,
      paths: [
        pathConfigList(),
        pathConfig(ctx),
        pathReset(ctx),
        pathRotateRoot(ctx),
        pathRolesList(),
        pathRoles(ctx),
        pathCreds(ctx),
        pathStaticRolesList(),
        pathStaticRoles(ctx),
        pathStaticCreds(ctx),
        pathRotateRole(ctx),
      ],
      secrets: [credsSecret(ctx)],
      async initialize() {
        await loadStaticRoles(ctx);
      },
      async cleanup() {
        await ctx.scheduler.stop();
        await ctx.connections.closeAll();
      },
    });
  };
}
