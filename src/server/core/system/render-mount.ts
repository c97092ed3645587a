import type { Core } from '../core.js';
import type { MountEntry } from '../mount-table.js';

/** A mount as `GET sys/mounts` shows it (Vault's field set, keys sorted as Vault sends them). */
export function renderMount(core: Core, entry: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.default_lease_ttl,
    force_no_cache: entry.config.force_no_cache,
    max_lease_ttl: entry.config.max_lease_ttl,
  };
  for (const key of [
    'listing_visibility',
    'audit_non_hmac_request_keys',
    'audit_non_hmac_response_keys',
    'passthrough_request_headers',
    'allowed_response_headers',
  ] as const) {
    const value = entry.config[key];
    if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) config[key] = value;
  }
  return {
    accessor: entry.accessor,
    config,
    deprecation_status: entry.type === 'system' ? undefined : 'supported',
    description: entry.description,
    external_entropy_access: entry.external_entropy_access,
    local: entry.local,
    options: entry.options,
    plugin_version: '',
    running_plugin_version: `v${core.version}+builtin`,
    running_sha256: '',
    seal_wrap: entry.seal_wrap,
    type: entry.type,
    uuid: entry.uuid,
  };
}

/** A mount's tune as `GET sys/mounts/:path/tune` (and sys/auth's) shows it: effective TTLs. */
export function renderTune(core: Core, entry: MountEntry): Record<string, unknown> {
  const ttls = core.effectiveTtls(entry);
  return {
    default_lease_ttl: ttls.defaultLeaseTtl,
    max_lease_ttl: ttls.maxLeaseTtl,
    force_no_cache: entry.config.force_no_cache,
    description: entry.description,
    options: entry.options,
  };
}
