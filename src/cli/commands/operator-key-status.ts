import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { keyStatusForJson, keyStatusTable } from '../key-status.js';
import { outputData } from '../output/index.js';

export const command = defineCommand({
  path: ['operator', 'key-status'],
  synopsis: 'Provides information about the active encryption key',
  sets: { format: true },
  help: `
Usage: coffer operator key-status [options]

  Provides information about the active encryption key. Specifically, the
  current key term and the key installation time.`,

  async run(ctx) {
    expectArgs(ctx, 0);
    let status;
    try {
      status = await ctx.client().sys.keyStatus();
    } catch (err) {
      return fail(ctx, 'Error reading key status', err);
    }
    if (ctx.format !== 'table') return outputData(ctx.ui, ctx.format, keyStatusForJson(status));
    ctx.ui.out(keyStatusTable(status));
    return ExitCode.Ok;
  },
});
