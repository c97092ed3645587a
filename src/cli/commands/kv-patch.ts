import { isApiError } from '../../api/index.js';
import { isAppError } from '../../shared/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKv } from '../kv-shared.js';
import { outputKvWrite } from './kv-put.js';

export const command = defineCommand({
  path: ['kv', 'patch'],
  synopsis: 'Sets or updates data in the KV store without overwriting',
  sets: { field: true, format: true },
  flags: [
    {
      name: 'cas',
      kind: 'int',
      example: 'int',
      usage:
        "Specifies to use a Check-And-Set operation. If set to 0 or not set, the patch will be allowed. If the index is non-zero the patch will only be allowed if the key's current version matches the version specified in the cas parameter.",
    },
    {
      name: 'method',
      kind: 'string',
      example: 'string',
      usage:
        'Specifies which method of patching to use. If set to "patch", then an HTTP PATCH request will be issued. If set to "rw", then a read will be performed, then a local update, followed by a remote update.',
    },
    MOUNT_FLAG,
    {
      name: 'remove-data',
      kind: 'list',
      example: 'string',
      usage: 'Key to remove from data. To specify multiple values, specify this flag multiple times.',
    },
  ],
  help: `
Usage: coffer kv patch [options] KEY [DATA]

  *NOTE*: This is only supported for KV v2 engine mounts.

  Writes the data to the corresponding path in the key-value store. The data
  can be of any type.

      $ coffer kv patch -mount=secret foo bar=baz

  By default, this operation will attempt an HTTP PATCH operation. If your
  policy does not allow that, it will fall back to a read/local update/write
  approach. With -method=patch only an HTTP PATCH is tried; with -method=rw
  only the read/local update/write approach is used.

      $ coffer kv patch -mount=secret -method=rw foo bar=baz

  To remove data from the corresponding path in the key-value store:

      $ coffer kv patch -mount=secret -remove-data=bar foo`,

  async run(ctx) {
    const removeData = ctx.flags.list('remove-data');
    if (ctx.args.length === 0) throw new UsageError(`Not enough arguments (expected >1, got 0)`);
    if (ctx.args.length === 1 && removeData.length === 0) throw new UsageError('Must supply data');
    expectArgs(ctx, 1, Infinity);
    let data;
    try {
      data = await parseDataArgs(ctx.args.slice(1), { readStdin: () => ctx.readStdin() });
    } catch (err) {
      ctx.ui.err(`Failed to parse K=V data: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    // A null in a JSON merge patch removes the key.
    for (const key of removeData) data[key] = null;

    const method = ctx.flags.string('method');
    if (method !== '' && method !== 'patch' && method !== 'rw') {
      ctx.ui.err(`Unsupported method provided to -method flag: ${method}`);
      return ExitCode.RemoteError;
    }

    let loc;
    try {
      loc = await resolveKv(ctx, ctx.args[0] ?? '');
    } catch (err) {
      return fail(ctx, '', err);
    }
    if (loc.version !== 2) {
      ctx.ui.err('K/V engine mount must be version 2 for patch support');
      return ExitCode.RemoteError;
    }
    const path = kvPath(loc, 'data');
    const cas = ctx.flags.int('cas');
    try {
      const res = await ctx.client().kv.patch(loc, data, {
        ...(cas > 0 ? { cas } : {}),
        ...(method === 'patch' || method === 'rw' ? { method } : {}),
      });
      if (res.fallbackStatus === 403) {
        ctx.ui.err(`Data was written to ${path} but we recommend that you add the "patch" capability to your ACL policy in order to use HTTP PATCH in the future.`);
      }
      return outputKvWrite(ctx, path, res.secret);
    } catch (err) {
      if (!isApiError(err) && isAppError(err) && err.code === 'ERR_NOT_FOUND') return fail(ctx, '', err);
      return fail(ctx, `Error writing data to ${path}`, err);
    }
  },
});
