/**
 * `role/:name` and `LIST role` — what a token must look like to log in, and the token it
 * gets (the plugin's `path_role.go`).
 */
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import {
  applyTokenFields,
  DEFAULT_TOKEN_PARAMS,
  definePath,
  f,
  getJson,
  putJson,
  renderTokenParams,
  tokenFields,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
  type PathSpec,
  type Storage,
  type TokenParams,
} from '../../sdk/index.js';
import { DEFAULT_CLOCK_SKEW_LEEWAY, DEFAULT_EXPIRATION_LEEWAY, DEFAULT_NOT_BEFORE_LEEWAY, normalizeList } from './claims.js';
import { parseCidrs } from '../../../shared/cidr.js';

export const ROLE_PREFIX = 'role/';
/** Vault's `framework.GenericNameRegex`. */
export const ROLE_NAME_PATTERN = '\\w(?:(?:[\\w-.]+)?\\w)?';
const RESERVED_METADATA = ['role'];

export interface JwtRole extends TokenParams {
  role_type: 'oidc' | 'jwt';
  user_claim: string;
  user_claim_json_pointer: boolean;
  bound_audiences: string[];
  bound_subject: string;
  bound_claims_type: 'string' | 'glob';
  bound_claims: Record<string, unknown> | null;
  claim_mappings: Record<string, string> | null;
  groups_claim: string;
  clock_skew_leeway: number;
  expiration_leeway: number;
  not_before_leeway: number;
  allowed_redirect_uris: string[];
  oidc_scopes: string[];
  callback_mode: 'client';
  verbose_oidc_logging: boolean;
  max_age: number;
}

export const roleFields = {
  name: f.lowercaseString({ description: 'Name of the role.', required: true }),
  role_type: f.string({ description: "Type of the role, either 'jwt' or 'oidc'." }),
  expiration_leeway: f.durationSecond({
    description: 'Duration in seconds of leeway when validating expiration of a token to account for clock skew. Defaults to 150 (2.5 minutes) if set to 0 and can be disabled if set to -1.',
  }),
  not_before_leeway: f.durationSecond({
    description: 'Duration in seconds of leeway when validating not before values of a token to account for clock skew. Defaults to 150 (2.5 minutes) if set to 0 and can be disabled if set to -1.',
  }),
  clock_skew_leeway: f.durationSecond({
    description: 'Duration in seconds of leeway when validating all claims to account for clock skew. Defaults to 60 (1 minute) if set to 0 and can be disabled if set to -1.',
  }),
  bound_subject: f.string({ description: "The 'sub' claim that is valid for login. Optional." }),
  bound_audiences: f.commaStringSlice({ description: "Comma-separated list of 'aud' claims that are valid for login; any match is sufficient" }),
  bound_claims_type: f.string({
    description: "How to interpret values in the map of claims/values (which must match for login): allowed values are 'string' or 'glob'",
  }),
  bound_claims: f.map({ description: 'Map of claims/values which must match for login' }),
  claim_mappings: f.kvPairs({ description: 'Mappings of claims (key) that will be copied to a metadata field (value)' }),
  user_claim: f.string({ description: 'The claim to use for the Identity entity alias name' }),
  user_claim_json_pointer: f.bool({ description: 'If true, the user_claim value will use JSON pointer syntax for referencing claims.' }),
  groups_claim: f.string({ description: 'The claim to use for the Identity group alias names' }),
  oidc_scopes: f.commaStringSlice({ description: 'Comma-separated list of OIDC scopes' }),
  allowed_redirect_uris: f.commaStringSlice({ description: 'Comma-separated list of allowed values for redirect_uri' }),
  callback_mode: f.string({ description: "OIDC callback mode from Authorization Server: only 'client' is supported." }),
  verbose_oidc_logging: f.bool({
    description: 'Log received OIDC tokens and claims when debug-level logging is active. Not recommended in production since sensitive information may be present in OIDC responses.',
  }),
  max_age: f.durationSecond({
    description: 'Specifies the allowable elapsed time in seconds since the last time the user was actively authenticated.',
  }),
  ...tokenFields(),
};

type RoleFields = FieldValues<typeof roleFields>;

function newRole(): JwtRole {
  return {
    ...DEFAULT_TOKEN_PARAMS,
    token_policies: [],
    token_bound_cidrs: [],
    role_type: 'oidc',
    user_claim: '',
    user_claim_json_pointer: false,
    bound_audiences: [],
    bound_subject: '',
    bound_claims_type: 'string',
    bound_claims: null,
    claim_mappings: null,
    groups_claim: '',
    clock_skew_leeway: DEFAULT_CLOCK_SKEW_LEEWAY,
    expiration_leeway: DEFAULT_EXPIRATION_LEEWAY,
    not_before_leeway: DEFAULT_NOT_BEFORE_LEEWAY,
    allowed_redirect_uris: [],
    oidc_scopes: [],
    callback_mode: 'client',
    verbose_oidc_logging: false,
    max_age: 0,
  };
}

export async function readRole(storage: Storage, name: string): Promise<JwtRole | null> {
  const stored = await getJson<Partial<JwtRole>>(storage, ROLE_PREFIX + name);
  if (!stored) return null;
  // Roles written before role_type existed are jwt roles (as in Vault).
  return { ...newRole(), role_type: 'jwt', ...stored };
}

/** What `GET role/:name` shows. */
export function renderRole(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.role_type,
    expiration_leeway: role.expiration_leeway,
    not_before_leeway: role.not_before_leeway,
    clock_skew_leeway: role.clock_skew_leeway,
    bound_audiences: [...role.bound_audiences],
    bound_subject: role.bound_subject,
    bound_claims_type: role.bound_claims_type,
    bound_claims: role.bound_claims,
    claim_mappings: role.claim_mappings,
    user_claim: role.user_claim,
    user_claim_json_pointer: role.user_claim_json_pointer,
    groups_claim: role.groups_claim,
    allowed_redirect_uris: [...role.allowed_redirect_uris],
    callback_mode: role.callback_mode,
    oidc_scopes: [...role.oidc_scopes],
    verbose_oidc_logging: role.verbose_oidc_logging,
    max_age: role.max_age,
    ...renderTokenParams(role),
  };
}

function validateBoundClaims(type: string, bound: Record<string, unknown>): void {
  for (const value of Object.values(bound)) {
    const list = Array.isArray(value) ? (value as unknown[]) : normalizeList(value) === null ? null : [value];
    if (!list) throw new UserError(`claim is not a string or list: ${JSON.stringify(value)}`);
    for (const item of list) {
      if (type === 'glob' && typeof item !== 'string') throw new UserError(`claim is not a string: ${JSON.stringify(item)}`);
      if (!['string', 'number', 'boolean'].includes(typeof item)) throw new UserError(`claim is not a string or list: ${JSON.stringify(value)}`);
    }
  }
}

function validateClaimMappings(mappings: Record<string, string>): void {
  const targets = new Set<string>();
  for (const target of Object.values(mappings)) {
    if (RESERVED_METADATA.includes(target)) throw new UserError(`metadata key "${target}" is reserved and may not be a mapping destination`);
    if (targets.has(target)) throw new UserError(`multiple keys are mapped to metadata key "${target}"`);
    targets.add(target);
  }
}

async function writeRole(req: LogicalRequest, fields: RoleFields): Promise<LogicalResponse | null> {
  const name = fields.name;
  if (!name) throw new UserError('missing role name');
  const existing = await readRole(req.storage, name);
  const role: JwtRole = existing ?? newRole();

  if (fields.role_type !== undefined && fields.role_type !== '') {
    if (fields.role_type !== 'jwt' && fields.role_type !== 'oidc') throw new UserError(`invalid 'role_type': ${fields.role_type}`);
    role.role_type = fields.role_type;
  }

  Object.assign(role, applyTokenFields(role, fields));
  parseCidrs(role.token_bound_cidrs); // validates; the role keeps them as written
  const mountMax = req.mount.maxLeaseTtl();
  if (role.token_period > mountMax) {
    throw new UserError(
      `'period' of '"${formatDuration(role.token_period)}"' is greater than the backend's maximum lease TTL of '"${formatDuration(mountMax)}"'`,
    );
  }

  if (fields.expiration_leeway !== undefined) role.expiration_leeway = fields.expiration_leeway;
  if (fields.not_before_leeway !== undefined) role.not_before_leeway = fields.not_before_leeway;
  if (fields.clock_skew_leeway !== undefined) role.clock_skew_leeway = fields.clock_skew_leeway;
  if (fields.bound_audiences !== undefined) role.bound_audiences = fields.bound_audiences.filter((a) => a !== '');
  if (fields.bound_subject !== undefined) role.bound_subject = fields.bound_subject;
  if (fields.verbose_oidc_logging !== undefined) role.verbose_oidc_logging = fields.verbose_oidc_logging;
  if (fields.max_age !== undefined) {
    if (fields.max_age < 0) throw new UserError("'max_age' cannot be negative");
    role.max_age = fields.max_age;
  }

  if (fields.bound_claims_type !== undefined && fields.bound_claims_type !== '') {
    if (fields.bound_claims_type !== 'string' && fields.bound_claims_type !== 'glob') {
      throw new UserError(`invalid 'bound_claims_type': ${fields.bound_claims_type}`);
    }
    role.bound_claims_type = fields.bound_claims_type;
  }
  if (fields.bound_claims !== undefined) role.bound_claims = Object.keys(fields.bound_claims).length > 0 ? fields.bound_claims : null;
  if (role.bound_claims) validateBoundClaims(role.bound_claims_type, role.bound_claims);

  if (fields.claim_mappings !== undefined) {
    validateClaimMappings(fields.claim_mappings);
    role.claim_mappings = Object.keys(fields.claim_mappings).length > 0 ? fields.claim_mappings : null;
  }

  if (fields.user_claim !== undefined) role.user_claim = fields.user_claim;
  if (role.user_claim === '') throw new UserError('a user claim must be defined on the role');
  if (fields.user_claim_json_pointer !== undefined) role.user_claim_json_pointer = fields.user_claim_json_pointer;
  if (fields.groups_claim !== undefined) role.groups_claim = fields.groups_claim;
  if (fields.oidc_scopes !== undefined) role.oidc_scopes = fields.oidc_scopes.filter((s) => s !== '');
  if (fields.allowed_redirect_uris !== undefined) role.allowed_redirect_uris = fields.allowed_redirect_uris.filter((u) => u !== '');

  if (fields.callback_mode !== undefined && fields.callback_mode !== '' && fields.callback_mode !== 'client') {
    if (fields.callback_mode === 'direct' || fields.callback_mode === 'device') {
      throw new UserError(`'callback_mode' "${fields.callback_mode}" is not supported; only 'client' is`);
    }
    throw new UserError(`invalid 'callback_mode': ${fields.callback_mode}`);
  }

  if (role.role_type === 'oidc' && role.allowed_redirect_uris.length === 0) {
    throw new UserError("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  // OIDC verification enforces aud = client_id; a jwt role needs at least one binding.
  if (
    role.role_type === 'jwt' &&
    role.bound_audiences.length === 0 &&
    role.token_bound_cidrs.length === 0 &&
    role.bound_subject === '' &&
    (role.bound_claims === null || Object.keys(role.bound_claims).length === 0)
  ) {
    throw new UserError('must have at least one bound constraint when creating/updating a role');
  }

  const warnings: string[] = [];
  if (role.token_max_ttl > mountMax) {
    warnings.push(
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  if (role.verbose_oidc_logging) {
    warnings.push(
      'verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.',
    );
  }
  await putJson(req.storage, ROLE_PREFIX + name, role);
  return warnings.length > 0 ? { warnings } : null;
}

export function pathRoleList(): PathSpec<Record<string, never>> {
  return definePath({
    pattern: 'role/?',
    fields: {},
    operations: {
      list: {
        handler: async (req) => {
          const keys = (await req.storage.list(ROLE_PREFIX)).filter((k) => !k.endsWith('/'));
          return { data: { keys } };
        },
        summary: 'Lists all the roles registered with the backend.',
      },
    },
    synopsis: 'Lists all the roles registered with the backend.',
    description: 'The list will contain the names of the roles.',
  });
}

export function pathRole(): PathSpec<typeof roleFields> {
  return definePath({
    pattern: `role/(?<name>${ROLE_NAME_PATTERN})`,
    fields: roleFields,
    existenceCheck: async (req, fields) => (await readRole(req.storage, fields.name)) !== null,
    operations: {
      read: {
        handler: async (req, fields) => {
          const role = await readRole(req.storage, fields.name);
          return role ? { data: renderRole(role) } : null;
        },
        summary: 'Read an existing role.',
      },
      create: { handler: writeRole, summary: 'Register a role with the backend.' },
      update: { handler: writeRole, summary: 'Register a role with the backend.' },
      delete: {
        handler: async (req, fields) => {
          await req.storage.delete(ROLE_PREFIX + fields.name);
          return null;
        },
        summary: 'Delete an existing role.',
      },
    },
    synopsis: 'Register a role with the backend.',
    description: `A role is required to authenticate with this backend. The role binds
JWT token information with token policies and settings.
The bindings, token polices and token settings can all be configured
using this endpoint`,
  });
}
