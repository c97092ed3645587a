import type { MountOutput } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { formatGoValue, outputData, tableOutput } from '../output/index.js';

function simpleRows(mounts: Record<string, MountOutput>): string[] {
  const out = ['Path | Type | Accessor | Description'];
  for (const path of Object.keys(mounts).sort()) {
    const m = mounts[path];
    if (m === undefined) continue;
    out.push(`${path} | ${m.type} | ${m.accessor ?? ''} | ${m.description ?? ''}`);
  }
  return out;
}

function calcTtl(type: string, ttl: unknown): string {
  if (type === 'system' || type === 'cubbyhole') return '';
  if (typeof ttl === 'number' && ttl !== 0) return String(ttl);
  return 'system';
}

function detailedRows(mounts: Record<string, MountOutput>): string[] {
  const out = [
    'Path | Plugin | Accessor | Default TTL | Max TTL | Force No Cache | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status',
  ];
  for (const path of Object.keys(mounts).sort()) {
    const m = mounts[path];
    if (m === undefined) continue;
    const config = m.config ?? { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false };
    const plugin = m.type === 'plugin' ? String(config.plugin_name ?? '') : m.type;
    out.push(
      [
        path,
        plugin,
        m.accessor ?? '',
        calcTtl(m.type, config.default_lease_ttl),
        calcTtl(m.type, config.max_lease_ttl),
        String(config.force_no_cache === true),
        m.local === true ? 'local' : 'replicated',
        String(m.seal_wrap === true),
        String(m.external_entropy_access === true),
        formatGoValue(m.options ?? {}),
        m.description ?? '',
        m.uuid ?? '',
        m.plugin_version ?? '',
        m.running_plugin_version ?? '',
        m.running_sha256 ?? '',
        m.deprecation_status ?? '',
      ].join(' | '),
    );
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
    ctx.ui.out(tableOutput(ctx.flags.bool('detailed') ? detailedRows(mounts) : simpleRows(mounts)));
    return ExitCode.Ok;
  },
});
