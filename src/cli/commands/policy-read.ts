import { normalizePolicyName } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { outputData } from '../output/index.js';

export const command = defineCommand({
  path: ['policy', 'read'],
  synopsis: 'Prints the contents of a policy',
  sets: { format: true },
  help: `
Usage: coffer policy read [options] [NAME]

  Prints the contents and metadata of the policy named NAME. If the policy
  does not exist, an error is returned.

  Read the policy named "my-policy":

      $ coffer policy read my-policy`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format } = ctx;
    const name = normalizePolicyName(ctx.args[0] ?? '');
    let rules: string | null;
    try {
      rules = await ctx.client().sys.policies.read(name);
    } catch (err) {
      return fail(ctx, `Error reading policy named ${name}`, err);
    }
    if (rules === null || rules === '') {
      ui.err(`No policy named: ${name}`);
      return ExitCode.NotFound;
    }
    if (format === 'table') {
      ui.out(rules.trim());
      return ExitCode.Ok;
    }
    return outputData(ui, format, { policy: rules });
  },
});
