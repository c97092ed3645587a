/**
 * The connection settings every SQL plugin shares (Vault's `connutil.SQLConnectionProducer`
 * `Init`): decoded leniently like `mapstructure.WeakDecode` (`"4"` is 4, `"true"` is true),
 * with Vault's defaults and clamps, and a clear 400 for anything that cannot be used.
 */
import { UserError } from '../../../../shared/errors.js';
import { parseDurationSeconds } from '../../../../shared/duration.js';
import { containsCredentialMarker } from './connection-url.js';

export interface SqlConnectionSettings {
  /** The URL as written, with its `{{username}}`/`{{password}}` markers. */
  connectionUrl: string;
  username: string;
  password: string;
  /** Default 4. */
  maxOpenConnections: number;
  /** 0 in the config means "same as max open"; never more than max open. */
  maxIdleConnections: number;
  /** Seconds; 0 = connections live forever. */
  maxConnectionLifetimeSeconds: number;
  disableEscaping: boolean;
  /** `''` when the config sets none (the plugin's default applies). */
  usernameTemplate: string;
}

export const DEFAULT_MAX_OPEN_CONNECTIONS = 4;

/** A string field: strings as they are, numbers and booleans as Go's weak decoding prints them. */
export function weakString(config: Readonly<Record<string, unknown>>, key: string): string {
  const value = config[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw new UserError(`invalid ${key}: expected a string`);
}

/** An integer field: numbers (truncated), integer strings and booleans. */
export function weakInt(config: Readonly<Record<string, unknown>>, key: string): number {
  const value = config[key];
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  throw new UserError(`invalid ${key}: expected an integer`);
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

/** A boolean field: booleans, Go's `strconv.ParseBool` words, and numbers (non-zero is true). */
export function weakBool(config: Readonly<Record<string, unknown>>, key: string): boolean {
  const value = config[key];
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value !== 0;
  if (typeof value === 'string') {
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
  }
  throw new UserError(`invalid ${key}: expected a boolean`);
}

/** Reads and validates the shared settings; throws `UserError` naming the bad field. */
export function parseSqlConnectionSettings(config: Readonly<Record<string, unknown>>): SqlConnectionSettings {
  const connectionUrl = weakString(config, 'connection_url');
  if (connectionUrl.trim() === '') throw new UserError('connection_url cannot be empty');

  const username = weakString(config, 'username');
  const password = weakString(config, 'password');
  if (containsCredentialMarker(username) || containsCredentialMarker(password)) {
    throw new UserError('username and/or password cannot contain the template variables');
  }

  let maxOpenConnections = weakInt(config, 'max_open_connections');
  if (maxOpenConnections < 0) throw new UserError('invalid max_open_connections: must not be negative');
  if (maxOpenConnections === 0) maxOpenConnections = DEFAULT_MAX_OPEN_CONNECTIONS;

  let maxIdleConnections = weakInt(config, 'max_idle_connections');
  if (maxIdleConnections < 0) throw new UserError('invalid max_idle_connections: must not be negative');
  if (maxIdleConnections === 0 || maxIdleConnections > maxOpenConnections) maxIdleConnections = maxOpenConnections;

  const lifetimeRaw = config['max_connection_lifetime'];
  let maxConnectionLifetimeSeconds = 0;
  if (lifetimeRaw !== undefined && lifetimeRaw !== null) {
    try {
      maxConnectionLifetimeSeconds = parseDurationSeconds(lifetimeRaw);
    } catch (err) {
      throw new UserError(`invalid max_connection_lifetime: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (maxConnectionLifetimeSeconds < 0) throw new UserError('invalid max_connection_lifetime: must not be negative');
  }

  return {
    connectionUrl,
    username,
    password,
    maxOpenConnections,
    maxIdleConnections,
    maxConnectionLifetimeSeconds,
    disableEscaping: weakBool(config, 'disable_escaping'),
    usernameTemplate: weakString(config, 'username_template'),
  };
}

/**
 * The config to persist: every key the caller sent (Vault stores and shows the raw map), with
 * the shared fields in their decoded types so a re-read never has to guess.
 */
export function normaliseSqlConfig(
  config: Readonly<Record<string, unknown>>,
  settings: SqlConnectionSettings,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  const put = (key: string, value: unknown): void => {
    if (key in config && config[key] !== undefined && config[key] !== null) out[key] = value;
  };
  out['connection_url'] = settings.connectionUrl;
  put('username', settings.username);
  put('password', settings.password);
  put('max_open_connections', settings.maxOpenConnections);
  put('max_idle_connections', settings.maxIdleConnections);
  put('disable_escaping', settings.disableEscaping);
  put('username_template', settings.usernameTemplate);
  return out;
}
