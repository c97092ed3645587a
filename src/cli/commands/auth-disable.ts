import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['auth', 'disable'],
  synopsis: 'Disables an auth method',
  help: `
Usage: coffer auth disable [options] PATH

  Disables an existing auth method at the given PATH. The argument corresponds
  to the PATH of the mount, not the TYPE!. Once the auth method is disabled its
  path can no longer be used to authenticate.

  All access tokens generated via the disabled auth method are immediately
  revoked. This command will block until all tokens are revoked.

  Disable the auth method at userpass/:

      $ coffer auth disable userpass/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const path = `${sanitizePath(ctx.args[0] ?? '')}/`;
    if (path === '/') {
      ctx.ui.err('Error disabling auth method: a path is required');
      return ExitCode.LocalError;
    }
    try {
      await ctx.client().sys.auth.disable(path);
    } catch (err) {
      return fail(ctx, `Error disabling auth method at ${path}`, err);
    }
    ctx.ui.out(`Success! Disabled the auth method (if it existed) at: ${path}`);
    return ExitCode.Ok;
  },
});
