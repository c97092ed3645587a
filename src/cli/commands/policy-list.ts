import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { outputData } from '../output/index.js';

export const command = defineCommand({
  path: ['policy', 'list'],
  synopsis: 'Lists the installed policies',
  sets: { format: true },
  help: `
Usage: coffer policy list [options]

  Lists the names of the policies that are installed on the server.`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, format } = ctx;
    let policies: string[];
    try {
      policies = await ctx.client().sys.policies.list();
    } catch (err) {
      return fail(ctx, 'Error listing policies', err);
    }
    if (format === 'table') {
      for (const p of policies) ui.out(p);
      return ExitCode.Ok;
    }
    return outputData(ui, format, policies);
  },
});
