import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['audit', 'disable'],
  synopsis: 'Disables an audit device',
  help: `
Usage: coffer audit disable [options] PATH

  Disables an audit device. Once an audit device is disabled, no future audit
  logs are dispatched to it. The data associated with the audit device is not
  affected.

  The argument corresponds to the PATH of audit device, not the TYPE!

  Disable the audit device enabled at "file/":

      $ coffer audit disable file/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const path = `${sanitizePath(ctx.args[0] ?? '')}/`;
    try {
      await ctx.client().sys.audit.disable(path);
    } catch (err) {
      return fail(ctx, 'Error disabling audit device', err);
    }
    ctx.ui.out(`Success! Disabled audit device (if it was enabled) at: ${path}`);
    return ExitCode.Ok;
  },
});
