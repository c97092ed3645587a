/** The secrets engines a server can mount, by type name. */
import type { Logger } from '../../shared/logger.js';
import type { BackendFactory } from '../sdk/index.js';
import { createDatabaseFactory, databaseFactory } from './database/index.js';
import { builtinDatabasePlugins } from './database/plugins/index.js';
import { kvFactory } from './kv/index.js';
import { pkiFactory } from './pki/index.js';
import { totpFactory } from './totp/index.js';
import { transitFactory } from './transit/index.js';

export const builtinSecretEngines = {
  database: databaseFactory,
  kv: kvFactory,
  pki: pkiFactory,
  totp: totpFactory,
  transit: transitFactory,
} satisfies Record<string, BackendFactory>;

/** The same engines, with the server's logger for those that work in the background (rotations). */
export function createSecretEngines(logger: Logger): Record<string, BackendFactory> {
  return {
    ...builtinSecretEngines,
    database: createDatabaseFactory({ plugins: builtinDatabasePlugins, logger: logger.child({ component: 'secrets/database' }) }),
  };
}
