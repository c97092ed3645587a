/** The `database` secrets engine. */
import type { BackendFactory } from '../../sdk/index.js';
import { createDatabaseFactory } from './factory.js';
import { builtinDatabasePlugins } from './plugins/index.js';

export { createDatabaseFactory, DATABASE_HELP, type DatabaseFactoryOptions } from './factory.js';
export type { DatabaseEngineLogger } from './context.js';
export { defaultRotationTick, type RotationTick } from './rotation.js';

/** The `database` backend factory with the built-in plugins. */
export const databaseFactory: BackendFactory = createDatabaseFactory({ plugins: builtinDatabasePlugins });
