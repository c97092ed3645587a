import type { AuditDevice } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { ordered, outputData, tableOutput } from '../output/index.js';

function simpleRows(audits: Record<string, AuditDevice>): string[] {
  const out = ['Path | Type | Description'];
  for (const key of Object.keys(audits).sort()) {
    const a = audits[key];
    if (a !== undefined) out.push(`${a.path} | ${a.type} | ${a.description}`);
  }
  return out;
}

function detailedRows(audits: Record<string, AuditDevice>): string[] {
  const out = ['Path | Type | Description | Replication | Options'];
  for (const key of Object.keys(audits).sort()) {
    const a = audits[key];
    if (a === undefined) continue;
    const options = Object.entries(a.options ?? {})
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push(`${key} | ${a.type} | ${a.description} | ${a.local ? 'local' : 'replicated'} | ${options}`);
  }
  return out;
}

export const command = defineCommand({
  path: ['audit', 'list'],
  synopsis: 'Lists enabled audit devices',
  sets: { format: true },
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Print detailed information such as options and replication status about each audit device.' }],
  help: `
Usage: coffer audit list [options]

  Lists the enabled audit devices in the server. The output lists the enabled
  audit devices and the options for those devices.

  List all audit devices:

      $ coffer audit list

  List detailed output about the audit devices:

      $ coffer audit list -detailed`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, format } = ctx;
    let audits: Record<string, AuditDevice>;
    try {
      audits = await ctx.client().sys.audit.list();
    } catch (err) {
      return fail(ctx, 'Error listing audits', err);
    }
    if (format !== 'table') {
      // Go's api.Audit struct, field order kept.
      const out: Record<string, unknown> = {};
      for (const [k, a] of Object.entries(audits)) out[k] = ordered({ type: a.type, description: a.description, options: a.options, local: a.local, path: a.path });
      return outputData(ui, format, out);
    }
    if (Object.keys(audits).length === 0) {
      ui.out('No audit devices are enabled.');
      return ExitCode.NotFound;
    }
    ui.out(tableOutput(ctx.flags.bool('detailed') ? detailedRows(audits) : simpleRows(audits)));
    return ExitCode.Ok;
  },
});
