/**
 * Token roles (`auth/token/roles/:name`): the stored shape and its read rendering.
 */

export type RoleTokenType = 'service' | 'batch' | 'default-service' | 'default-batch';

export const ROLE_TOKEN_TYPES: readonly RoleTokenType[] = ['service', 'batch', 'default-service', 'default-batch'];

export interface TokenRole {
  name: string;
  allowed_policies: string[];
  disallowed_policies: string[];
  allowed_policies_glob: string[];
  disallowed_policies_glob: string[];
  orphan: boolean;
  renewable: boolean;
  path_suffix: string;
  /** null until set (Vault reads back `null`). */
  allowed_entity_aliases: string[] | null;
  /** Seconds. */
  token_period: number;
  token_explicit_max_ttl: number;
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_type: RoleTokenType;
  /** Deprecated spellings, kept so a read returns what was written. */
  period: number;
  explicit_max_ttl: number;
  bound_cidrs: string[];
}

export function newRole(name: string): TokenRole {
  return {
    name,
    allowed_policies: [],
    disallowed_policies: [],
    allowed_policies_glob: [],
    disallowed_policies_glob: [],
    orphan: false,
    renewable: true,
    path_suffix: '',
    allowed_entity_aliases: null,
    token_period: 0,
    token_explicit_max_ttl: 0,
    token_bound_cidrs: [],
    token_no_default_policy: false,
    token_num_uses: 0,
    token_type: 'default-service',
    period: 0,
    explicit_max_ttl: 0,
    bound_cidrs: [],
  };
}

/** Fills fields missing from older stored roles. */
export function normaliseRole(raw: Partial<TokenRole> & { name: string }): TokenRole {
  return { ...newRole(raw.name), ...raw };
}

/** `GET auth/token/roles/:name` data, as Vault renders it (`tokenStoreRoleRead`). */
export function renderRole(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    period: role.period,
    token_period: role.token_period,
    explicit_max_ttl: role.explicit_max_ttl,
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    disallowed_policies: role.disallowed_policies,
    allowed_policies: role.allowed_policies,
    disallowed_policies_glob: role.disallowed_policies_glob,
    allowed_policies_glob: role.allowed_policies_glob,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.path_suffix,
    renewable: role.renewable,
    token_type: role.token_type,
    allowed_entity_aliases: role.allowed_entity_aliases,
    token_no_default_policy: role.token_no_default_policy,
  };
  if (role.token_bound_cidrs.length > 0) data['token_bound_cidrs'] = role.token_bound_cidrs;
  if (role.bound_cidrs.length > 0) data['bound_cidrs'] = role.bound_cidrs;
  if (role.token_num_uses > 0) data['token_num_uses'] = role.token_num_uses;
  return data;
}
