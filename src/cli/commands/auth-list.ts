import type { AuthMount } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { formatGoValue, outputData, tableOutput } from '../output/index.js';

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

function calcTtl(type: string, ttl: unknown): string {
  if (type === 'system' || type === 'cubbyhole') return '';
  if (typeof ttl === 'number' && ttl !== 0) return String(ttl);
  return 'system';
}

/** Vault's `detailedMounts` for auth methods. */
function detailedRows(auths: Record<string, AuthMount>): string[] {
  const out = [
    'Path | Plugin | Accessor | Default TTL | Max TTL | Token Type | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status',
  ];
  for (const path of sortedPaths(auths)) {
    const m = auths[path];
    if (m === undefined) continue;
    const config = m.config ?? { default_lease_ttl: 0, max_lease_ttl: 0 };
    const plugin = m.type === 'plugin' ? String(config.plugin_name ?? '') : m.type;
    out.push(
      [
        path,
        plugin,
        m.accessor ?? '',
        calcTtl(m.type, config.default_lease_ttl),
        calcTtl(m.type, config.max_lease_ttl),
        typeof config.token_type === 'string' ? config.token_type : '',
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
    ctx.ui.out(tableOutput(ctx.flags.bool('detailed') ? detailedRows(auths) : simpleRows(auths)));
    return ExitCode.Ok;
  },
});
