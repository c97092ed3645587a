import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { parseDataArgs, toStringLists } from '../data-args.js';
import { ExitCode, messageFor } from '../exit.js';
import { outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['delete'],
  synopsis: 'Delete secrets and configuration',
  sets: { field: true, format: true },
  help: `
Usage: coffer delete [options] PATH [K=V...]

  Deletes secrets and configuration from the server at the given path. The
  behavior of "delete" is delegated to the backend corresponding to the given
  path. Extra K=V arguments are sent as query parameters.

  Remove data in the status secret backend:

      $ coffer delete secret/my-secret

  Uninstall an encryption key in the transit backend:

      $ coffer delete transit/keys/my-key`,

  async run(ctx) {
    expectArgs(ctx, 1, Infinity);
    const { ui, format } = ctx;
    const path = sanitizePath(ctx.args[0] ?? '');
    let query;
    try {
      const stdin = ctx.flags.bool('non-interactive') ? () => Promise.resolve('') : () => ctx.readStdin();
      query = toStringLists(await parseDataArgs(ctx.args.slice(1), { readStdin: stdin }));
    } catch (err) {
      ui.err(`Failed to parse string list data: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    let secret;
    try {
      secret = await ctx.client().delete(path, Object.keys(query).length > 0 ? query : undefined);
    } catch (err) {
      return fail(ctx, `Error deleting ${path}`, err);
    }
    if (secret === null) {
      if (format === 'table') ui.out(`Success! Data deleted (if it existed) at: ${path}`);
      return ExitCode.Ok;
    }
    const field = ctx.flags.string('field');
    if (field !== '') return printRawField(ui, format, secret, field);
    return outputSecret(ui, format, secret);
  },
});
