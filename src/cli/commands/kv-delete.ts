import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, parseVersions, resolveKv, versionsFlag } from '../kv-shared.js';
import { outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'delete'],
  synopsis: 'Deletes versions in the KV store',
  sets: { field: true, format: true },
  flags: [versionsFlag('delete'), MOUNT_FLAG],
  help: `
Usage: coffer kv delete [options] PATH

  Deletes the data for the provided version and path in the key-value store.
  The versioned data will not be fully removed, but marked as deleted and will
  no longer be returned in normal get requests.

  To delete the latest version of the key "foo":

      $ coffer kv delete -mount=secret foo

  To delete version 3 of key foo:

      $ coffer kv delete -mount=secret -versions=3 foo

  To delete all versions and metadata, see the "coffer kv metadata" subcommand.`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format } = ctx;
    let loc;
    try {
      loc = await resolveKv(ctx, ctx.args[0] ?? '');
    } catch (err) {
      return fail(ctx, '', err);
    }
    const path = kvPath(loc, 'data');
    const versions = parseVersions(ctx.flags.list('versions'));
    let secret;
    try {
      secret = (await ctx.client().kv.delete(loc, versions.length > 0 ? { versions } : {})).secret;
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
