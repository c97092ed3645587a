import { describe, expect, it } from 'vitest';
import {
  builtinDatabasePlugins,
  MYSQL_DEFAULT_USERNAME_TEMPLATE,
  MYSQL_LEGACY_USERNAME_TEMPLATE,
  POSTGRESQL_DEFAULT_USERNAME_TEMPLATE,
} from './index.js';

describe('builtinDatabasePlugins', () => {
  it("registers Vault's plugin names with their types and default username templates", () => {
    const described = Object.fromEntries(
      Object.entries(builtinDatabasePlugins).map(([name, factory]) => {
        const plugin = factory();
        return [name, [plugin.type, plugin.defaultUsernameTemplate]];
      }),
    );
    expect(described).toEqual({
      'postgresql-database-plugin': ['postgres', POSTGRESQL_DEFAULT_USERNAME_TEMPLATE],
      'mysql-database-plugin': ['mysql', MYSQL_DEFAULT_USERNAME_TEMPLATE],
      'mysql-aurora-database-plugin': ['mysql', MYSQL_LEGACY_USERNAME_TEMPLATE],
      'mysql-rds-database-plugin': ['mysql', MYSQL_LEGACY_USERNAME_TEMPLATE],
      'mysql-legacy-database-plugin': ['mysql', MYSQL_LEGACY_USERNAME_TEMPLATE],
    });
    expect(MYSQL_LEGACY_USERNAME_TEMPLATE).toContain('truncate 16');
    expect(POSTGRESQL_DEFAULT_USERNAME_TEMPLATE).toContain('truncate 63');
  });

  it('makes a fresh instance per call', () => {
    const factory = builtinDatabasePlugins['postgresql-database-plugin'];
    expect(factory).toBeDefined();
    expect(factory?.()).not.toBe(factory?.());
  });

  it('refuses operations before initialize and bad settings before connecting', async () => {
    for (const factory of Object.values(builtinDatabasePlugins)) {
      const plugin = factory();
      await expect(plugin.deleteUser({ username: 'x', statements: { commands: [] } })).rejects.toThrow(/not been initialized/);
      await expect(plugin.initialize({ config: {}, verifyConnection: false })).rejects.toThrow(/connection_url cannot be empty/);
      await plugin.close();
    }
    const pg = builtinDatabasePlugins['postgresql-database-plugin']?.();
    await expect(
      pg?.initialize({ config: { connection_url: 'postgres://h/d', password_authentication: 'md5' }, verifyConnection: false }),
    ).rejects.toThrow("'md5' is not a valid password authentication type");
  });
});
