import { sanitizePath, type AuthMount } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { LOGIN_HANDLERS, TOKEN_HELP } from '../login-methods.js';
import { wrapAtLength } from '../output/index.js';

function helpFor(type: string): string | undefined {
  if (type === 'token') return TOKEN_HELP.trim();
  return LOGIN_HANDLERS[type]?.help.trim();
}

export const command = defineCommand({
  path: ['auth', 'help'],
  synopsis: 'Prints usage for an auth method',
  help: `
Usage: coffer auth help [options] TYPE | PATH

  Prints usage and help for an auth method: the "K=V" parameters "coffer
  login -method=TYPE" takes.

    - If given a TYPE, this command prints the default help for the
      auth method of that type.

    - If given a PATH, this command prints the help output for the
      auth method enabled at that path. This path must already
      exist.

  Get usage instructions for the userpass auth method:

      $ coffer auth help userpass

  Print usage for the auth method enabled at my-method/:

      $ coffer auth help my-method/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const arg = ctx.args[0] ?? '';
    const byType = helpFor(arg.trim().toLowerCase());
    if (byType !== undefined) {
      ctx.ui.out(byType);
      return ExitCode.Ok;
    }
    // Not a type Coffer's CLI knows: maybe the path of an enabled method.
    let auths: Record<string, AuthMount>;
    try {
      auths = await ctx.client().sys.auth.list();
    } catch (err) {
      return fail(ctx, 'Error listing auth methods', err);
    }
    const authPath = `${sanitizePath(arg)}/`;
    const mount = auths[authPath];
    if (mount === undefined) {
      ctx.ui.err(`No auth method available on the server at "${authPath}"`);
      return ExitCode.LocalError;
    }
    const help = helpFor(mount.type);
    if (help === undefined) {
      ctx.ui.err(wrapAtLength(`No method-specific CLI handler available for auth method "${mount.type}"`));
      return ExitCode.RemoteError;
    }
    ctx.ui.out(help);
    return ExitCode.Ok;
  },
});
