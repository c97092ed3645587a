/**
 * Auth method mounts (`sys/auth`), as the Go client's `Sys().ListAuth`, `EnableAuthWithOptions`,
 * `DisableAuth` and the auth-mount tune calls: list, enable, disable, read and write the tune.
 */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';
import { dataOrTopLevel, isObject, parseSecret, type Secret } from './types.js';

/** `user_lockout_config` as Vault's `UserLockoutConfigInput` sends it (durations as Go strings). */
export interface UserLockoutConfigInput {
  lockout_threshold?: string;
  lockout_duration?: string;
  lockout_counter_reset_duration?: string;
  lockout_disable?: boolean;
}

/** The `config` of an enable, and the body of a tune (Vault's `MountConfigInput`, auth fields included). */
export interface AuthMountConfigInput {
  default_lease_ttl?: string | number;
  max_lease_ttl?: string | number;
  description?: string;
  token_type?: string;
  listing_visibility?: string;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  plugin_version?: string;
  /** Tune only: the mount options (e.g. `version`). */
  options?: Record<string, string>;
  user_lockout_config?: UserLockoutConfigInput;
}

/** `enable(path, options)`: Vault's `EnableAuthOptions` with camel-cased flags. */
export interface AuthEnableOptions {
  type: string;
  description?: string;
  config?: AuthMountConfigInput;
  local?: boolean;
  sealWrap?: boolean;
  externalEntropyAccess?: boolean;
  options?: Readonly<Record<string, string>>;
  pluginVersion?: string;
}

/** A mount's config as `sys/auth` and `sys/auth/<path>/tune` return it (TTLs in seconds). */
export interface AuthMountConfigOutput {
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache?: boolean;
  token_type?: string;
  description?: string;
  options?: Record<string, string> | null;
  plugin_name?: string;
  listing_visibility?: string;
  user_lockout_config?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One enabled auth method, keyed by its path (`"userpass/"`) in `list()`. */
export interface AuthMount {
  type: string;
  description: string;
  accessor: string;
  config: AuthMountConfigOutput;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access?: boolean;
  uuid?: string;
  plugin_version?: string;
  running_plugin_version?: string;
  running_sha256?: string;
  deprecation_status?: string;
  [key: string]: unknown;
}

export interface SysAuthApi {
  /** `GET sys/auth`: `"<path>/"` → auth mount (`token/` included). */
  list(): Promise<Record<string, AuthMount>>;
  /** `POST sys/auth/<path>`. */
  enable(path: string, options: AuthEnableOptions): Promise<void>;
  /** `DELETE sys/auth/<path>` (succeeds when nothing is enabled there; revokes the method's tokens). */
  disable(path: string): Promise<void>;
  /** `GET sys/auth/<path>/tune`. */
  readTune(path: string): Promise<AuthMountConfigOutput>;
  /** `POST sys/auth/<path>/tune`; returns the response (warnings) or `null`. */
  tune(path: string, config: AuthMountConfigInput): Promise<Secret | null>;
}

function authMountPath(path: string): string {
  const p = path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') throw new AppError('ERR_INVALID_REQUEST', 'an auth method path is required');
  return p;
}

/** The request body of an enable, without unset optional fields (Go's `omitempty`). */
function enableBody(options: AuthEnableOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: options.type,
    description: options.description ?? '',
    config: { ...(options.config ?? {}) },
    local: options.local ?? false,
    seal_wrap: options.sealWrap ?? false,
  };
  if (options.externalEntropyAccess !== undefined) body['external_entropy_access'] = options.externalEntropyAccess;
  if (options.options !== undefined && Object.keys(options.options).length > 0) body['options'] = { ...options.options };
  if (options.pluginVersion !== undefined && options.pluginVersion !== '') body['plugin_version'] = options.pluginVersion;
  return body;
}

export function createSysAuthApi(core: CoreApi): SysAuthApi {
  const send = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await core.request(method, path, body === undefined ? {} : { body });
    core.ensureOk(method, path, res);
    return res.body;
  };

  return {
    async list() {
      const data = dataOrTopLevel(await send('GET', 'sys/auth'));
      const out: Record<string, AuthMount> = {};
      for (const [path, entry] of Object.entries(data)) {
        if (isObject(entry) && typeof entry['type'] === 'string') out[path] = entry as unknown as AuthMount;
      }
      return out;
    },

    async enable(path, options) {
      if (options.type.trim() === '') throw new AppError('ERR_INVALID_REQUEST', 'an auth method type is required');
      await send('POST', `sys/auth/${authMountPath(path)}`, enableBody(options));
    },

    async disable(path) {
      await send('DELETE', `sys/auth/${authMountPath(path)}`);
    },

    async readTune(path) {
      return dataOrTopLevel(await send('GET', `sys/auth/${authMountPath(path)}/tune`)) as unknown as AuthMountConfigOutput;
    },

    async tune(path, config) {
      return parseSecret(await send('POST', `sys/auth/${authMountPath(path)}/tune`, config));
    },
  };
}
