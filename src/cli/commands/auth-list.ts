import type { AuthMount } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { detailedMountRows } from '../mount-table.js';
import { outputData, tableOutput } from '../output/index.js';

function sortedPaths(auths: Record<string, AuthMount>): string[] {
  return Object.keys(auths).sort();
}

/** Vault's `simpleMounts`: Path, Type, Accessor, Description, Version. */
function simpleRows(auths: Record<string, AuthMount>): string[] {
  const out = ['Path | Type | Accessor | Description | Version'];
  for (const path of sortedPaths(auths)) {
    const m = auths[path];
    if (m === undefined) continue;
    out.push(`${path} | ${m.type} | ${m.accessor ?? ''} | ${m.description ?? ''} | ${m.plugin_version ?? ''}`);
  }
  return out;
}

export const command = defineCommand({
  path: ['auth', 'list'],
  synopsis: 'Lists enabled auth methods',
  sets: { format: true },
  flags: [
    {
      name: 'detailed',
      kind: 'bool',
      usage: 'Print detailed information such as configuration and replication status about each auth method. This option is only applicable to table-formatted output.',
    },
  ],
  help: `
Usage: coffer auth list [options]

  Lists the enabled auth methods on the server. This command also outputs
  information about the method including configuration and human-friendly
  descriptions. A TTL of "system" indicates that the system default is in use.

  List all enabled auth methods:

      $ coffer auth list

  List all enabled auth methods with detailed output:

      $ coffer auth list -detailed`,

  async run(ctx) {
    expectArgs(ctx, 0);
    let auths: Record<string, AuthMount>;
    try {
      auths = await ctx.client().sys.auth.list();
    } catch (err) {
      return fail(ctx, 'Error listing enabled authentications', err);
    }
    if (ctx.format !== 'table') return outputData(ctx.ui, ctx.format, auths);
    ctx.ui.out(tableOutput(ctx.flags.bool('detailed') ? detailedMountRows(auths, { title: 'Token Type', cell: (config) => (typeof config.token_type === 'string' ? config.token_type : '') }) : simpleRows(auths)));
    return ExitCode.Ok;
  },
});
