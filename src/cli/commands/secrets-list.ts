import type { MountOutput } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { detailedMountRows } from '../mount-table.js';
import { outputData, tableOutput } from '../output/index.js';

function simpleRows(mounts: Record<string, MountOutput>): string[] {
  const out = ['Path | Type | Accessor | Description'];
  for (const path of Object.keys(mounts).sort()) {
    const m = mounts[path];
    if (m === undefined) continue;
    out.push(`${path} | ${m.type} | ${m.accessor ?? ''} | ${m.description ?? ''}`);
  }
  return out;
}

export const command = defineCommand({
  path: ['secrets', 'list'],
  synopsis: 'List enabled secrets engines',
  sets: { format: true },
  flags: [
    {
      name: 'detailed',
      kind: 'bool',
      usage: 'Print detailed information such as TTLs and replication status about each secrets engine.',
    },
  ],
  help: `
Usage: coffer secrets list [options]

  Lists the enabled secret engines on the server. This command also outputs
  information about the enabled path including configured TTLs and
  human-friendly descriptions. A TTL of "system" indicates that the system
  default is in use.

  List all enabled secrets engines:

      $ coffer secrets list

  List all enabled secrets engines with detailed output:

      $ coffer secrets list -detailed`,

  async run(ctx) {
    expectArgs(ctx, 0);
    let mounts;
    try {
      mounts = await ctx.client().sys.mounts();
    } catch (err) {
      return fail(ctx, 'Error listing secrets engines', err);
    }
    if (ctx.format !== 'table') return outputData(ctx.ui, ctx.format, mounts);
    ctx.ui.out(tableOutput(ctx.flags.bool('detailed') ? detailedMountRows(mounts, { title: 'Force No Cache', cell: (config) => String(config.force_no_cache === true) }) : simpleRows(mounts)));
    return ExitCode.Ok;
  },
});
