import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['lease', 'lookup'],
  synopsis: 'Lookup the lease of a secret',
  sets: { format: true },
  help: `
Usage: coffer lease lookup ID

  Looks up the lease of a secret: its issue and expiry times, its remaining
  TTL and whether it can be renewed.

      $ coffer lease lookup database/creds/readonly/2f6a614c4aa2`,

  async run(ctx) {
    expectArgs(ctx, 1, 1);
    const leaseId = (ctx.args[0] ?? '').trim();
    let secret;
    try {
      secret = await ctx.client().write('sys/leases/lookup', { lease_id: leaseId });
    } catch (err) {
      return fail(ctx, `Error looking up lease id ${leaseId}`, err);
    }
    if (secret === null) {
      ctx.ui.err(`No lease found with id ${leaseId}`);
      return ExitCode.NotFound;
    }
    return outputSecret(ctx.ui, ctx.format, secret);
  },
});
