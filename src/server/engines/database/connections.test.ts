import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { putJson } from '../../sdk/index.js';
import { InmemStorage } from '../../sdk/testing.js';
import { ConnectionManager } from './connections.js';
import { silentDatabaseLogger } from './context.js';
import type { ConnectionConfig } from './store.js';
import { FAKE_PLUGIN_NAME, FakeDatabaseServer, PG_URL } from './testing.js';

const CONFIG: ConnectionConfig = {
  plugin_name: FAKE_PLUGIN_NAME,
  plugin_version: '',
  connection_details: { connection_url: PG_URL },
  allowed_roles: ['*'],
  root_credentials_rotate_statements: [],
  password_policy: '',
  verify_connection: true,
};

async function setup() {
  const storage = new InmemStorage();
  await putJson(storage, 'config/db', CONFIG);
  const server = new FakeDatabaseServer();
  const manager = new ConnectionManager(storage, { [FAKE_PLUGIN_NAME]: server.factory }, silentDatabaseLogger);
  return { storage, server, manager };
}

describe('ConnectionManager', () => {
  it('creates one instance for concurrent first uses', async () => {
    const { server, manager } = await setup();
    const seen = await Promise.all([1, 2, 3].map(() => manager.use('db', async (p) => p)));
    expect(new Set(seen).size).toBe(1);
    expect(server.callsOf('initialize')).toHaveLength(1);
  });

  it('closes a replaced instance only after the calls using it finish', async () => {
    const { server, manager } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const inFlight = manager.use('db', async (p) => {
      started();
      await gate;
      return p;
    });
    await running;
    const old = server.instances[0];
    const { plugin } = await manager.open(CONFIG, false);
    manager.install('db', plugin, CONFIG);
    expect(old?.closed).toBe(false);
    release();
    expect(await inFlight).toBe(old);
    await Promise.resolve();
    expect(old?.closed).toBe(true);
    expect(await manager.use('db', async (p) => p)).toBe(plugin);
  });

  it('a missing config or plugin is a 400 naming it', async () => {
    const { manager, storage } = await setup();
    await expect(manager.use('nope', async () => 1)).rejects.toThrow('failed to find entry for connection with name: "nope"');
    await putJson(storage, 'config/other', { ...CONFIG, plugin_name: 'gone-plugin' });
    const err = await manager.use('other', async () => 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/unknown database plugin "gone-plugin"/);
  });

  it('a failed lazy initialisation is not cached', async () => {
    const { server, manager } = await setup();
    server.failNext('initialize');
    await expect(manager.use('db', async () => 1)).rejects.toThrow('error creating database object: fake initialize failure');
    expect(manager.has('db')).toBe(false);
    await expect(manager.use('db', async () => 2)).resolves.toBe(2);
  });
});
