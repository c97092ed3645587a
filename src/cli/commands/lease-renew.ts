import { defineCommand, expectArgs, fail } from '../command.js';
import { UsageError } from '../exit.js';
import { outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['lease', 'renew'],
  synopsis: 'Renews the lease of a secret',
  sets: { format: true },
  flags: [
    {
      name: 'increment',
      kind: 'duration',
      usage: 'Request a specific increment in seconds. The server may not honor it (for instance past the maximum TTL). This is specified as a numeric string with suffix like "30s" or "5m".',
    },
  ],
  help: `
Usage: coffer lease renew [options] ID

  Renews the lease on a secret, extending the time that it can be used before
  it is revoked by the server.

  Every secret read from a secrets engine with leases (database/creds/…) comes
  with a lease ID; renewal is capped by the secret's maximum TTL.

  Renew a lease:

      $ coffer lease renew database/creds/readonly/2f6a614c4aa2

  Renew a lease asking for one more hour:

      $ coffer lease renew -increment=1h database/creds/readonly/2f6a614c4aa2`,

  async run(ctx) {
    expectArgs(ctx, 1, 1);
    const leaseId = (ctx.args[0] ?? '').trim();
    const increment = ctx.flags.duration('increment');
    if (increment < 0) throw new UsageError('invalid value for flag -increment: must not be negative');
    let secret;
    try {
      secret = await ctx.client().write('sys/leases/renew', { lease_id: leaseId, increment });
    } catch (err) {
      return fail(ctx, `Error renewing ${leaseId}`, err);
    }
    if (secret === null) return fail(ctx, `Error renewing ${leaseId}`, new Error('the server answered without the renewed lease'));
    return outputSecret(ctx.ui, ctx.format, secret);
  },
});
