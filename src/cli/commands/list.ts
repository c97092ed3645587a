import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { outputData, outputList, outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['list'],
  synopsis: 'List data or secrets',
  sets: { format: true, detailed: true },
  help: `
Usage: coffer list [options] PATH

  Lists data from the server at the given path. This can be used to list keys
  in a given secrets engine.

  List values under the "my-app" folder of the generic secrets engine:

      $ coffer list secret/my-app/

  Some paths may support returning additional information about items; use
  the -detailed flag to see this info. Not all engines support listing.`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format } = ctx;
    const path = sanitizePath(ctx.args[0] ?? '');
    let secret;
    try {
      secret = await ctx.client().list(path);
    } catch (err) {
      return fail(ctx, `Error listing ${path}`, err);
    }
    if (secret !== null && secret.wrap_info !== null && secret.wrap_info.ttl !== 0) return outputSecret(ui, format, secret);

    const hasKeys = Array.isArray(secret?.data?.['keys']);
    if (format !== 'table' && (secret === null || secret.data === null || !hasKeys)) {
      outputData(ui, format, {});
      return ExitCode.NotFound;
    }
    if (secret === null) {
      ui.err(`No value found at ${path}`);
      return ExitCode.NotFound;
    }
    // No data but a response: there are warnings (or other fields) worth showing.
    if (secret.data === null) return outputSecret(ui, format, secret);
    if (!hasKeys) {
      ui.err(`No entries found at ${path}`);
      return ExitCode.NotFound;
    }
    return outputList(ui, format, secret, ctx.flags.bool('detailed'));
  },
});
