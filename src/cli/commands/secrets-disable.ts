import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['secrets', 'disable'],
  synopsis: 'Disable a secrets engine',
  help: `
Usage: coffer secrets disable [options] PATH

  Disables a secrets engine at the given PATH. The argument corresponds to
  the enabled PATH of the engine, not the TYPE! All secrets created by this
  engine are revoked and its data is removed.

  Disable the secrets engine enabled at aws/:

      $ coffer secrets disable aws/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const path = `${sanitizePath(ctx.args[0] ?? '')}/`;
    try {
      await ctx.client().sys.unmount(path);
    } catch (err) {
      return fail(ctx, `Error disabling secrets engine at ${path}`, err);
    }
    ctx.ui.out(`Success! Disabled the secrets engine (if it existed) at: ${path}`);
    return ExitCode.Ok;
  },
});
