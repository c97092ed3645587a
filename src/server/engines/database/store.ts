/**
 * What the engine keeps in storage, at Vault's keys: `config/<name>`, `role/<name>` and
 * `static-role/<name>`. The storage view is encrypted by the barrier, which is why the
 * connection password and the static roles' current passwords can live here.
 */
import { UserError } from '../../../shared/errors.js';
import { getJson, putJson, type Storage } from '../../sdk/index.js';

export const CONFIG_PREFIX = 'config/';
export const ROLE_PREFIX = 'role/';
export const STATIC_ROLE_PREFIX = 'static-role/';

export interface ConnectionConfig {
  plugin_name: string;
  plugin_version: string;
  /** As returned by the plugin's `initialize` (includes the password; never returned to clients). */
  connection_details: Record<string, unknown>;
  allowed_roles: string[];
  root_credentials_rotate_statements: string[];
  password_policy: string;
  verify_connection: boolean;
}

export type CredentialType = 'password';

export interface RoleEntry {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  rollback_statements: string[];
  renew_statements: string[];
  /** Seconds; 0 = the mount's default. */
  default_ttl: number;
  /** Seconds; 0 = the mount's maximum. */
  max_ttl: number;
  credential_type: CredentialType;
  credential_config: Record<string, string>;
}

export interface StaticRoleEntry {
  db_name: string;
  username: string;
  rotation_statements: string[];
  credential_type: CredentialType;
  credential_config: Record<string, string>;
  /** Seconds; 0 when the role rotates on a schedule. */
  rotation_period: number;
  /** Five-field cron; '' when the role rotates on a period. */
  rotation_schedule: string;
  /** Seconds after a scheduled time during which the rotation may still run; 0 = no limit. */
  rotation_window: number;
  /** The current password of the database user. */
  password: string;
  /** Epoch ms of the last successful rotation. */
  last_vault_rotation_ms: number;
  /** Epoch ms the next rotation is due. */
  next_vault_rotation_ms: number;
  /**
   * A password handed to the database whose outcome is unknown (Vault's WAL): the next
   * attempt sets this same password again, so a rotation that reached the database but
   * failed to be recorded is rolled forward instead of losing the password.
   */
  pending_password?: string;
}

export async function getConfig(storage: Storage, name: string): Promise<ConnectionConfig | null> {
  return getJson<ConnectionConfig>(storage, CONFIG_PREFIX + name);
}

/** The config a role points at; Vault's message when it is missing. */
export async function requireConfig(storage: Storage, name: string): Promise<ConnectionConfig> {
  const config = await getConfig(storage, name);
  if (config === null) throw new UserError(`failed to find entry for connection with name: ${JSON.stringify(name)}`);
  return config;
}

export async function putConfig(storage: Storage, name: string, config: ConnectionConfig): Promise<void> {
  await putJson(storage, CONFIG_PREFIX + name, config);
}

export async function getRole(storage: Storage, name: string): Promise<RoleEntry | null> {
  return getJson<RoleEntry>(storage, ROLE_PREFIX + name);
}

export async function putRole(storage: Storage, name: string, role: RoleEntry): Promise<void> {
  await putJson(storage, ROLE_PREFIX + name, role);
}

export async function getStaticRole(storage: Storage, name: string): Promise<StaticRoleEntry | null> {
  return getJson<StaticRoleEntry>(storage, STATIC_ROLE_PREFIX + name);
}

export async function putStaticRole(storage: Storage, name: string, role: StaticRoleEntry): Promise<void> {
  await putJson(storage, STATIC_ROLE_PREFIX + name, role);
}
