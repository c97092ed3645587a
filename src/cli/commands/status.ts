import { defineCommand, expectArgs } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';
import { printSealStatus } from '../seal-status.js';

export const command = defineCommand({
  path: ['status'],
  synopsis: 'Print seal and HA status',
  sets: { format: true },
  help: `
Usage: coffer status [options]

  Prints the current state of the server including whether it is sealed and if
  HA mode is enabled. This command prints regardless of whether the server is
  sealed.

  The exit code reflects the seal status:

      - 0 - unsealed
      - 1 - error
      - 2 - sealed`,

  async run(ctx) {
    expectArgs(ctx, 0);
    let client;
    try {
      client = ctx.client();
    } catch (err) {
      // 2 is reserved for "sealed" here.
      ctx.ui.err(messageFor(err));
      return ExitCode.LocalError;
    }
    let status;
    try {
      status = await client.sys.sealStatus();
    } catch (err) {
      ctx.ui.err(`Error checking seal status: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    const code = await printSealStatus(ctx, client, status);
    return status.sealed ? ExitCode.Sealed : code;
  },
});
