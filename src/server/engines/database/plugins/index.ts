/**
 * The built-in database plugins, by Vault `plugin_name`. The MySQL variants differ only in
 * their default username template (Aurora, RDS and legacy MySQL allow 16-character names).
 */
import { createMysqlPlugin, MYSQL_DEFAULT_USERNAME_TEMPLATE, MYSQL_LEGACY_USERNAME_TEMPLATE } from './mysql.js';
import { createPostgresqlPlugin } from './postgresql.js';
import type { DatabasePluginFactory } from './types.js';

export type * from './types.js';
export { createPostgresqlPlugin, POSTGRESQL_DEFAULT_USERNAME_TEMPLATE } from './postgresql.js';
export { createMysqlPlugin, MYSQL_DEFAULT_USERNAME_TEMPLATE, MYSQL_LEGACY_USERNAME_TEMPLATE } from './mysql.js';

export const builtinDatabasePlugins: Readonly<Record<string, DatabasePluginFactory>> = Object.freeze({
  'postgresql-database-plugin': createPostgresqlPlugin,
  'mysql-database-plugin': () => createMysqlPlugin(MYSQL_DEFAULT_USERNAME_TEMPLATE),
  'mysql-aurora-database-plugin': () => createMysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
  'mysql-rds-database-plugin': () => createMysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
  'mysql-legacy-database-plugin': () => createMysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
});
