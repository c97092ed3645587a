import { sanitizePath } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['kv', 'enable-versioning'],
  synopsis: 'Turns on versioning for a KV store',
  sets: { format: true },
  help: `
Usage: coffer kv enable-versioning [options] KEY

  This command turns on versioning for the backend at the provided path.

      $ coffer kv enable-versioning secret`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const mountPath = `${sanitizePath(ctx.args[0] ?? '')}/`;
    try {
      await ctx.client().sys.tuneMount(mountPath, { options: { version: '2' } });
    } catch (err) {
      return fail(ctx, `Error tuning secrets engine ${mountPath}`, err);
    }
    ctx.ui.out(`Success! Tuned the secrets engine at: ${mountPath}`);
    return ExitCode.Ok;
  },
});
