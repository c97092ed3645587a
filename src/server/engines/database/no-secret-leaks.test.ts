import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../shared/errors.js';
import { getJson } from '../../sdk/index.js';
import type { ConnectionConfig } from './store.js';
import { ROOT_PASSWORD, configureConnection, createDatabaseTestBackend, errorOf } from './testing.js';

describe('passwords never leave through reads or errors', () => {
  it('only creds/ and static-creds/ carry a password', async () => {
    let n = 0;
    const issued: string[] = [];
    const system = {
      generatePasswordFromPolicy: async () => {
        const pw = `Generated-Password-${++n}-xyz`;
        issued.push(pw);
        return pw;
      },
    };
    const tb = await createDatabaseTestBackend({ system });
    await configureConnection(tb, 'my-postgres', { password_policy: 'p' });
    tb.server.addUser('app', 'initial-app-password');
    await tb.request('write', 'roles/readonly', { db_name: 'my-postgres', creation_statements: 'CREATE ROLE "{{name}}"' });
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: '1h' });
    await tb.request('read', 'creds/readonly');
    await tb.request('write', 'rotate-root/my-postgres');
    await tb.request('write', 'rotate-role/app');

    const secrets = [ROOT_PASSWORD, 'initial-app-password', ...issued];
    expect(issued.length).toBeGreaterThanOrEqual(4);
    const reads = await Promise.all([
      tb.request('read', 'config/my-postgres'),
      tb.request('list', 'config/'),
      tb.request('read', 'roles/readonly'),
      tb.request('list', 'roles/'),
      tb.request('read', 'static-roles/app'),
      tb.request('list', 'static-roles/'),
    ]);
    const text = JSON.stringify(reads);
    for (const secret of secrets) expect(text).not.toContain(secret);

    // A careless driver echoing the connection's password and the password being set.
    const rootNow = (await getJson<ConnectionConfig>(tb.storage, 'config/my-postgres'))?.connection_details['password'] as string;
    expect(issued).toContain(rootNow);
    const base = n;
    const next = (k: number): string => `Generated-Password-${base + k}-xyz`;
    tb.server.failNext('newUser', new InternalError(`driver says: ${rootNow} ${next(1)}`));
    const credsErr = await errorOf(tb.request('read', 'creds/readonly'));
    tb.server.failNext('updateUser', new InternalError(`driver says: ${rootNow} ${next(2)}`));
    const rotateErr = await errorOf(tb.request('write', 'rotate-role/app'));
    tb.server.failNext('updateUser', new InternalError(`driver says: ${rootNow} ${next(3)}`));
    const rootErr = await errorOf(tb.request('write', 'rotate-root/my-postgres'));
    tb.server.failNext('initialize', new InternalError(`driver says: ${rootNow}`));
    const resetErr = await errorOf(tb.request('write', 'reset/my-postgres'));
    for (const err of [credsErr, rotateErr, rootErr, resetErr]) {
      expect(err.message).toMatch(/driver says: \[redacted\]/);
      expect(err.message).not.toMatch(/Generated-Password/);
    }
    // Each echoed password was indeed the one being set.
    expect(issued.slice(-3)).toEqual([next(1), next(2), next(3)]);
    expect(JSON.stringify(tb.logger.entries)).not.toMatch(/Generated-Password|initial-app-password|root-Secret/);
  });
});
