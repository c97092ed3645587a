import { defineCommand, fail } from '../command.js';
import { UsageError } from '../exit.js';
import { outputSecret } from '../output/index.js';
import { ACCESSOR_FLAG } from '../token-shared.js';

export const command = defineCommand({
  path: ['token', 'lookup'],
  synopsis: 'Display information about a token',
  sets: { format: true },
  flags: [{ ...ACCESSOR_FLAG, usage: `${ACCESSOR_FLAG.usage} When this option is selected, the output will NOT include the token.` }],
  help: `
Usage: coffer token lookup [options] [TOKEN | ACCESSOR]

  Displays information about a token or accessor. If a TOKEN is not provided,
  the locally authenticated token is used.

  Get information about the locally authenticated token (this uses the
  /auth/token/lookup-self endpoint and permission):

      $ coffer token lookup

  Get information about a particular token (this uses the /auth/token/lookup
  endpoint and permission):

      $ coffer token lookup 96ddf4bc-d217-f3ba-f9bd-017055595017

  Get information about a token via its accessor:

      $ coffer token lookup -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da`,

  async run(ctx) {
    const { ui, format, flags, args } = ctx;
    const accessor = flags.bool('accessor');
    if (accessor && args.length < 1) throw new UsageError(`Not enough arguments with -accessor (expected 1, got ${args.length})`);
    if (accessor && args.length > 1) throw new UsageError(`Too many arguments with -accessor (expected 1, got ${args.length})`);
    if (args.length > 1) throw new UsageError(`Too many arguments (expected 0-1, got ${args.length})`);
    const token = (args[0] ?? '').trim();

    let secret;
    try {
      const tokens = ctx.client().auth.token;
      if (token === '') secret = await tokens.lookupSelf();
      else if (accessor) secret = await tokens.lookupAccessor(token);
      else secret = await tokens.lookup(token);
    } catch (err) {
      return fail(ctx, 'Error looking up token', err);
    }
    return outputSecret(ui, format, secret);
  },
});
