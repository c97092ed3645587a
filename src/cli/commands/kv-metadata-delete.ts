import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKv } from '../kv-shared.js';
import { outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'metadata', 'delete'],
  synopsis: 'Deletes all versions and metadata for a key in the KV store',
  sets: { format: true },
  flags: [MOUNT_FLAG],
  help: `
Usage: coffer kv metadata delete [options] PATH

  Deletes all versions and metadata for the provided key.

      $ coffer kv metadata delete -mount=secret foo`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format } = ctx;
    let loc;
    try {
      loc = await resolveKv(ctx, ctx.args[0] ?? '');
    } catch (err) {
      return fail(ctx, '', err);
    }
    if (loc.version !== 2) {
      ui.err('Metadata not supported on KV Version 1');
      return ExitCode.LocalError;
    }
    const path = kvPath(loc, 'metadata');
    let secret;
    try {
      secret = (await ctx.client().kv.metadataDelete(loc)).secret;
    } catch (err) {
      return fail(ctx, `Error deleting ${path}`, err);
    }
    if (secret === null) {
      if (format === 'table') ui.out(`Success! Data deleted (if it existed) at: ${path}`);
      return ExitCode.Ok;
    }
    return outputSecret(ui, format, secret);
  },
});
