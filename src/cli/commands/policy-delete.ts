import { normalizePolicyName } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';

export const command = defineCommand({
  path: ['policy', 'delete'],
  synopsis: 'Deletes a policy by name',
  help: `
Usage: coffer policy delete [options] NAME

  Deletes the policy named NAME on the server. Once the policy is deleted, all
  tokens associated with the policy are affected immediately.

  Delete the policy named "my-policy":

      $ coffer policy delete my-policy

  Note that it is not possible to delete the "default" or "root" policies.
  These are built-in policies.`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const name = normalizePolicyName(ctx.args[0] ?? '');
    try {
      await ctx.client().sys.policies.delete(name);
    } catch (err) {
      return fail(ctx, `Error deleting ${name}`, err);
    }
    ctx.ui.out(`Success! Deleted policy: ${name}`);
    return ExitCode.Ok;
  },
});
