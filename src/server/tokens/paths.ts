/**
 * The `auth/token/` credential backend (Vault's token store paths). Core-internal like
 * sys: it learns who is calling through `deps.callerOf`, never from the request.
 */
import { InternalError, PermissionDeniedError, UserError } from '../../shared/errors.js';
import {
  defineBackend,
  definePath,
  f,
  type BackendSpec,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
  type PathSpec,
} from '../sdk/index.js';
import { parseCidrs } from '../../shared/cidr.js';
import { containsGlob, isSubset, NON_ASSIGNABLE_POLICIES, removeDuplicates, sanitizePolicies } from './policies.js';
import { authBlock, lookupData, type TokenAuthResponse } from './responses.js';
import { newRole, renderRole, ROLE_TOKEN_TYPES, type RoleTokenType, type TokenRole } from './roles.js';
import type { TokenEntry, TokenStore, TokenType } from './token-store.js';

/** Who made a request: the raw token (for `-self` endpoints) and its entry. */
export interface TokenCaller {
  token: string;
  entry: TokenEntry;
}

/** What the token backend needs from identity (the identity store satisfies it). */
export interface TokenIdentityDeps {
  upsertEntityForAlias(input: {
    mountAccessor: string;
    mountType: string;
    name: string;
    metadata?: Record<string, string>;
  }): Promise<{ id: string; disabled: boolean }>;
  policiesFor(entityId: string): Promise<string[]>;
}

export interface TokenBackendDeps {
  /** The caller of request `requestId` (set by the pipeline for the duration of the call). */
  callerOf(requestId: string): TokenCaller | null;
  /** Whether the caller has `sudo` on `path` (full path, e.g. `auth/token/create`). */
  callerHasSudo(requestId: string, path: string): boolean | Promise<boolean>;
  /** For Vault's `Policy "x" does not exist` warnings on create. */
  policyExists?(name: string): Promise<boolean>;
  /** identity_policies in lookups and auth blocks; `entity_alias` on role-based creation. */
  identity?: TokenIdentityDeps;
  /** Accessor of the `auth/token/` mount (the mount of `entity_alias` aliases). */
  tokenMountAccessor?: () => string;
  /** Background failures (tidy). */
  onError?: (err: unknown, context: string) => void;
  /** Milliseconds (tests). */
  now?: () => number;
}

const NAME = String.raw`\w(?:[\w\-.]*\w)?`;
const DISPLAY_NAME_SANITIZE = /[^a-zA-Z0-9-]/g;
const PATH_SUFFIX_SANITIZE = /\w[\w-.]+\w/;
const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

/** Go's `%q` of a string slice: `["a" "b"]`. */
function goQuoteList(items: readonly string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;
}

const createFields = {
  role_name: f.string({ description: 'Name of the role' }),
  id: f.string({ description: 'Value for the token (root or sudo only)' }),
  policies: f.commaStringSlice({ description: 'List of policies for the token' }),
  meta: f.kvPairs({ description: 'Arbitrary key=value metadata to associate with the token' }),
  metadata: f.kvPairs({ description: 'Alias of meta' }),
  no_parent: f.bool({ description: 'Create the token with no parent (root or sudo only)' }),
  no_default_policy: f.bool({ description: 'Do not include default policy for this token' }),
  renewable: f.bool({ description: 'Allow token to be renewed past its initial TTL up to system/mount maximum TTL' }),
  ttl: f.durationSecond({ description: 'Time to live for this token' }),
  lease: f.durationSecond({ description: 'Deprecated alias of ttl' }),
  type: f.string({ description: 'Token type: service or batch' }),
  explicit_max_ttl: f.durationSecond({ description: 'Explicit Max TTL of this token' }),
  display_name: f.string({ description: 'Name to associate with this token' }),
  num_uses: f.int({ description: 'Max number of uses for this token' }),
  period: f.durationSecond({ description: 'Renew period' }),
  entity_alias: f.string({ description: 'Name of the entity alias to associate with this token' }),
  format: f.string({ description: 'Return json formatted output', query: true }),
};

const roleFields = {
  role_name: f.string({ description: 'Name of the role', required: true }),
  allowed_policies: f.commaStringSlice({ description: 'Policies tokens from this role may have' }),
  disallowed_policies: f.commaStringSlice({ description: 'Policies tokens from this role may not have' }),
  allowed_policies_glob: f.commaStringSlice({ description: 'Glob patterns of allowed policies' }),
  disallowed_policies_glob: f.commaStringSlice({ description: 'Glob patterns of disallowed policies' }),
  orphan: f.bool({ description: 'Tokens created against this role are orphans' }),
  period: f.durationSecond({ description: "Use 'token_period' instead." }),
  path_suffix: f.string({ description: 'Suffix added to the token path' }),
  explicit_max_ttl: f.durationSecond({ description: "Use 'token_explicit_max_ttl' instead." }),
  renewable: f.bool({ description: 'Tokens created against this role are renewable (default true)' }),
  bound_cidrs: f.commaStringSlice({ description: "Use 'token_bound_cidrs' instead." }),
  allowed_entity_aliases: f.commaStringSlice({ description: 'Entity aliases (globs allowed) tokens may be bound to' }),
  token_bound_cidrs: f.commaStringSlice({ description: 'CIDRs the tokens may be used from' }),
  token_explicit_max_ttl: f.durationSecond({ description: 'Hard cap on the lifetime of the tokens' }),
  token_period: f.durationSecond({ description: 'Period of periodic tokens' }),
  token_type: f.any({ description: 'service, batch, default-service or default-batch' }),
  token_no_default_policy: f.bool({ description: 'Do not add the default policy' }),
  token_num_uses: f.int({ description: 'Uses allowed per token (0 = unlimited)' }),
};

export function tokenBackend(store: TokenStore, deps: TokenBackendDeps): BackendSpec {
  const now = deps.now ?? Date.now;
  let tidyInFlight = false;

  function fullPath(req: LogicalRequest): string {
    return req.mount.path + req.path;
  }

  async function identityPolicies(entry: TokenEntry): Promise<string[]> {
    if (entry.entity_id === '' || !deps.identity) return [];
    return deps.identity.policiesFor(entry.entity_id);
  }

  /** The caller's entry, re-read so `-self` endpoints see the current state. */
  async function callerEntry(req: LogicalRequest): Promise<TokenCaller | null> {
    const caller = deps.callerOf(req.id);
    if (!caller) return null;
    if (caller.entry.type === 'batch') return caller;
    const fresh = await store.lookupByHash(caller.entry.hash, { tainted: true });
    return fresh ? { token: caller.token, entry: fresh } : null;
  }

  async function lookupResponse(entry: TokenEntry | null, id: string): Promise<LogicalResponse> {
    const at = now();
    if (!entry || (entry.expire_time_ms > 0 && at >= entry.expire_time_ms)) throw new PermissionDeniedError('bad token');
    return { data: lookupData(entry, id, { now: at, identityPolicies: await identityPolicies(entry) }) };
  }

  async function renewResponse(entry: TokenEntry, clientToken: string, increment: number): Promise<TokenAuthResponse> {
    const renewed = await store.renewToken(entry, increment);
    const resp: TokenAuthResponse = {
      data: null,
      auth: authBlock(renewed.entry, clientToken, {
        leaseDuration: renewed.ttl,
        identityPolicies: await identityPolicies(renewed.entry),
      }),
    };
    if (renewed.warnings.length > 0) resp.warnings = renewed.warnings;
    return resp;
  }

  // ---- create -----------------------------------------------------------------------

  type CreateValues = FieldValues<typeof createFields>;

  async function handleCreate(req: LogicalRequest, d: CreateValues, orphanPath: boolean, role: TokenRole | null): Promise<TokenAuthResponse> {
    const caller = deps.callerOf(req.id);
    if (!caller) throw new UserError('parent token lookup failed: no parent found');
    const parent = caller.entry;
    if (parent.type === 'batch') throw new UserError('batch tokens cannot create more tokens');
    if (parent.num_uses !== 0) throw new UserError('restricted use token cannot generate child tokens');
    const isSudo = await deps.callerHasSudo(req.id, fullPath(req));
    const warnings: string[] = [];

    let renewable = d.renewable ?? true;
    let typeText = d.type ?? '';
    if (role) {
      switch (role.token_type) {
        case 'default-service':
          break;
        case 'default-batch':
          if (typeText === '') typeText = 'batch';
          break;
        case 'service':
          typeText = 'service';
          break;
        case 'batch':
          typeText = 'batch';
          break;
        default:
          throw new UserError(`role being used for token creation contains invalid token type "${String(role.token_type)}"`);
      }
    }
    let tokenType: TokenType;
    const explicitMaxReq = d.explicit_max_ttl ?? 0;
    const periodReq = d.period ?? 0;
    const numUsesReq = d.num_uses ?? 0;
    switch (typeText) {
      case '':
      case 'service':
        tokenType = 'service';
        break;
      case 'batch': {
        const bad = explicitMaxReq !== 0 ? 'explicit_max_ttl' : numUsesReq !== 0 ? 'num_uses' : periodReq !== 0 ? 'period' : '';
        if (bad) throw new UserError(`batch tokens cannot have "${bad}" set`);
        tokenType = 'batch';
        renewable = false;
        break;
      }
      default:
        throw new UserError("invalid 'token_type' value");
    }
    if (numUsesReq < 0) throw new UserError('number of uses cannot be negative');

    // entity_alias: only with a role, and only an allowed alias.
    let explicitEntityId = '';
    if (d.entity_alias) {
      if (!role) throw new UserError("'entity_alias' is only allowed in combination with token role");
      const alias = d.entity_alias.toLowerCase();
      const allowed = role.allowed_entity_aliases ?? [];
      if (!allowed.includes(alias) && !containsGlob(allowed, alias)) throw new UserError("invalid 'entity_alias' value");
      const accessor = deps.tokenMountAccessor?.();
      if (!deps.identity || !accessor) throw new InternalError('identity store is not available');
      const entity = await deps.identity.upsertEntityForAlias({ mountAccessor: accessor, mountType: 'token', name: d.entity_alias });
      if (entity.disabled) throw new PermissionDeniedError('entity from given entity alias is disabled');
      explicitEntityId = entity.id;
    }

    let path = `auth/token/${req.path}`;
    let numUses = numUsesReq;
    if (role) {
      if (renewable && !role.renewable) renewable = false;
      if (role.token_num_uses !== 0 && (numUses === 0 || role.token_num_uses < numUses)) numUses = role.token_num_uses;
      if (role.path_suffix !== '') path = `${path}/${role.path_suffix}`;
    }

    let displayName = 'token';
    if (d.display_name) displayName = `token-${d.display_name}`.replace(DISPLAY_NAME_SANITIZE, '-').replace(/-$/, '');

    if (d.id && !isSudo) throw new UserError('root or sudo privileges required to specify token id');

    // Policies (Vault's handleCreateCommon, in order).
    const noDefault = d.no_default_policy ?? false;
    const requested = d.policies ?? [];
    let addDefault = false;
    let base: string[];
    if (
      role &&
      (role.allowed_policies.length > 0 ||
        role.disallowed_policies.length > 0 ||
        role.allowed_policies_glob.length > 0 ||
        role.disallowed_policies_glob.length > 0)
    ) {
      const localAddDefault =
        !noDefault &&
        !role.token_no_default_policy &&
        !role.disallowed_policies.includes('default') &&
        !containsGlob(role.disallowed_policies_glob, 'default');
      let finalPolicies = requested.length > 0 ? sanitizePolicies(requested, localAddDefault) : [];
      if (role.allowed_policies.length > 0 || role.allowed_policies_glob.length > 0) {
        const allowed = sanitizePolicies(role.allowed_policies, localAddDefault);
        if (finalPolicies.length === 0) {
          finalPolicies = allowed;
        } else {
          const allowedGlob = sanitizePolicies(role.allowed_policies_glob, false);
          for (const p of finalPolicies) {
            if (!allowed.includes(p) && !containsGlob(allowedGlob, p)) {
              throw new UserError(
                `token policies (${goQuoteList(finalPolicies)}) must be subset of the role's allowed policies (${goQuoteList(allowed)}) or glob policies (${goQuoteList(allowedGlob)})`,
              );
            }
          }
        }
      } else if (finalPolicies.length === 0) {
        finalPolicies = sanitizePolicies(parent.policies, localAddDefault);
      }
      if (role.disallowed_policies.length > 0 || role.disallowed_policies_glob.length > 0) {
        const disallowed = removeDuplicates(role.disallowed_policies, true);
        const disallowedGlob = removeDuplicates(role.disallowed_policies_glob, true);
        for (const p of finalPolicies) {
          if (disallowed.includes(p) || containsGlob(disallowedGlob, p)) {
            throw new UserError(`token policy "${p}" is disallowed by this role`);
          }
        }
      }
      base = finalPolicies;
    } else if (requested.length === 0) {
      // Inherit the parent's; `default` only if the parent has it.
      base = sanitizePolicies(parent.policies, false);
    } else if (!isSudo) {
      if (!isSubset(sanitizePolicies(parent.policies, false), sanitizePolicies(requested, false))) {
        throw new UserError('child policies must be subset of parent');
      }
      if (!noDefault && parent.policies.includes('default')) addDefault = true;
      base = [...requested];
    } else {
      addDefault = !noDefault;
      base = [...requested];
    }
    let policies = sanitizePolicies(base, addDefault);
    if (noDefault) policies = policies.filter((p) => p !== 'default');
    for (const p of policies) {
      if (NON_ASSIGNABLE_POLICIES.includes(p)) throw new UserError(`cannot assign policy "${p}"`);
    }
    if (policies.includes('root')) {
      if (!parent.policies.includes('root')) {
        throw new UserError('root tokens may not be created without parent token being root');
      }
      if (tokenType === 'batch') throw new UserError('batch tokens cannot be root tokens');
    }

    // Parentage.
    let orphan: boolean;
    let boundCidrs: string[] = [];
    if (role) {
      orphan = role.orphan;
      if (role.token_bound_cidrs.length > 0) boundCidrs = [...role.token_bound_cidrs];
    } else if (d.no_parent) {
      if (!isSudo) throw new UserError('root or sudo privileges required to create orphan token');
      orphan = true;
    } else {
      orphan = orphanPath;
    }
    let entityId = '';
    if (explicitEntityId !== '') {
      entityId = explicitEntityId;
    } else if (!orphan) {
      entityId = parent.entity_id;
      if (!role) boundCidrs = [...parent.bound_cidrs];
    }

    // Lifetimes.
    if (explicitMaxReq < 0) throw new UserError('explicit_max_ttl must be positive');
    let explicitMax = explicitMaxReq;
    let period = 0;
    if (periodReq < 0) throw new UserError('period must be positive');
    if (periodReq > 0) {
      if (!isSudo) throw new UserError('root or sudo privileges required to create periodic token');
      period = periodReq;
    }
    let ttl = 0;
    if (d.ttl !== undefined) {
      if (d.ttl < 0) throw new UserError('ttl must be positive');
      ttl = d.ttl;
    } else if (d.lease !== undefined) {
      if (d.lease < 0) throw new UserError('lease must be positive');
      ttl = d.lease;
    }
    if (role && tokenType !== 'batch') {
      if (role.token_explicit_max_ttl !== 0) {
        if (explicitMax === 0) {
          explicitMax = role.token_explicit_max_ttl;
        } else {
          if (role.token_explicit_max_ttl < explicitMax) explicitMax = role.token_explicit_max_ttl;
          warnings.push(
            `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMax} seconds`,
          );
        }
      }
      if (role.token_period !== 0) {
        if (period === 0) {
          period = role.token_period;
        } else {
          if (role.token_period < period) period = role.token_period;
          warnings.push(`Period specified both during creation call and in role; using the lesser value of ${period} seconds`);
        }
      }
    }

    const meta = d.meta ?? d.metadata;
    const created = await store.createToken({
      policies,
      parent,
      orphan,
      path,
      displayName,
      ...(meta !== undefined && Object.keys(meta).length > 0 ? { meta } : {}),
      numUses,
      type: tokenType,
      renewable,
      ttl,
      explicitMaxTtl: explicitMax,
      period,
      limits: store.tokenMountLimits(),
      entityId,
      ...(role ? { role: role.name } : {}),
      boundCidrs,
      ...(d.id ? { id: d.id } : {}),
    });
    warnings.push(...created.warnings);

    if (deps.policyExists) {
      for (const p of created.entry.policies) {
        if (p === 'root') continue;
        if (!(await deps.policyExists(p))) warnings.push(`Policy "${p}" does not exist`);
      }
    }

    const resp: TokenAuthResponse = {
      data: null,
      auth: authBlock(created.entry, created.token, {
        leaseDuration: created.entry.ttl,
        identityPolicies: await identityPolicies(created.entry),
      }),
    };
    if (warnings.length > 0) resp.warnings = warnings;
    return resp;
  }

  // ---- roles ------------------------------------------------------------------------

  type RoleValues = FieldValues<typeof roleFields>;

  async function writeRole(req: LogicalRequest, d: RoleValues): Promise<LogicalResponse | null> {
    const name = d.role_name;
    if (name === '') throw new UserError('role name cannot be empty');
    const existing = await store.getRole(name);
    const role: TokenRole = existing ?? newRole(name);
    const warnings: string[] = [];
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(req.data, key) && req.data[key] !== null;

    if (d.orphan !== undefined) role.orphan = d.orphan;
    if (d.renewable !== undefined) role.renewable = d.renewable;
    if (d.path_suffix !== undefined) {
      if (d.path_suffix !== '' && !PATH_SUFFIX_SANITIZE.test(d.path_suffix)) {
        throw new UserError(`given role path suffix contains invalid characters; must match ${PATH_SUFFIX_SANITIZE.source}`);
      }
      role.path_suffix = d.path_suffix;
    }
    if (role.path_suffix.includes('..')) {
      throw new UserError('error registering path suffix: path cannot contain parent references');
    }
    if (d.allowed_policies !== undefined) role.allowed_policies = sanitizePolicies(d.allowed_policies, false);
    if (d.disallowed_policies !== undefined) role.disallowed_policies = removeDuplicates(d.disallowed_policies, true);
    if (d.allowed_policies_glob !== undefined) role.allowed_policies_glob = sanitizePolicies(d.allowed_policies_glob, false);
    if (d.disallowed_policies_glob !== undefined) role.disallowed_policies_glob = removeDuplicates(d.disallowed_policies_glob, true);

    if (Object.prototype.hasOwnProperty.call(req.data, 'token_type')) {
      const raw = req.data['token_type'];
      if (raw === null) throw new UserError("Invalid 'token_type' value: null");
      const text = typeof raw === 'string' ? raw : String(raw);
      if (!ROLE_TOKEN_TYPES.includes(text as RoleTokenType)) throw new UserError(`invalid 'token_type' value "${text}"`);
      role.token_type = text as RoleTokenType;
    }
    if (d.token_no_default_policy !== undefined) role.token_no_default_policy = d.token_no_default_policy;
    if (d.token_num_uses !== undefined) {
      if (d.token_num_uses < 0) throw new UserError('token_num_uses cannot be negative');
      role.token_num_uses = d.token_num_uses;
    }

    // token_* fields win over their deprecated spellings.
    if (d.token_period !== undefined) {
      if (has('period')) warnings.push("Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value");
      role.token_period = d.token_period;
      role.period = 0;
    } else if (d.period !== undefined) {
      role.period = d.period;
      role.token_period = d.period;
    }
    if (d.token_bound_cidrs !== undefined) {
      if (has('bound_cidrs')) {
        warnings.push("Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value");
      }
      role.token_bound_cidrs = parseCidrs(d.token_bound_cidrs);
      role.bound_cidrs = [];
    } else if (d.bound_cidrs !== undefined) {
      let parsed: string[];
      try {
        parsed = parseCidrs(d.bound_cidrs);
      } catch (err) {
        throw new UserError(`error parsing bound_cidrs: ${err instanceof Error ? err.message : String(err)}`);
      }
      role.bound_cidrs = parsed;
      role.token_bound_cidrs = parsed;
    }
    let finalExplicitMax = role.token_explicit_max_ttl;
    if (d.token_explicit_max_ttl !== undefined) {
      if (has('explicit_max_ttl')) {
        warnings.push("Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value");
      }
      role.token_explicit_max_ttl = d.token_explicit_max_ttl;
      role.explicit_max_ttl = 0;
      finalExplicitMax = d.token_explicit_max_ttl;
    } else {
      if (d.explicit_max_ttl !== undefined) {
        role.explicit_max_ttl = d.explicit_max_ttl;
        role.token_explicit_max_ttl = d.explicit_max_ttl;
      }
      finalExplicitMax = role.explicit_max_ttl || role.token_explicit_max_ttl;
    }
    const systemMax = store.tokenMountLimits().maxLeaseTtl;
    if (finalExplicitMax !== 0 && systemMax !== 0 && finalExplicitMax > systemMax) {
      warnings.push(
        `Given explicit max TTL of ${finalExplicitMax} is greater than system/mount allowed value of ${systemMax} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
      );
    }

    if (role.token_type === 'batch') {
      if (!role.orphan) throw new UserError("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
      if (role.period !== 0 || role.token_period !== 0) {
        throw new UserError("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
      }
      if (role.renewable) throw new UserError("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
      if (role.explicit_max_ttl !== 0 || role.token_explicit_max_ttl !== 0) {
        throw new UserError("'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL");
      }
    }
    if (d.allowed_entity_aliases !== undefined) role.allowed_entity_aliases = removeDuplicates(d.allowed_entity_aliases, true);

    await store.putRole(role);
    return warnings.length > 0 ? { warnings } : null;
  }

  // ---- paths ------------------------------------------------------------------------

  const paths: PathSpec<any>[] = [
    definePath({
      pattern: 'create-orphan',
      fields: createFields,
      synopsis: 'Create a new orphan token.',
      operations: { update: (req, d) => handleCreate(req, d, true, null) },
    }),
    definePath({
      pattern: `create/(?<role_name>${NAME})`,
      fields: createFields,
      synopsis: 'Create a token against a role.',
      operations: {
        update: async (req, d) => {
          const name = d.role_name ?? '';
          const role = await store.getRole(name);
          if (!role) throw new UserError(`unknown role ${name}`);
          return handleCreate(req, d, false, role);
        },
      },
    }),
    definePath({
      pattern: 'create',
      fields: createFields,
      synopsis: 'Create a new token (a child of the caller unless orphaned).',
      operations: { update: (req, d) => handleCreate(req, d, false, null) },
    }),
    definePath({
      pattern: 'lookup',
      fields: { token: f.string({ description: 'Token to look up (POST request body)' }) },
      synopsis: "Look up a token's properties.",
      operations: {
        read: lookupHandler,
        update: lookupHandler,
      },
    }),
    definePath({
      pattern: 'lookup-self',
      fields: { token: f.string({ description: 'Unused' }) },
      synopsis: "Look up the calling token's properties.",
      operations: {
        read: lookupSelf,
        update: lookupSelf,
      },
    }),
    definePath({
      pattern: 'lookup-accessor',
      fields: { accessor: f.string({ description: 'Accessor of the token to look up (request body)' }) },
      synopsis: 'Look up a token by its accessor.',
      operations: {
        update: async (_req, d) => {
          const accessor = d.accessor ?? '';
          if (accessor === '') throw new UserError('missing accessor');
          const entry = await store.lookupByAccessor(accessor, { tainted: true });
          if (!entry) throw new UserError('invalid accessor');
          return lookupResponse(entry, '');
        },
      },
    }),
    definePath({
      pattern: 'renew',
      fields: {
        token: f.string({ description: 'Token to renew (request body)' }),
        increment: f.durationSecond({ description: 'The desired increment in seconds to the token expiration', default: 0 }),
      },
      synopsis: 'Renew a token.',
      operations: {
        update: async (_req, d) => {
          const token = d.token ?? '';
          if (token === '') throw new UserError('missing token ID');
          const entry = await store.lookup(token);
          if (!entry) throw new UserError('token not found');
          if (entry.type === 'batch') throw new UserError('batch tokens cannot be renewed');
          return renewResponse(entry, token, d.increment);
        },
      },
    }),
    definePath({
      pattern: 'renew-self',
      fields: {
        token: f.string({ description: 'Unused' }),
        increment: f.durationSecond({ description: 'The desired increment in seconds to the token expiration', default: 0 }),
      },
      synopsis: 'Renew the calling token.',
      operations: {
        update: async (req, d) => {
          const caller = await callerEntry(req);
          if (!caller || caller.entry.num_uses < 0) throw new UserError('token not found');
          if (caller.entry.type === 'batch') throw new UserError('batch tokens cannot be renewed');
          return renewResponse(caller.entry, caller.token, d.increment);
        },
      },
    }),
    definePath({
      pattern: 'renew-accessor',
      fields: {
        accessor: f.string({ description: 'Accessor of the token to renew (request body)' }),
        increment: f.durationSecond({ description: 'The desired increment in seconds to the token expiration', default: 0 }),
      },
      synopsis: 'Renew a token by its accessor.',
      operations: {
        update: async (_req, d) => {
          const accessor = d.accessor ?? '';
          if (accessor === '') throw new UserError('missing accessor');
          const entry = await store.lookupByAccessor(accessor);
          if (!entry) throw new UserError('invalid accessor');
          return renewResponse(entry, '', d.increment);
        },
      },
    }),
    definePath({
      pattern: 'revoke',
      fields: { token: f.string({ description: 'Token to revoke (request body)' }) },
      synopsis: 'Revoke a token and all its children.',
      operations: {
        update: async (_req, d) => {
          const token = d.token ?? '';
          if (token === '') throw new UserError('missing token ID');
          const entry = await store.lookup(token);
          if (!entry) return null;
          if (entry.type === 'batch') throw new UserError('batch tokens cannot be revoked');
          await store.revokeTree(entry);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'revoke-self',
      fields: {},
      synopsis: 'Revoke the calling token and all its children.',
      operations: {
        update: async (req) => {
          const caller = await callerEntry(req);
          if (!caller) return null;
          if (caller.entry.type === 'batch') throw new UserError('batch tokens cannot be revoked');
          await store.revokeTree(caller.entry);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'revoke-accessor',
      fields: { accessor: f.string({ description: 'Accessor of the token (request body)' }) },
      synopsis: 'Revoke a token and its children by the token accessor.',
      operations: {
        update: async (_req, d) => {
          const accessor = d.accessor ?? '';
          if (accessor === '') throw new UserError('missing accessor');
          const tainted = await store.lookupByAccessor(accessor, { tainted: true });
          if (!tainted) return { warnings: ['No token found with this accessor'] };
          const entry = await store.lookupByHash(tainted.hash);
          if (!entry) throw new UserError('token not found');
          await store.revokeTree(entry);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'revoke-orphan',
      fields: { token: f.string({ description: 'Token to revoke (request body)' }) },
      synopsis: 'Revoke a token, leaving its children as orphans (root or sudo).',
      operations: {
        update: async (req, d) => {
          const token = d.token ?? '';
          if (token === '') throw new UserError('missing token ID');
          if (!(await deps.callerHasSudo(req.id, fullPath(req)))) {
            throw new UserError('root or sudo privileges required to revoke and orphan');
          }
          const entry = await store.lookup(token);
          if (!entry) throw new UserError('token to revoke not found');
          if (entry.type === 'batch') throw new UserError('batch tokens cannot be revoked');
          await store.revokeOrphan(entry);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'roles/?',
      fields: {},
      synopsis: 'List token roles.',
      operations: { list: async () => ({ data: { keys: await store.listRoles() } }) },
    }),
    definePath({
      pattern: `roles/(?<role_name>${NAME})`,
      fields: roleFields,
      synopsis: 'Create, read, update or delete a token role.',
      existenceCheck: async (_req, d) => (await store.getRole(d.role_name)) !== null,
      operations: {
        read: async (_req, d) => {
          const role = await store.getRole(d.role_name);
          return role ? { data: renderRole(role) } : null;
        },
        create: (req, d) => writeRole(req, d),
        update: (req, d) => writeRole(req, d),
        delete: async (_req, d) => {
          await store.deleteRole(d.role_name);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'tidy',
      fields: {},
      synopsis: 'Clean up dangling token indexes and expired tokens.',
      operations: {
        update: async () => {
          if (tidyInFlight) return { warnings: ['Tidy operation already in progress.'] };
          tidyInFlight = true;
          store
            .tidy()
            .then((report) => {
              for (const e of report.errors) deps.onError?.(new Error(e), 'token tidy');
            })
            .catch((err: unknown) => deps.onError?.(err, 'token tidy'))
            .finally(() => {
              tidyInFlight = false;
            });
          return { warnings: [TIDY_STARTED], httpStatus: 202 };
        },
      },
    }),
    definePath({
      pattern: 'accessors/?',
      fields: {},
      synopsis: 'List token accessors (root or sudo).',
      operations: {
        list: async (req) => {
          if (!(await deps.callerHasSudo(req.id, fullPath(req)))) throw new PermissionDeniedError();
          return { data: { keys: await store.listAccessors() } };
        },
      },
    }),
  ];

  async function lookupHandler(req: LogicalRequest, d: { readonly token: string | undefined }): Promise<LogicalResponse> {
    const given = d.token ?? '';
    if (given === '') {
      // No token in the request: Vault looks up the caller's own.
      const caller = await callerEntry(req);
      if (!caller) throw new UserError('missing token ID');
      return lookupResponse(caller.entry, caller.token);
    }
    return lookupResponse(await store.lookup(given, { tainted: true }), given);
  }

  async function lookupSelf(req: LogicalRequest): Promise<LogicalResponse> {
    const caller = await callerEntry(req);
    if (!caller) throw new UserError('missing token ID');
    return lookupResponse(caller.entry, caller.token);
  }

  return defineBackend({
    kind: 'credential',
    help: 'The token credential backend: create, look up, renew and revoke tokens, and manage token roles.',
    specialPaths: {
      // Vault's PathsSpecial.Root for the token store; create's sudo needs are checked in
      // the handler because they depend on the request body.
      root: ['revoke-orphan/*', 'accessors*'],
    },
    paths,
  });
}
