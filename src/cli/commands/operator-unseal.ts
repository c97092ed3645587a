import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';
import { readSecretInput } from '../prompt.js';
import { printSealStatus } from '../seal-status.js';

export const command = defineCommand({
  path: ['operator', 'unseal'],
  synopsis: 'Unseals the server',
  sets: { format: true },
  flags: [
    { name: 'reset', kind: 'bool', usage: 'Discard any previously entered keys to the unseal process.' },
    { name: 'migrate', kind: 'bool', usage: 'Indicate that this share is provided with the intent that it is part of a seal migration process.' },
  ],
  help: `
Usage: coffer operator unseal [options] [KEY]

  Provide a portion of the root key to unseal a server. The server starts in
  a sealed state. It cannot perform operations until it is unsealed. This
  command accepts a portion of the root key (an "unseal key").

  The unseal key can be supplied as an argument to the command, but this is
  not recommended as the unseal key will be available in your history:

      $ coffer operator unseal IXyR0OJnSFobekZMMCKCoVEpT7wI6l+USMzE3IcyDyo=

  Instead, run the command with no arguments and it will prompt for the key
  (or read it from stdin when stdin is not a terminal):

      $ coffer operator unseal
      Unseal Key (will be hidden):`,

  async run(ctx) {
    expectArgs(ctx, 0, 1);
    const { ui, flags } = ctx;
    let unsealKey = (ctx.args[0] ?? '').trim();
    const client = ctx.client();

    if (flags.bool('reset')) {
      let status;
      try {
        status = await client.sys.unseal({ reset: true });
      } catch (err) {
        return fail(ctx, 'Error resetting unseal process', err);
      }
      return printSealStatus(ctx, client, status);
    }

    if (unsealKey === '') {
      if (flags.bool('non-interactive')) {
        ui.err('Refusing to read from stdin with -non-interactive specified; specify unseal key as an argument to this command');
        return ExitCode.LocalError;
      }
      try {
        unsealKey = await readSecretInput(ctx.io, 'Unseal Key (will be hidden): ', () => ctx.readStdin());
      } catch (err) {
        ui.err(`An error occurred attempting to ask for an unseal key: ${messageFor(err)}`);
        return ExitCode.LocalError;
      }
      if (unsealKey === '') {
        ui.err('No unseal key provided');
        return ExitCode.LocalError;
      }
    }

    let status;
    try {
      status = await client.sys.unseal({ key: unsealKey, ...(flags.bool('migrate') ? { migrate: true } : {}) });
    } catch (err) {
      return fail(ctx, 'Error unsealing', err);
    }
    return printSealStatus(ctx, client, status);
  },
});
