import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['operator', 'seal'],
  synopsis: 'Seals the server',
  help: `
Usage: coffer operator seal [options]

  Seals the server. Sealing tells the server to stop responding to any
  operations until it is unsealed. When sealed, the server discards its
  in-memory root key to unlock the data, so it is physically blocked from
  responding to operations unsealed.

  If an unseal is in progress, sealing the server will reset the unsealing
  process. Users will have to re-enter their portions of the root key again.

  This command does nothing if the server is already sealed.

      $ coffer operator seal`,

  async run(ctx) {
    expectArgs(ctx, 0);
    try {
      await ctx.client().sys.seal();
    } catch (err) {
      return fail(ctx, 'Error sealing', err);
    }
    ctx.ui.out('Success! Coffer is sealed.');
    return ExitCode.Ok;
  },
});
