/**
 * `login` — exchanges a signed JWT for a token (the plugin's `path_login.go`): the role's
 * type and CIDRs, the signature (algorithms per config), the registered claims (cap's
 * validator: iss, sub, aud, exp/nbf/iat with leeways), the bound claims, and then the
 * identity (user_claim → alias, claim_mappings → metadata, groups_claim → group aliases).
 *
 * Refusals are 400s whose messages say which check failed without echoing the token.
 */
import { PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { definePath, f, loginTokenSettings, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import {
  audienceOf,
  ClaimsError,
  createIdentity,
  parseClaims,
  validateBoundClaims,
  validateRegisteredClaims,
  type Claims,
} from './claims.js';
import { remoteAddrAllowed } from '../../../shared/cidr.js';
import type { JwtBackendState, JwtConfig } from './context.js';
import { SignatureError, SUPPORTED_ALGS } from './keys.js';
import { readRole, type JwtRole } from './path-role.js';

export const loginFields = {
  role: f.lowercaseString({ description: 'The role to log in against.' }),
  jwt: f.string({ description: 'The signed JWT to validate.' }),
};

type LoginFields = FieldValues<typeof loginFields>;

/** The algorithms a login JWT may use: the configured ones, else every supported one. */
export function loginAlgorithms(config: JwtConfig): readonly string[] {
  return config.jwt_supported_algs.length > 0 ? config.jwt_supported_algs : SUPPORTED_ALGS;
}

/** Verifies the signature and registered claims of a login JWT; returns all its claims. */
export async function verifyJwt(state: JwtBackendState, config: JwtConfig, role: JwtRole, token: string): Promise<Claims> {
  let claims: Claims;
  try {
    const keySet = await state.keySet(config).catch(() => {
      throw new SignatureError('error verifying token signature: unable to load the configured keys');
    });
    const verified = await keySet.verify(token, loginAlgorithms(config));
    claims = parseClaims(verified.payload);
    validateRegisteredClaims(claims, {
      issuer: config.bound_issuer,
      subject: role.bound_subject,
      audiences: role.bound_audiences,
      expirationLeeway: role.expiration_leeway,
      notBeforeLeeway: role.not_before_leeway,
      clockSkewLeeway: role.clock_skew_leeway,
      now: Math.floor(state.options.now() / 1000),
    });
  } catch (err) {
    if (err instanceof SignatureError || err instanceof ClaimsError) throw new UserError(`error validating token: ${err.message}`);
    throw err;
  }
  // With no audiences bound to the role, a token carrying any audience is refused.
  const aud = audienceOf(claims) ?? [];
  if (aud.length > 0 && role.bound_audiences.length === 0) {
    throw new UserError('audience claim found in JWT but no audiences bound to the role');
  }
  return claims;
}

/** Bound claims and identity, then the login result the core turns into a token. */
export function completeLogin(roleName: string, role: JwtRole, claims: Claims, prefix = ''): LogicalResponse {
  try {
    validateBoundClaims(role.bound_claims_type, role.bound_claims, claims);
  } catch (err) {
    if (err instanceof ClaimsError) throw new UserError(`${prefix}error validating claims: ${err.message}`);
    throw err;
  }
  let identity;
  try {
    identity = createIdentity(claims, role);
  } catch (err) {
    if (err instanceof ClaimsError) throw new UserError(`${prefix}${err.message}`);
    throw err;
  }
  return {
    login: {
      ...loginTokenSettings(role),
      metadata: { role: roleName, ...identity.metadata },
      displayName: identity.userName,
      alias: { name: identity.userName, metadata: { ...identity.metadata } },
      groupAliases: identity.groups,
    },
  };
}

/** Refuses a login from outside the role's token_bound_cidrs (403, as in Vault). */
export function checkBoundCidrs(role: JwtRole, req: LogicalRequest): void {
  if (!remoteAddrAllowed(role.token_bound_cidrs, req.remoteAddr)) throw new PermissionDeniedError();
}

async function login(state: JwtBackendState, req: LogicalRequest, fields: LoginFields): Promise<LogicalResponse> {
  const config = await state.getConfig(req.storage);
  if (!config) throw new UserError('could not load configuration');
  const roleName = fields.role || config.default_role;
  if (!roleName) throw new UserError('missing role');
  const role = await readRole(req.storage, roleName);
  if (!role) throw new UserError(`role "${roleName}" could not be found`);
  if (role.role_type === 'oidc') throw new UserError('role with oidc role_type is not allowed');
  const token = fields.jwt ?? '';
  if (token === '') throw new UserError('missing token');
  checkBoundCidrs(role, req);
  const claims = await verifyJwt(state, config, role, token);
  return completeLogin(roleName, role, claims);
}

export function pathLogin(state: JwtBackendState): PathSpec<typeof loginFields> {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    operations: {
      update: { handler: (req, fields) => login(state, req, fields), summary: 'Authenticates to Vault using a JWT (or OIDC) token.' },
    },
    synopsis: 'Authenticates to Vault using a JWT (or OIDC) token.',
    description: 'Authenticates JWTs.',
  });
}
