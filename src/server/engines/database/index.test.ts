import { describe, expect, it } from 'vitest';
import { createTestBackend } from '../../sdk/testing.js';
import { databaseFactory } from './index.js';

describe('databaseFactory', () => {
  it('serves the built-in plugins', async () => {
    const tb = await createTestBackend(databaseFactory, { type: 'database', path: 'database/' });
    await expect(tb.request('write', 'config/x', { plugin_name: 'oracle', connection_url: 'u' })).rejects.toThrow(
      /unknown database plugin "oracle" \(available: .*mysql-database-plugin.*postgresql-database-plugin/,
    );
    // Without verify_connection nothing is contacted: the PostgreSQL plugin only parses the settings.
    await tb.request('write', 'config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres',
      username: 'postgres',
      password: 'pg-root-password',
      verify_connection: false,
    });
    const read = await tb.request('read', 'config/pg');
    expect(read?.data).toMatchObject({ plugin_name: 'postgresql-database-plugin', connection_details: { username: 'postgres' } });
    expect(JSON.stringify(read)).not.toContain('pg-root-password');
    await tb.backend.spec.cleanup?.();
  });
});
