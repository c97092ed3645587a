/**
 * Vault's token response shapes: the `auth` block of create/renew/login responses and the
 * `data` of lookups.
 */
import { formatRfc3339Nano } from '../../shared/time.js';
import type { LogicalResponse } from '../sdk/index.js';
import { removeDuplicates } from './policies.js';
import type { TokenEntry } from './token-store.js';

/** The envelope's `auth` object (Vault's `logical.HTTPAuth`). */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  /** Token policies ∪ identity policies. */
  policies: string[];
  /** Omitted when empty. */
  token_policies?: string[];
  /** Omitted when empty. */
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service' | 'batch';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/** A response carrying an `auth` block (the sdk's LogicalResponse has no `auth` yet). */
export type TokenAuthResponse = LogicalResponse & { auth: AuthBlock };

export function isTokenAuthResponse(resp: LogicalResponse | null | undefined): resp is TokenAuthResponse {
  return typeof resp === 'object' && resp !== null && typeof (resp as { auth?: unknown }).auth === 'object' && (resp as { auth?: unknown }).auth !== null;
}

export function authBlock(
  entry: TokenEntry,
  clientToken: string,
  options: { leaseDuration: number; renewable?: boolean; identityPolicies?: readonly string[] },
): AuthBlock {
  const identity = removeDuplicates(options.identityPolicies ?? [], false);
  const tokenPolicies = [...entry.policies];
  const block: AuthBlock = {
    client_token: clientToken,
    accessor: entry.accessor,
    policies: removeDuplicates([...tokenPolicies, ...identity], false),
    metadata: entry.meta ? { ...entry.meta } : null,
    lease_duration: options.leaseDuration,
    renewable: options.renewable ?? entry.renewable,
    entity_id: entry.entity_id,
    token_type: entry.type,
    orphan: entry.orphan,
    mfa_requirement: null,
    num_uses: entry.num_uses,
  };
  if (tokenPolicies.length > 0) block.token_policies = tokenPolicies;
  if (identity.length > 0) block.identity_policies = identity;
  return block;
}

/**
 * `data` of `auth/token/lookup[-self|-accessor]`. `id` is the token for lookup and
 * lookup-self (the caller already holds it) and `''` for lookup-accessor.
 */
export function lookupData(
  entry: TokenEntry,
  id: string,
  options: { now: number; identityPolicies?: readonly string[] },
): Record<string, unknown> {
  const expires = entry.expire_time_ms;
  const expired = expires > 0 && options.now >= expires;
  const renewable = expires === 0 || entry.type === 'batch' || expired ? false : entry.renewable;
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: entry.creation_time,
    creation_ttl: entry.ttl,
    display_name: entry.display_name,
    entity_id: entry.entity_id,
    expire_time: expires > 0 ? formatRfc3339Nano(new Date(expires)) : null,
    explicit_max_ttl: entry.explicit_max_ttl,
    id,
    issue_time: formatRfc3339Nano(new Date(entry.issue_time_ms)),
    meta: entry.meta ? { ...entry.meta } : null,
    num_uses: entry.num_uses,
    orphan: entry.orphan,
    path: entry.path,
    policies: [...entry.policies],
    renewable,
    ttl: expires > 0 ? Math.trunc((expires - options.now) / 1000) : 0,
    type: entry.type,
  };
  const identity = removeDuplicates(options.identityPolicies ?? [], false);
  if (identity.length > 0) data['identity_policies'] = identity;
  if (entry.role !== '') data['role'] = entry.role;
  if (entry.period !== 0) data['period'] = entry.period;
  // Vault (go-sockaddr) renders a host-length block as the bare address: `127.0.0.1`, not `/32`.
  if (entry.bound_cidrs.length > 0) data['bound_cidrs'] = entry.bound_cidrs.map((c) => c.replace(c.includes(':') ? /\/128$/ : /\/32$/, ''));
  if (entry.last_renewal_time_ms > 0) {
    data['last_renewal_time'] = Math.floor(entry.last_renewal_time_ms / 1000);
    data['last_renewal'] = formatRfc3339Nano(new Date(entry.last_renewal_time_ms));
  }
  return data;
}
