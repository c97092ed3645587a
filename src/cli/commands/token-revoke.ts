import { defineCommand, fail } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { ACCESSOR_FLAG } from '../token-shared.js';

export const command = defineCommand({
  path: ['token', 'revoke'],
  synopsis: 'Revoke a token and its children',
  flags: [
    ACCESSOR_FLAG,
    { name: 'self', kind: 'bool', usage: 'Perform the revocation on the currently authenticated token.' },
    {
      name: 'mode',
      kind: 'string',
      example: 'string',
      usage: 'Type of revocation to perform. If unspecified, the server will revoke the token and all of the token\'s children. If "orphan", the server will revoke only the token, leaving the children as orphans. If "path", tokens created from the given authentication path prefix are deleted along with their children.',
    },
  ],
  help: `
Usage: coffer token revoke [options] [TOKEN | ACCESSOR]

  Revokes authentication tokens and their children. If a TOKEN is not provided,
  the locally authenticated token is used. The "-mode" flag can be used to
  control the behavior of the revocation. See the "-mode" flag documentation
  for more information.

  Revoke a token and all the token's children:

      $ coffer token revoke 96ddf4bc-d217-f3ba-f9bd-017055595017

  Revoke a token leaving the token's children:

      $ coffer token revoke -mode=orphan 96ddf4bc-d217-f3ba-f9bd-017055595017

  Revoke a token by accessor:

      $ coffer token revoke -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da

  Revoke the locally authenticated token:

      $ coffer token revoke -self`,

  async run(ctx) {
    const { flags, args } = ctx;
    const accessor = flags.bool('accessor');
    const self = flags.bool('self');
    const mode = flags.string('mode');
    if (mode !== '' && mode !== 'orphan' && mode !== 'path') throw new UsageError(`Invalid mode: ${mode}`);
    if (self && args.length > 0) throw new UsageError(`Too many arguments with -self (expected 0, got ${args.length})`);
    if (!self && args.length > 1) throw new UsageError(`Too many arguments (expected 1 or -self, got ${args.length})`);
    if (!self && args.length < 1) throw new UsageError(`Not enough arguments (expected 1 or -self, got ${args.length})`);
    if (self && accessor) throw new UsageError('Cannot use -self with -accessor!');
    if (self && mode !== '') throw new UsageError('Cannot use -self with -mode!');
    if (accessor && mode !== '') throw new UsageError(`Cannot use -accessor with -mode=${mode}!`);
    const token = (args[0] ?? '').trim();

    try {
      const client = ctx.client();
      const tokens = client.auth.token;
      if (self) await tokens.revokeSelf();
      else if (accessor) await tokens.revokeAccessor(token);
      else if (mode === 'orphan') await tokens.revokeOrphan(token);
      else if (mode === 'path') await client.sys.revokePrefix(token);
      else await tokens.revoke(token);
    } catch (err) {
      return fail(ctx, 'Error revoking token', err);
    }
    ctx.ui.out('Success! Revoked token (if it existed)');
    return ExitCode.Ok;
  },
});
