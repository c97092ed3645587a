import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { outputList, outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['unwrap'],
  synopsis: 'Unwrap a wrapped secret',
  sets: { field: true, format: true },
  help: `
Usage: coffer unwrap [options] [TOKEN]

  Unwraps a wrapped secret from the server by the given token. The result is
  the same as the "coffer read" operation on the non-wrapped secret. If no
  token is given, the data in the currently authenticated token is unwrapped.

  Unwrap the data in the cubbyhole secrets engine for a token:

      $ coffer unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd

  Unwrap the data in the active token:

      $ coffer login 848f9ccf-7176-098c-5e2b-75a0689d41cd
      $ coffer unwrap # unwraps 848f9ccf...`,

  async run(ctx) {
    expectArgs(ctx, 0, 1);
    const { ui, format } = ctx;
    const token = (ctx.args[0] ?? '').trim();
    let secret;
    try {
      secret = await ctx.client().sys.wrapping.unwrap(token === '' ? undefined : token);
    } catch (err) {
      return fail(ctx, 'Error unwrapping', err);
    }
    if (secret === null) {
      if (format === 'table') ui.out('Successfully unwrapped. There was no data in the wrapped secret.');
      return ExitCode.Ok;
    }
    const field = ctx.flags.string('field');
    if (field !== '') return printRawField(ui, format, secret, field);
    if (Array.isArray(secret.data?.['keys'])) return outputList(ui, format, secret);
    return outputSecret(ui, format, secret);
  },
});
