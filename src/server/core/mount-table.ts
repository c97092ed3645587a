/**
 * The mount table: which backend type is mounted at which path. Persisted through the
 * barrier at `core/mounts` (secrets engines) as Vault does; auth mounts come later.
 */
import { randomUUID } from 'node:crypto';
import { randomHex } from '../../shared/random.js';

export interface MountConfig {
  /** Seconds; 0 = the system default. */
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  listing_visibility?: string;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  /** Auth mounts: the token type logins get when a role says `default`. */
  token_type?: string;
  /** Auth mounts: Vault's user lockout settings, read by methods that lock users out. */
  user_lockout_config?: Record<string, unknown>;
}

export interface MountEntry {
  /** Always ends in `/`, e.g. `secret/`. */
  path: string;
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access: boolean;
  /** Where the mount's data lives in the barrier; stays put on remount. */
  storage_prefix: string;
}

export const MOUNT_TABLE_KEY = 'core/mounts';

/** Paths no user mount may take or remove. */
export const PROTECTED_MOUNT_PREFIXES = ['sys/', 'auth/', 'audit/', 'cubbyhole/', 'identity/'];

export function newMountEntry(input: {
  path: string;
  type: string;
  description?: string;
  config?: Partial<MountConfig>;
  options?: Record<string, string> | null;
  local?: boolean;
  sealWrap?: boolean;
  externalEntropyAccess?: boolean;
}): MountEntry {
  const uuid = randomUUID();
  return {
    path: input.path,
    type: input.type,
    description: input.description ?? '',
    uuid,
    accessor: `${input.type.replace(/[^a-z0-9]/gi, '')}_${randomHex(4)}`,
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, ...input.config },
    options: input.options ?? null,
    local: input.local ?? false,
    seal_wrap: input.sealWrap ?? false,
    external_entropy_access: input.externalEntropyAccess ?? false,
    storage_prefix: `logical/${uuid}/`,
  };
}

/**
 * Normalises a user-supplied mount path: trims slashes, rejects `..` and empty paths,
 * and adds the trailing `/` Vault stores.
 */
export function normaliseMountPath(raw: string): string | null {
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return null;
  return `${trimmed}/`;
}
