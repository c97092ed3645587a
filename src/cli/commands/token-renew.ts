import { defineCommand, fail } from '../command.js';
import { UsageError } from '../exit.js';
import { outputSecret } from '../output/index.js';
import { ACCESSOR_FLAG } from '../token-shared.js';

export const command = defineCommand({
  path: ['token', 'renew'],
  synopsis: 'Renew a token lease',
  sets: { format: true },
  flags: [
    { ...ACCESSOR_FLAG, usage: `${ACCESSOR_FLAG.usage} When this option is selected, the output will NOT include the token.` },
    {
      name: 'increment',
      kind: 'duration',
      aliases: ['i'],
      usage: 'Request a specific increment for renewal. This increment may not be honored, for instance in the case of periodic tokens. If not supplied, the server will use the default TTL. This is specified as a numeric string with suffix like "30s" or "5m".',
    },
  ],
  help: `
Usage: coffer token renew [options] [TOKEN]

  Renews a token's lease, extending the amount of time it can be used. If a
  TOKEN is not provided, the locally authenticated token is used. A token
  accessor can be used as well. Lease renewal will fail if the token is not
  renewable, the token has already been revoked, or if the token has already
  reached its maximum TTL.

  Renew a token (this uses the /auth/token/renew endpoint and permission):

      $ coffer token renew 96ddf4bc-d217-f3ba-f9bd-017055595017

  Renew the currently authenticated token (this uses the /auth/token/renew-self
  endpoint and permission):

      $ coffer token renew

  Renew a token requesting a specific increment value:

      $ coffer token renew -increment=30m 96ddf4bc-d217-f3ba-f9bd-017055595017

  Renew a token by its accessor:

      $ coffer token renew -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da`,

  async run(ctx) {
    const { ui, format, flags, args } = ctx;
    const accessor = flags.bool('accessor');
    if (args.length > 1) throw new UsageError(`Too many arguments (expected 1, got ${args.length})`);
    // Stricter than Vault, which renews its own token when -accessor is given without one.
    if (accessor && args.length < 1) throw new UsageError(`Not enough arguments with -accessor (expected 1, got ${args.length})`);
    const token = (args[0] ?? '').trim();
    const increment = flags.duration('increment');
    if (increment < 0) throw new UsageError('invalid value for flag -increment: must not be negative');
    const inc = increment > 0 ? increment : undefined;

    let secret;
    try {
      const tokens = ctx.client().auth.token;
      if (token === '') secret = await tokens.renewSelf(inc);
      else if (accessor) secret = await tokens.renewAccessor(token, inc);
      else secret = await tokens.renew(token, inc);
    } catch (err) {
      return fail(ctx, 'Error renewing token', err);
    }
    return outputSecret(ui, format, secret);
  },
});
