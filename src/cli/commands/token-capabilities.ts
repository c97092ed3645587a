import { defineCommand, fail } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { outputData } from '../output/index.js';

export const command = defineCommand({
  path: ['token', 'capabilities'],
  synopsis: 'Print capabilities of a token on a path',
  sets: { format: true },
  help: `
Usage: coffer token capabilities [options] [TOKEN] PATH

  Fetches the capabilities of a token for a given path. If a TOKEN is provided
  as an argument, the "/sys/capabilities" endpoint and permission is used. If
  no TOKEN is provided, the "/sys/capabilities-self" endpoint and permission
  is used with the locally authenticated token.

  List capabilities for the local token on the "secret/foo" path:

      $ coffer token capabilities secret/foo

  List capabilities for a token on the "cubbyhole/foo" path:

      $ coffer token capabilities 96ddf4bc-d217-f3ba-f9bd-017055595017 cubbyhole/foo`,

  async run(ctx) {
    const { ui, format, args } = ctx;
    if (args.length === 0) throw new UsageError('Not enough arguments (expected 1-2, got 0)');
    if (args.length > 2) throw new UsageError(`Too many arguments (expected 1-2, got ${args.length})`);
    const [token, path] = args.length === 1 ? ['', args[0] ?? ''] : [(args[0] ?? '').trim(), args[1] ?? ''];

    let capabilities: string[];
    try {
      const sys = ctx.client().sys;
      const result = token === '' ? await sys.capabilitiesSelf(path) : await sys.capabilities(token, path);
      capabilities = result[path] ?? [];
    } catch (err) {
      return fail(ctx, 'Error listing capabilities', err);
    }
    if (capabilities.length === 0) {
      ui.err('No capabilities found');
      return ExitCode.LocalError;
    }
    if (format === 'table') {
      ui.out([...capabilities].sort().join(', '));
      return ExitCode.Ok;
    }
    return outputData(ui, format, capabilities);
  },
});
