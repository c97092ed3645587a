import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { parseDataArgs, toStringLists } from '../data-args.js';
import { ExitCode, messageFor } from '../exit.js';
import { outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['read'],
  synopsis: 'Read data and retrieves secrets',
  sets: { field: true, format: true },
  allowRawFormat: true,
  help: `
Usage: coffer read [options] PATH [K=V...]

  Reads data from the server at the given path. This can be used to read
  secrets, generate dynamic credentials, get configuration details, and more.
  Extra K=V arguments are sent as query parameters.

  Read a secret from the static secrets engine:

      $ coffer read secret/my-secret

  "-format=raw" prints the response body exactly as the server sent it.`,

  async run(ctx) {
    expectArgs(ctx, 1, Infinity);
    const { ui, format } = ctx;
    const path = sanitizePath(ctx.args[0] ?? '');
    let query;
    try {
      const stdin = ctx.flags.bool('non-interactive') ? () => Promise.resolve('') : () => ctx.readStdin();
      query = toStringLists(await parseDataArgs(ctx.args.slice(1), { readStdin: stdin }));
    } catch (err) {
      ui.err(`Failed to parse K=V data: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    const client = ctx.client();

    if (format === 'raw') {
      let res;
      try {
        res = await client.request('GET', path, { query });
        if (res.status !== 404) client.ensureOk('GET', path, res, query);
      } catch (err) {
        return fail(ctx, `Error reading: ${path}`, err);
      }
      if (res.status === 404 || res.text === '') {
        ui.err(`No value found at ${path}`);
        return ExitCode.NotFound;
      }
      ui.out(res.text);
      return ExitCode.Ok;
    }

    let secret;
    try {
      secret = await client.read(path, Object.keys(query).length > 0 ? query : undefined);
    } catch (err) {
      return fail(ctx, `Error reading ${path}`, err);
    }
    if (secret === null) {
      ui.err(`No value found at ${path}`);
      return ExitCode.NotFound;
    }
    const field = ctx.flags.string('field');
    if (field !== '') return printRawField(ui, format, secret, field);
    return outputSecret(ui, format, secret);
  },
});
