import type { Secret } from '../../api/index.js';
import { defineCommand, expectArgs, fail, type CommandContext } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, UsageError } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKv } from '../kv-shared.js';
import { headerForMap, outputData, outputPath, outputSecret, printRawField } from '../output/index.js';

/** What `kv put` and `kv patch` print after a write (Vault prints the new version's metadata). */
export function outputKvWrite(ctx: CommandContext, path: string, secret: Secret | null): number {
  const { ui, format } = ctx;
  if (secret === null) {
    if (format === 'table') ui.out(`Success! Data written to: ${path}`);
    return ExitCode.Ok;
  }
  const field = ctx.flags.string('field');
  if (field !== '') return printRawField(ui, format, secret, field);
  if (secret.wrap_info !== null && secret.wrap_info.ttl !== 0) return outputSecret(ui, format, secret);
  if (format === 'table') {
    outputPath(ui, path, 'Secret Path');
    const metadata = secret.data ?? {};
    ui.out(headerForMap('Metadata', metadata));
    return outputData(ui, format, metadata);
  }
  return outputSecret(ui, format, secret);
}

export const command = defineCommand({
  path: ['kv', 'put'],
  synopsis: 'Sets or updates data in the KV store',
  sets: { field: true, format: true },
  flags: [
    {
      name: 'cas',
      kind: 'int',
      example: 'int',
      default: -1,
      usage:
        "Specifies to use a Check-And-Set operation. If not set the write will be allowed. If set to 0 a write will only be allowed if the key doesn't exist. If the index is non-zero the write will only be allowed if the key's current version matches the version specified in the cas parameter.",
    },
    MOUNT_FLAG,
  ],
  help: `
Usage: coffer kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ coffer kv put -mount=secret foo bar=baz

  The path-like syntax can also be used:

      $ coffer kv put secret/foo bar=baz

  The data can also be consumed from a file on disk by prefixing with the "@"
  symbol. For example:

      $ coffer kv put -mount=secret foo @data.json

  Or it can be read from stdin using the "-" symbol:

      $ echo "abcd1234" | coffer kv put -mount=secret foo bar=-

  To perform a Check-And-Set operation, specify the -cas flag with the
  appropriate version number corresponding to the key you want to perform
  the CAS operation on:

      $ coffer kv put -mount=secret -cas=1 foo bar=baz`,

  async run(ctx) {
    if (ctx.args.length === 1) throw new UsageError('Must supply data');
    expectArgs(ctx, 2, Infinity);
    let data;
    try {
      data = await parseDataArgs(ctx.args.slice(1), { readStdin: () => ctx.readStdin() });
    } catch (err) {
      ctx.ui.err(`Failed to parse K=V data: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.LocalError;
    }
    let loc;
    try {
      loc = await resolveKv(ctx, ctx.args[0] ?? '');
    } catch (err) {
      return fail(ctx, '', err);
    }
    const path = kvPath(loc, 'data');
    let secret;
    try {
      const cas = ctx.flags.int('cas');
      secret = (await ctx.client().kv.put(loc, data, cas > -1 ? { cas } : {})).secret;
    } catch (err) {
      return fail(ctx, `Error writing data to ${path}`, err);
    }
    return outputKvWrite(ctx, path, secret);
  },
});
