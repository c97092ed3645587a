import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKv } from '../kv-shared.js';
import { outputData, outputList, outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'list'],
  synopsis: 'List data or secrets',
  sets: { format: true },
  flags: [MOUNT_FLAG],
  help: `
Usage: coffer kv list [options] PATH

  Lists data from the key-value store at the given path.

  List values under the "my-app" folder of the key-value store:

      $ coffer kv list secret/my-app/

      $ coffer kv list -mount=secret my-app/`,

  async run(ctx) {
    const { ui, format } = ctx;
    const mountGiven = ctx.flags.string('mount') !== '';
    if (!(ctx.args.length === 0 && mountGiven)) expectArgs(ctx, 1);
    let loc;
    try {
      loc = await resolveKv(ctx, ctx.args[0] ?? '');
    } catch (err) {
      return fail(ctx, '', err);
    }
    const path = kvPath(loc, 'metadata');
    let secret;
    try {
      secret = (await ctx.client().kv.list(loc)).secret;
    } catch (err) {
      return fail(ctx, `Error listing ${path}`, err);
    }
    if (secret !== null && secret.wrap_info !== null && secret.wrap_info.ttl !== 0) return outputSecret(ui, format, secret);

    const keys = secret?.data?.['keys'];
    const hasKeys = Array.isArray(keys);
    if (format !== 'table' && (secret === null || secret.data === null || !hasKeys)) {
      outputData(ui, format, {});
      return ExitCode.NotFound;
    }
    if (secret === null || secret.data === null) {
      ui.err(`No value found at ${path}`);
      return ExitCode.NotFound;
    }
    if (!hasKeys) {
      ui.err(`No entries found at ${path}`);
      return ExitCode.NotFound;
    }
    return outputList(ui, format, secret);
  },
});
