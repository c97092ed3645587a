/**
 * The renderers every command shares (Vault's `command/format.go`): a secret, a map, a list,
 * the seal status; each in table, JSON or YAML.
 */
import type { LeaderResponse, SealStatusResponse, Secret, SecretAuth, SecretWrapInfo } from '../../api/index.js';
import type { Ui } from '../context.js';
import type { OutputFormat } from '../common-flags.js';
import { ExitCode } from '../exit.js';
import { formatGoValue, humanDuration, humanDurationValue, looksLikeDuration } from './go-format.js';
import { ordered, renderJson } from './json.js';
import { renderYaml } from './yaml.js';
import { HOPE_DELIM, padEqualSigns, tableOutput, wrapAtLength } from './table.js';

export { formatGoValue, humanDuration, looksLikeDuration } from './go-format.js';
export { ordered, renderJson } from './json.js';
export { renderYaml } from './yaml.js';
export { HOPE_DELIM, columnOutput, headerForMap, padEqualSigns, tableOutput, wrapAtLength } from './table.js';
export { printRaw, printRawField, rawField, formatFieldValue } from './field.js';

/** A secret in the field order of Go's `api.Secret` (what `-format=json` prints). */
export function secretForJson(secret: Secret): Record<string, unknown> {
  const out: Record<string, unknown> = {
    request_id: secret.request_id,
    lease_id: secret.lease_id,
    lease_duration: secret.lease_duration,
    renewable: secret.renewable,
    data: secret.data,
    warnings: secret.warnings,
  };
  if (secret.auth !== null) out['auth'] = authForJson(secret.auth);
  if (secret.wrap_info !== null) out['wrap_info'] = wrapInfoForJson(secret.wrap_info);
  if (secret.mount_type !== undefined && secret.mount_type !== '') out['mount_type'] = secret.mount_type;
  return ordered(out);
}

/** The auth block as Go's `api.SecretAuth` marshals it (its fields, in its order). */
export function authForJson(auth: SecretAuth): Record<string, unknown> {
  return ordered({
    client_token: auth.client_token,
    accessor: auth.accessor,
    policies: auth.policies ?? null,
    token_policies: auth.token_policies ?? null,
    identity_policies: auth.identity_policies ?? null,
    metadata: auth.metadata ?? null,
    orphan: auth.orphan ?? false,
    entity_id: auth.entity_id ?? '',
    lease_duration: auth.lease_duration,
    renewable: auth.renewable,
    mfa_requirement: auth.mfa_requirement ?? null,
  });
}

/** The wrap info as Go's `api.SecretWrapInfo` marshals it. */
export function wrapInfoForJson(wrap: SecretWrapInfo): Record<string, unknown> {
  return ordered({
    token: wrap.token,
    accessor: wrap.accessor,
    ttl: wrap.ttl,
    creation_time: wrap.creation_time,
    creation_path: wrap.creation_path,
    wrapped_accessor: wrap.wrapped_accessor ?? '',
  });
}

/** Renders structured data in JSON or YAML. */
export function renderStructured(format: 'json' | 'yaml', value: unknown): string {
  return format === 'json' ? renderJson(value) : renderYaml(value);
}

/** `WARNING! The following warnings were returned ...` on stderr. */
export function printWarnings(ui: Ui, secret: Secret | null): void {
  if (secret === null || secret.warnings === null || secret.warnings.length === 0) return;
  ui.err('WARNING! The following warnings were returned from the server:\n');
  for (const warning of secret.warnings) {
    ui.err(wrapAtLength(`* ${warning}`, 2));
    ui.err('');
  }
}

function row(key: string, value: unknown): string {
  return `${key} ${HOPE_DELIM} ${formatGoValue(value)}`;
}

/** The key/value table for a map (Vault's `OutputMap`); empty string when there is nothing. */
export function mapTable(data: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(data).sort();
  if (keys.length === 0) return '';
  const lines = [`Key${HOPE_DELIM}Value`];
  for (const k of keys) lines.push(row(k, looksLikeDuration(k) ? humanDurationValue(data[k]) : data[k]));
  return tableOutput(lines, { delim: HOPE_DELIM });
}

/** The key/value table for a secret (Vault's `TableFormatter.OutputSecret`). */
export function secretTable(secret: Secret): string {
  const lines: string[] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id !== '') {
      lines.push(row('lease_id', secret.lease_id));
      lines.push(row('lease_duration', humanDuration(secret.lease_duration)));
      lines.push(row('lease_renewable', secret.renewable));
    } else {
      lines.push(row('refresh_interval', humanDuration(secret.lease_duration)));
    }
  }
  if (secret.auth !== null) {
    const auth = secret.auth;
    lines.push(row('token', auth.client_token));
    lines.push(row('token_accessor', auth.accessor));
    lines.push(row('token_duration', auth.lease_duration === 0 ? '∞' : humanDuration(auth.lease_duration)));
    lines.push(row('token_renewable', auth.renewable));
    lines.push(row('token_policies', goQuotedList(auth.token_policies ?? null)));
    lines.push(row('identity_policies', goQuotedList(auth.identity_policies ?? null)));
    lines.push(row('policies', goQuotedList(auth.policies)));
    for (const [k, v] of Object.entries(auth.metadata ?? {})) lines.push(row(`token_meta_${k}`, v));
  }
  if (secret.wrap_info !== null) {
    const w = secret.wrap_info;
    lines.push(row('wrapping_token:', w.token));
    lines.push(row('wrapping_accessor:', w.accessor));
    lines.push(row('wrapping_token_ttl:', humanDuration(w.ttl)));
    lines.push(row('wrapping_token_creation_time:', w.creation_time));
    lines.push(row('wrapping_token_creation_path:', w.creation_path));
    if (w.wrapped_accessor !== undefined && w.wrapped_accessor !== '') lines.push(row('wrapped_accessor:', w.wrapped_accessor));
  }
  const data = secret.data ?? {};
  for (const k of Object.keys(data).sort()) lines.push(row(k, looksLikeDuration(k) ? humanDurationValue(data[k]) : data[k]));
  if (lines.length === 0) return '';
  return tableOutput([`Key${HOPE_DELIM}Value`, ...lines], { delim: HOPE_DELIM });
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
function goQuotedList(list: readonly string[] | null): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Vault's `OutputSecret`. */
export function outputSecret(ui: Ui, format: OutputFormat, secret: Secret): number {
  if (format === 'json' || format === 'yaml') {
    ui.out(renderStructured(format, secretForJson(secret)));
    return ExitCode.Ok;
  }
  printWarnings(ui, secret);
  const table = secretTable(secret);
  if (table !== '') ui.out(table);
  return ExitCode.Ok;
}

/** Vault's `OutputData`: a map as a key/value table, or JSON/YAML of anything. */
export function outputData(ui: Ui, format: OutputFormat, data: unknown): number {
  if (format === 'json' || format === 'yaml') {
    ui.out(renderStructured(format, data));
    return ExitCode.Ok;
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const table = mapTable(data as Record<string, unknown>);
    if (table !== '') ui.out(table);
    return ExitCode.Ok;
  }
  ui.err('cannot use the table formatter for this type');
  return ExitCode.LocalError;
}

/** Vault's `OutputList`: the sorted `keys` (with `key_info` columns when detailed). */
export function outputList(ui: Ui, format: OutputFormat, secret: Secret, detailed = false): number {
  const keysRaw = secret.data?.['keys'];
  const keys = Array.isArray(keysRaw) ? keysRaw.map((k) => String(k)) : [];
  if (format === 'json' || format === 'yaml') {
    ui.out(renderStructured(format, detailed ? secretForJson(secret) : keysRaw));
    return ExitCode.Ok;
  }
  printWarnings(ui, secret);
  if (keys.length === 0) return ExitCode.Ok;
  keys.sort();
  const info = secret.data?.['key_info'];
  const keyInfo = detailed && typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {};
  const headerSet = new Set<string>();
  for (const k of keys) {
    const v = keyInfo[k];
    if (typeof v === 'object' && v !== null) for (const h of Object.keys(v)) headerSet.add(h);
  }
  const headers = [...headerSet].sort();
  const lines = [['Keys', ...headers].join(HOPE_DELIM)];
  for (const k of keys) {
    if (headers.length === 0) {
      lines.push(k);
      continue;
    }
    const v = keyInfo[k];
    const values = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
    const cells = headers.map((h) => {
      if (values === undefined) return '';
      if (!(h in values)) return 'n/a';
      return formatGoValue(looksLikeDuration(h) ? humanDurationValue(values[h]) : values[h]);
    });
    lines.push([k, ...cells].join(HOPE_DELIM));
  }
  ui.out(tableOutput(lines, { delim: HOPE_DELIM }));
  return ExitCode.Ok;
}

/** A section title and its path (Vault's `outputPath`): `== Secret Path ==` / `secret/data/foo` / blank. */
export function outputPath(ui: Ui, path: string, title: string): void {
  ui.out(padEqualSigns(title, Buffer.byteLength(path)));
  ui.out(path);
  ui.out('');
}

/** Vault's `SealStatusOutput`: seal status plus the leader fields. */
export function sealStatusOutput(status: SealStatusResponse, leader: LeaderResponse | null): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: status.type,
    initialized: status.initialized,
    sealed: status.sealed,
    t: status.t,
    n: status.n,
    progress: status.progress,
    nonce: status.nonce ?? '',
    version: status.version,
    build_date: status.build_date ?? '',
    migration: status.migration ?? false,
  };
  if (status.cluster_name !== undefined && status.cluster_name !== '') out['cluster_name'] = status.cluster_name;
  if (status.cluster_id !== undefined && status.cluster_id !== '') out['cluster_id'] = status.cluster_id;
  out['recovery_seal'] = status.recovery_seal ?? false;
  if (status.storage_type !== undefined && status.storage_type !== '') out['storage_type'] = status.storage_type;
  if (status.warnings !== undefined && status.warnings.length > 0) out['warnings'] = status.warnings;
  out['ha_enabled'] = leader?.ha_enabled ?? false;
  if (leader?.is_self === true) out['is_self'] = true;
  out['active_time'] = leader?.active_time ?? '0001-01-01T00:00:00Z';
  if (leader !== null && leader.leader_address !== '' && leader.leader_address !== undefined) out['leader_address'] = leader.leader_address;
  if (leader !== null && leader.leader_cluster_address !== '' && leader.leader_cluster_address !== undefined) out['leader_cluster_address'] = leader.leader_cluster_address;
  if (leader?.performance_standby === true) out['performance_standby'] = true;
  for (const k of ['performance_standby_last_remote_wal', 'last_wal', 'raft_committed_index', 'raft_applied_index'] as const) {
    const v = leader?.[k];
    if (typeof v === 'number' && v !== 0) out[k] = v;
  }
  return ordered(out);
}

/** The `vault status` table (Vault's `OutputSealStatusStruct`). */
export function sealStatusTable(status: SealStatusResponse, leader: LeaderResponse | null): string {
  const prefix = status.recovery_seal === true ? 'Recovery ' : '';
  const out = ['Key | Value'];
  out.push(`${prefix}Seal Type | ${status.type}`);
  out.push(`Initialized | ${String(status.initialized)}`);
  out.push(`Sealed | ${String(status.sealed)}`);
  out.push(`Total ${prefix}Shares | ${status.n}`);
  out.push(`Threshold | ${status.t}`);
  if (status.sealed) {
    out.push(`Unseal Progress | ${status.progress}/${status.t}`);
    out.push(`Unseal Nonce | ${status.nonce ?? ''}`);
  }
  if (status.migration === true) out.push('Seal Migration in Progress | true');
  out.push(`Version | ${status.version}`);
  out.push(`Build Date | ${status.build_date ?? ''}`);
  out.push(`Storage Type | ${status.storage_type ?? ''}`);
  if ((status.cluster_name ?? '') !== '' && (status.cluster_id ?? '') !== '') {
    out.push(`Cluster Name | ${status.cluster_name ?? ''}`);
    out.push(`Cluster ID | ${status.cluster_id ?? ''}`);
  }
  const haEnabled = leader?.ha_enabled ?? false;
  out.push(`HA Enabled | ${String(haEnabled)}`);
  if (haEnabled && leader !== null && !status.sealed) {
    out.push(`HA Cluster | ${leader.leader_cluster_address ?? ''}`);
    const mode = leader.is_self ? 'active' : 'standby';
    out.push(`HA Mode | ${mode}`);
    if (leader.is_self && leader.active_time !== undefined && !leader.active_time.startsWith('0001-01-01')) out.push(`Active Since | ${leader.active_time}`);
    if (!leader.is_self) out.push(`Active Node Address | ${leader.leader_address === '' ? '<none>' : leader.leader_address}`);
    if (leader.performance_standby === true) {
      out.push('Performance Standby Node | true');
      out.push(`Performance Standby Last Remote WAL | ${leader.performance_standby_last_remote_wal ?? 0}`);
    }
  }
  if ((leader?.raft_committed_index ?? 0) > 0) out.push(`Raft Committed Index | ${leader?.raft_committed_index ?? 0}`);
  if ((leader?.raft_applied_index ?? 0) > 0) out.push(`Raft Applied Index | ${leader?.raft_applied_index ?? 0}`);
  if ((leader?.last_wal ?? 0) > 0) out.push(`Last WAL | ${leader?.last_wal ?? 0}`);
  if (status.warnings !== undefined && status.warnings.length > 0) out.push(`Warnings | [${status.warnings.join(' ')}]`);
  return tableOutput(out, { delim: '|' });
}

/** Prints the seal status in the selected format. */
export function outputSealStatus(ui: Ui, format: OutputFormat, status: SealStatusResponse, leader: LeaderResponse | null): number {
  if (format === 'json' || format === 'yaml') {
    ui.out(renderStructured(format, sealStatusOutput(status, leader)));
  } else {
    ui.out(sealStatusTable(status, leader));
  }
  return ExitCode.Ok;
}

