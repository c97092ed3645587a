import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import { outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['write'],
  synopsis: 'Write data, configuration, and secrets',
  sets: { field: true, format: true },
  flags: [
    {
      name: 'force',
      kind: 'bool',
      aliases: ['f'],
      usage: 'Allow the operation to continue with no key=value pairs. This allows writing to keys that do not need or expect data.',
    },
  ],
  help: `
Usage: coffer write [options] PATH [DATA K=V...]

  Writes data to the server at the given path. The data can be credentials,
  secrets, configuration, or arbitrary data. The specific behavior of this
  command is determined at the thing mounted at the path.

  Data is specified as "key=value" pairs. If the value begins with an "@", then
  it is loaded from a file. If the value is "-", the value is read from stdin.

  Persist data in the generic secrets engine:

      $ coffer write secret/my-secret foo=bar

  Create a new encryption key in the transit secrets engine:

      $ coffer write -f transit/keys/my-key

  Upload a policy from a file on disk:

      $ coffer write sys/policy/my-policy policy=@policy.hcl`,

  async run(ctx) {
    expectArgs(ctx, 1, Infinity);
    if (ctx.args.length === 1 && !ctx.flags.bool('force')) throw new UsageError('Must supply data or use -force');
    const { ui, format } = ctx;
    const path = sanitizePath(ctx.args[0] ?? '');
    let data;
    try {
      data = await parseDataArgs(ctx.args.slice(1), { readStdin: () => ctx.readStdin() });
    } catch (err) {
      ui.err(`Failed to parse K=V data: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    let secret;
    try {
      secret = await ctx.client().write(path, data);
    } catch (err) {
      return fail(ctx, `Error writing data to ${path}`, err);
    }
    if (secret === null) {
      if (format === 'table') ui.out(`Success! Data written to: ${path}`);
      return ExitCode.Ok;
    }
    const field = ctx.flags.string('field');
    if (field !== '') return printRawField(ui, format, secret, field);
    return outputSecret(ui, format, secret);
  },
});
