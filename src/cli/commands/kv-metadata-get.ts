import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKvV2 } from '../kv-shared.js';
import { headerForMap, mapTable, outputPath, outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'metadata', 'get'],
  synopsis: 'Retrieves key metadata from the KV store',
  sets: { format: true },
  flags: [MOUNT_FLAG],
  help: `
Usage: coffer kv metadata get [options] KEY

  Retrieves the metadata from the key-value store at the given key name. If no
  key exists with that name, an error is returned.

      $ coffer kv metadata get -mount=secret foo`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format } = ctx;
    const loc = await resolveKvV2(ctx, 'Metadata');
    if (typeof loc === 'number') return loc;
    const path = kvPath(loc, 'metadata');
    let secret;
    try {
      secret = (await ctx.client().kv.metadataGet(loc)).secret;
    } catch (err) {
      return fail(ctx, `Error reading ${path}`, err);
    }
    if (secret === null) {
      ui.err(`No value found at ${path}`);
      return ExitCode.NotFound;
    }
    if (secret.wrap_info !== null || format !== 'table') return outputSecret(ui, format, secret);

    const versionsRaw = secret.data?.['versions'];
    if (typeof versionsRaw !== 'object' || versionsRaw === null) {
      ui.err(`No value found at ${path}`);
      outputSecret(ui, format, secret);
      return ExitCode.NotFound;
    }
    const versions = versionsRaw as Record<string, unknown>;
    const data = { ...(secret.data ?? {}) };
    delete data['versions'];

    outputPath(ui, path, 'Metadata Path');
    ui.out(headerForMap('Metadata', data));
    outputSecret(ui, format, { ...secret, data });

    const numbers: number[] = [];
    for (const k of Object.keys(versions)) {
      const n = Number.parseInt(k, 10);
      if (!Number.isFinite(n) || String(n) !== k) {
        ui.err(`Error parsing version ${k}`);
        return ExitCode.RemoteError;
      }
      numbers.push(n);
    }
    numbers.sort((a, b) => a - b);
    for (const n of numbers) {
      const entry = versions[String(n)];
      const map = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
      ui.out(`\n${headerForMap(`Version ${n}`, map)}`);
      const table = mapTable(map);
      if (table !== '') ui.out(table);
    }
    return ExitCode.Ok;
  },
});
