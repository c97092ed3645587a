/**
 * The `token_*` fields every auth method role carries (Vault's tokenutil), with the old
 * names (`policies`, `ttl`, `max_ttl`, `period`, `bound_cidrs`, `num_uses`) still accepted.
 * One declaration for validation, role reads and the login result.
 */
import { UserError } from '../../shared/errors.js';
import { f, type FieldValues } from './fields.js';
import type { LoginAuth } from './logical.js';

export const TOKEN_TYPES = ['default', 'service', 'batch', 'default-service', 'default-batch'] as const;
export type TokenTypeSetting = (typeof TOKEN_TYPES)[number];

export function tokenFields() {
  return {
    token_ttl: f.durationSecond({ description: 'Default TTL of tokens issued by this role/user.' }),
    token_max_ttl: f.durationSecond({ description: 'Maximum TTL of tokens issued by this role/user.' }),
    token_period: f.durationSecond({ description: 'Make issued tokens periodic with this period.' }),
    token_explicit_max_ttl: f.durationSecond({ description: 'A hard cap on issued tokens’ lifetime, renewals included.' }),
    token_policies: f.commaStringSlice({ description: 'Policies of issued tokens.' }),
    token_bound_cidrs: f.commaStringSlice({ description: 'CIDRs issued tokens may be used from.' }),
    token_type: f.string({ description: 'Type of issued tokens: default, service, batch, default-service, default-batch.' }),
    token_num_uses: f.int({ description: 'Uses allowed per issued token (0 = unlimited).' }),
    token_no_default_policy: f.bool({ description: 'Do not add the default policy to issued tokens.' }),
    // Deprecated aliases, still accepted on write (Vault's tokenutil).
    policies: f.commaStringSlice({ description: 'Deprecated: use token_policies.' }),
    ttl: f.durationSecond({ description: 'Deprecated: use token_ttl.' }),
    max_ttl: f.durationSecond({ description: 'Deprecated: use token_max_ttl.' }),
    period: f.durationSecond({ description: 'Deprecated: use token_period.' }),
    bound_cidrs: f.commaStringSlice({ description: 'Deprecated: use token_bound_cidrs.' }),
    num_uses: f.int({ description: 'Deprecated: use token_num_uses.' }),
  };
}

export type TokenFieldValues = FieldValues<ReturnType<typeof tokenFields>>;

/** The stored token settings of a role or user. */
export interface TokenParams {
  token_ttl: number;
  token_max_ttl: number;
  token_period: number;
  token_explicit_max_ttl: number;
  token_policies: string[];
  token_bound_cidrs: string[];
  token_type: TokenTypeSetting;
  token_num_uses: number;
  token_no_default_policy: boolean;
}

export const DEFAULT_TOKEN_PARAMS: Readonly<TokenParams> = Object.freeze({
  token_ttl: 0,
  token_max_ttl: 0,
  token_period: 0,
  token_explicit_max_ttl: 0,
  token_policies: [],
  token_bound_cidrs: [],
  token_type: 'default',
  token_num_uses: 0,
  token_no_default_policy: false,
});

/**
 * Applies the fields present in a write to `existing` (only sent fields change, as in
 * Vault); new names win over the deprecated ones when both are sent.
 */
export function applyTokenFields(existing: Readonly<TokenParams>, fields: TokenFieldValues): TokenParams {
  const out: TokenParams = { ...existing, token_policies: [...existing.token_policies], token_bound_cidrs: [...existing.token_bound_cidrs] };
  const pick = <T>(current: T | undefined, legacy: T | undefined): T | undefined => current ?? legacy;
  const ttl = pick(fields.token_ttl, fields.ttl);
  const maxTtl = pick(fields.token_max_ttl, fields.max_ttl);
  const period = pick(fields.token_period, fields.period);
  const policies = pick(fields.token_policies, fields.policies);
  const cidrs = pick(fields.token_bound_cidrs, fields.bound_cidrs);
  const numUses = pick(fields.token_num_uses, fields.num_uses);
  if (ttl !== undefined) out.token_ttl = ttl;
  if (maxTtl !== undefined) out.token_max_ttl = maxTtl;
  if (period !== undefined) out.token_period = period;
  if (fields.token_explicit_max_ttl !== undefined) out.token_explicit_max_ttl = fields.token_explicit_max_ttl;
  if (policies !== undefined) out.token_policies = policies.filter((p) => p !== '');
  if (cidrs !== undefined) out.token_bound_cidrs = cidrs.filter((c) => c !== '');
  if (numUses !== undefined) out.token_num_uses = numUses;
  if (fields.token_no_default_policy !== undefined) out.token_no_default_policy = fields.token_no_default_policy;
  if (fields.token_type !== undefined) {
    if (!(TOKEN_TYPES as readonly string[]).includes(fields.token_type)) {
      throw new UserError(`invalid 'token_type' value "${fields.token_type}"`);
    }
    out.token_type = fields.token_type as TokenTypeSetting;
  }
  for (const [name, value] of [
    ['token_ttl', out.token_ttl],
    ['token_max_ttl', out.token_max_ttl],
    ['token_period', out.token_period],
    ['token_explicit_max_ttl', out.token_explicit_max_ttl],
    ['token_num_uses', out.token_num_uses],
  ] as const) {
    if (value < 0) throw new UserError(`'${name}' cannot be negative`);
  }
  if (out.token_max_ttl > 0 && out.token_ttl > out.token_max_ttl) throw new UserError("'token_ttl' cannot be greater than 'token_max_ttl'");
  return out;
}

/** The token fields as a role/user read shows them (seconds, `[]` for empty lists). */
export function renderTokenParams(params: Readonly<TokenParams>): Record<string, unknown> {
  return { ...params, token_policies: [...params.token_policies], token_bound_cidrs: [...params.token_bound_cidrs] };
}

/** The token settings part of a login result. */
export function loginTokenSettings(params: Readonly<TokenParams>): Omit<LoginAuth, 'policies' | 'displayName' | 'alias' | 'metadata'> & {
  policies: string[];
} {
  return {
    policies: [...params.token_policies],
    ttl: params.token_ttl,
    maxTtl: params.token_max_ttl,
    explicitMaxTtl: params.token_explicit_max_ttl,
    period: params.token_period,
    numUses: params.token_num_uses,
    boundCidrs: [...params.token_bound_cidrs],
    tokenType: params.token_type,
    noDefaultPolicy: params.token_no_default_policy,
  };
}
