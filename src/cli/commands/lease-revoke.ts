import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';

const QUEUED = 'All revocation operations queued successfully!';

export const command = defineCommand({
  path: ['lease', 'revoke'],
  synopsis: 'Revokes leases and secrets',
  flags: [
    {
      name: 'force',
      kind: 'bool',
      aliases: ['f'],
      usage: 'Delete the lease from the server even if the secrets engine cannot revoke the secret (e.g. the database is gone). Requires -prefix. The secret may stay valid: use with care.',
    },
    {
      name: 'prefix',
      kind: 'bool',
      usage: 'Treat the ID as a prefix instead of an exact lease ID. This can revoke multiple leases simultaneously.',
    },
    {
      name: 'sync',
      kind: 'bool',
      usage: 'Make the operation synchronous instead of queuing the revocations to be done in the background.',
    },
  ],
  help: `
Usage: coffer lease revoke [options] ID

  Revokes secrets by their lease ID. This command can revoke a single secret
  or multiple secrets based on a path-matched prefix.

  Revoke a single lease:

      $ coffer lease revoke -sync database/creds/readonly/2f6a614c4aa2

  Revoke every lease of a role:

      $ coffer lease revoke -prefix database/creds/readonly

  Remove leases whose secrets can no longer be revoked (the database is gone):

      $ coffer lease revoke -force -prefix database/creds`,

  async run(ctx) {
    expectArgs(ctx, 1, 1);
    const { flags, ui } = ctx;
    const force = flags.bool('force');
    const prefix = flags.bool('prefix');
    const sync = flags.bool('sync');
    if (force && !prefix) throw new UsageError('Specifying -force requires also specifying -prefix');
    const id = (ctx.args[0] ?? '').trim();
    const client = ctx.client();
    try {
      if (force) {
        await client.write(`sys/leases/revoke-force/${sanitizePath(id)}`, {});
        ui.out(`Success! Force revoked any leases with prefix: ${id}`);
      } else if (prefix) {
        await client.write(`sys/leases/revoke-prefix/${sanitizePath(id)}`, { sync });
        ui.out(sync ? `Success! Revoked any leases with prefix: ${id}` : QUEUED);
      } else {
        await client.write('sys/leases/revoke', { lease_id: id, sync });
        ui.out(sync ? `Success! Revoked lease: ${id}` : QUEUED);
      }
    } catch (err) {
      return fail(ctx, force ? `Error force revoking leases with prefix ${id}` : prefix ? `Error revoking leases with prefix ${id}` : `Error revoking lease ${id}`, err);
    }
    return ExitCode.Ok;
  },
});
