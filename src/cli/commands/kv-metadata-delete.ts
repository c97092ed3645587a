import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKvV2 } from '../kv-shared.js';
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
    const loc = await resolveKvV2(ctx, 'Metadata');
    if (typeof loc === 'number') return loc;
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
