import { describe, expect, it } from 'vitest';
import { InternalError, UserError } from '../../../shared/errors.js';
import type { SecretKind } from '../../sdk/index.js';
import type { DeleteUserRequest, UpdateUserRequest } from './plugins/types.js';
import { configureConnection, createDatabaseTestBackend, errorOf, leaseRequestFor } from './testing.js';

async function setup() {
  const tb = await createDatabaseTestBackend();
  await configureConnection(tb);
  await tb.request('write', 'roles/readonly', {
    db_name: 'my-postgres',
    creation_statements: 'CREATE ROLE "{{name}}"',
    revocation_statements: 'DROP ROLE "{{name}}"',
    renew_statements: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'`,
    default_ttl: '1h',
    max_ttl: '2h',
  });
  const creds = await tb.request('read', 'creds/readonly');
  const kind = tb.backend.spec.secrets?.find((s) => s.type === 'creds') as SecretKind;
  return { tb, creds, kind, username: creds?.data?.['username'] as string, issuedAt: tb.clock.t };
}

describe('the creds secret kind', () => {
  it('renews with the role default and moves the expiry with the renew statements', async () => {
    const { tb, creds, kind, username, issuedAt } = await setup();
    await tb.clock.advance(600_000);
    expect(await kind.renew?.(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }))).toEqual({ ttl: 3600 });
    const update = tb.server.callsOf('updateUser').at(-1)?.request as UpdateUserRequest;
    expect(update).toEqual({
      username,
      expiration: {
        newExpiration: new Date(tb.clock.t + 3600_000 + 5_000),
        statements: { commands: [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'`] },
      },
    });
    expect(tb.server.users.get(username)?.expiration?.getTime()).toBe(tb.clock.t + 3605_000);
  });

  it('uses the increment, limited by the role max counted from the issue time', async () => {
    const { tb, creds, kind, issuedAt } = await setup();
    await tb.clock.advance(60_000);
    expect(await kind.renew?.(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt, increment: 120 }))).toEqual({ ttl: 120 });
    await tb.clock.advance(6_000_000); // 6060 s after issue, max 7200 s
    const capped = await kind.renew?.(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt, increment: 3600 }));
    expect(capped?.ttl).toBe(1140);
    expect(capped?.warnings?.[0]).toMatch(/capped/);
    await tb.clock.advance(1_200_000);
    await expect(kind.renew?.(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }))).rejects.toThrow('past the max TTL, cannot renew');
  });

  it('refuses to renew when the role is gone, like Vault', async () => {
    const { tb, creds, kind, issuedAt } = await setup();
    await tb.request('delete', 'roles/readonly');
    const err = await errorOf(kind.renew?.(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt })) ?? Promise.resolve());
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('error during renew: could not find role with name "readonly"');
  });

  it("revokes with the role's current revocation statements", async () => {
    const { tb, creds, kind, username, issuedAt } = await setup();
    await tb.request('write', 'roles/readonly', { revocation_statements: ['REVOKE ALL FROM "{{name}}"', 'DROP ROLE "{{name}}"'] });
    await kind.revoke(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }));
    expect(tb.server.callsOf('deleteUser').at(-1)?.request as DeleteUserRequest).toEqual({
      username,
      statements: { commands: ['REVOKE ALL FROM "{{name}}"', 'DROP ROLE "{{name}}"'] },
    });
    expect(tb.server.users.has(username)).toBe(false);
  });

  it('revokes with the statements recorded at issue when the role is gone', async () => {
    const { tb, creds, kind, username, issuedAt } = await setup();
    await tb.request('delete', 'roles/readonly');
    await kind.revoke(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }));
    expect(tb.server.callsOf('deleteUser').at(-1)?.request).toEqual({ username, statements: { commands: ['DROP ROLE "{{name}}"'] } });
  });

  it('throws when revocation fails (the lease manager retries)', async () => {
    const { tb, creds, kind, username, issuedAt } = await setup();
    tb.server.failNext('deleteUser', new InternalError('role "x" cannot be dropped because some objects depend on it'));
    await expect(kind.revoke(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }))).rejects.toThrow(/some objects depend on it/);
    expect(tb.server.users.has(username)).toBe(true);
    await kind.revoke(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }));
    expect(tb.server.users.has(username)).toBe(false);
    await tb.request('delete', 'roles/readonly');
    await tb.request('delete', 'config/my-postgres');
    await expect(kind.revoke(leaseRequestFor(tb, creds, { issueTimeMs: issuedAt }))).rejects.toThrow(
      'failed to find entry for connection with name: "my-postgres"',
    );
  });

  it('rejects lease data without a username', async () => {
    const { tb, creds, kind } = await setup();
    const req = { ...leaseRequestFor(tb, creds), internalData: { role: 'readonly' } };
    await expect(kind.revoke(req)).rejects.toThrow('secret is missing "username" field in internal data');
  });
});
