import { describe, expect, it } from 'vitest';
import { noPolicySystem } from '../../sdk/testing.js';
import { configureConnection, createDatabaseTestBackend } from './testing.js';

describe('static-role rotation events', () => {
  it('sends database/rotate after a rotation and database/rotate-fail when it failed, never the password', async () => {
    const sent: { type: string; metadata: Readonly<Record<string, string>> }[] = [];
    const tb = await createDatabaseTestBackend({
      system: { ...noPolicySystem, sendEvent: (type, metadata) => sent.push({ type, metadata }) },
    });
    await configureConnection(tb);
    tb.server.addUser('app', 'initial-password');
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: '1h' });
    sent.length = 0;

    await tb.request('write', 'rotate-role/app');
    await tb.clock.advance(3600_000);
    tb.server.failNext('updateUser');
    await expect(tb.request('write', 'rotate-role/app')).rejects.toThrow();

    expect(sent).toEqual([
      {
        type: 'database/rotate',
        metadata: { modified: 'true', operation: 'rotate', path: 'rotate-role/app', name: 'app', data_path: 'static-creds/app' },
      },
      {
        type: 'database/rotate',
        metadata: { modified: 'true', operation: 'rotate', path: 'static-roles/app', name: 'app', data_path: 'static-creds/app' },
      },
      { type: 'database/rotate-fail', metadata: { modified: 'false', operation: 'rotate-fail', path: 'rotate-role/app', name: 'app' } },
    ]);
    const password = tb.server.users.get('app')?.password ?? '';
    expect(password).not.toBe('');
    expect(JSON.stringify(sent)).not.toContain(password);
  });
});
