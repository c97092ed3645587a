import { defineCommand, expectArgs } from '../command.js';
import { ExitCode } from '../exit.js';
import { versionString } from '../version-info.js';

export const command = defineCommand({
  path: ['version'],
  synopsis: 'Prints the Coffer CLI version',
  sets: { http: false },
  help: `
Usage: coffer version

  Prints the version of this Coffer CLI. This does not print the target server
  version (see "coffer status").

  Print the version:

      $ coffer version`,

  async run(ctx) {
    expectArgs(ctx, 0);
    ctx.ui.out(versionString());
    return Promise.resolve(ExitCode.Ok);
  },
});
