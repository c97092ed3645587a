import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKv } from '../kv-shared.js';
import { headerForMap, mapTable, outputPath, outputSecret, printRawField, printWarnings } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'get'],
  synopsis: 'Retrieves data from the KV store',
  sets: { field: true, format: true },
  flags: [{ name: 'version', kind: 'int', example: 'int', usage: 'If passed, the value at the version number will be returned.' }, MOUNT_FLAG],
  help: `
Usage: coffer kv get [options] KEY

  Retrieves the value from the key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned.

      $ coffer kv get -mount=secret foo

  The path-like syntax can also be used (the mount is found automatically):

      $ coffer kv get secret/foo

  To view the given key name at a specific version in time, specify the
  "-version" flag:

      $ coffer kv get -mount=secret -version=1 foo`,

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
    const version = ctx.flags.int('version');
    let secret;
    try {
      secret = (await ctx.client().kv.get(loc, version > 0 ? { version } : {})).secret;
    } catch (err) {
      return fail(ctx, `Error reading ${path}`, err);
    }
    if (secret === null) {
      ui.err(`No value found at ${path}`);
      return ExitCode.NotFound;
    }

    const v2 = loc.version === 2;
    const field = ctx.flags.string('field');
    if (field !== '') {
      if (!v2) return printRawField(ui, format, secret, field);
      const data = secret.data?.['data'];
      if (typeof data !== 'object' || data === null) {
        ui.err(`No data found at ${path}`);
        return ExitCode.NotFound;
      }
      const dataMap = data as Record<string, unknown>;
      // `-field=data` means the key named "data" if there is one, else the whole data map.
      if (field === 'data' && !('data' in dataMap)) return printRawField(ui, format, secret, field);
      return printRawField(ui, format, dataMap, field);
    }

    if (secret.wrap_info !== null || format !== 'table') return outputSecret(ui, format, secret);

    printWarnings(ui, secret);
    if (v2) outputPath(ui, path, 'Secret Path');
    const metadata = secret.data?.['metadata'];
    if (typeof metadata === 'object' && metadata !== null) {
      const meta = metadata as Record<string, unknown>;
      ui.out(headerForMap('Metadata', meta));
      const table = mapTable(meta);
      if (table !== '') ui.out(table);
      ui.out('');
    }
    let data: Record<string, unknown> | null = secret.data;
    if (v2 && data !== null) {
      const inner = data['data'];
      data = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : null;
    }
    if (data !== null) {
      ui.out(headerForMap('Data', data));
      const table = mapTable(data);
      if (table !== '') ui.out(table);
    }
    return ExitCode.Ok;
  },
});
