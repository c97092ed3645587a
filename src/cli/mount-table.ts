/**
 * Vault's `detailedMounts` table, shared by `secrets list -detailed` and `auth list
 * -detailed`: the two differ in one column (Force No Cache vs Token Type).
 */
import type { AuthMount } from '../api/index.js';
import { formatGoValue } from './output/index.js';

/** A TTL cell: `system` when the mount uses the system default; blank for sys/ and cubbyhole/. */
export function calcTtl(type: string, ttl: unknown): string {
  if (type === 'system' || type === 'cubbyhole') return '';
  if (typeof ttl === 'number' && ttl !== 0) return String(ttl);
  return 'system';
}

export interface MountColumn {
  title: string;
  cell(config: AuthMount['config']): string;
}

export function detailedMountRows(mounts: Readonly<Record<string, AuthMount>>, column: MountColumn): string[] {
  const out = [
    `Path | Plugin | Accessor | Default TTL | Max TTL | ${column.title} | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status`,
  ];
  for (const path of Object.keys(mounts).sort()) {
    const m = mounts[path];
    if (m === undefined) continue;
    const config: AuthMount['config'] = m.config ?? { default_lease_ttl: 0, max_lease_ttl: 0 };
    const plugin = m.type === 'plugin' ? String(config.plugin_name ?? '') : m.type;
    out.push(
      [
        path,
        plugin,
        m.accessor ?? '',
        calcTtl(m.type, config.default_lease_ttl),
        calcTtl(m.type, config.max_lease_ttl),
        column.cell(config),
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
