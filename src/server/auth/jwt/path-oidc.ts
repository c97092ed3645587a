/**
 * The OIDC browser flow (the plugin's `path_oidc.go`, authorization-code flow with PKCE):
 *
 * 1. `POST oidc/auth_url {role, redirect_uri, client_nonce}` checks the redirect URI against
 *    the role and answers with the provider's authorization URL; the state, nonce and PKCE
 *    verifier stay on the server, in memory, for a few minutes.
 * 2. The provider sends the browser back to the redirect URI, whose page calls
 *    `GET oidc/callback?state&code` (plus `client_nonce` when one was given). The code is
 *    exchanged at the token endpoint with the client credentials, the ID token is verified
 *    (signature, iss, aud = client_id, nonce, exp…), and the login completes as `login`
 *    does. Each state can be used once.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { ClaimsError, parseClaims, validateIdTokenClaims, type Claims } from './claims.js';
import { authType, type JwtBackendState, type JwtConfig, type OidcRequest } from './context.js';
import { httpFetch, HttpError, parseJsonObject } from './http.js';
import { DEFAULT_OIDC_ALGS, SignatureError, type ProviderMetadata } from './keys.js';
import { checkBoundCidrs, completeLogin } from './path-login.js';
import { readRole } from './path-role.js';

// Prefixes the Vault UI looks for.
export const ERR_LOGIN_FAILED = 'Vault login failed.';
export const ERR_TOKEN_VERIFICATION = 'Token verification failed.';
export const ERR_NOT_OIDC_FLOW = 'OIDC login is not configured for this mount';

export const authUrlFields = {
  role: f.lowercaseString({ description: 'The role to issue an OIDC authorization URL against.' }),
  redirect_uri: f.string({ description: 'The OAuth redirect_uri to use in the authorization URL.' }),
  client_nonce: f.string({ description: 'Client-provided nonce that must match during callback, if present.' }),
};

export const callbackFields = {
  state: f.string({ description: 'The state returned by the provider.', query: true }),
  code: f.string({ description: 'The authorization code returned by the provider.', query: true }),
  id_token: f.string({ description: 'Not used: only the authorization-code flow is supported.' }),
  client_nonce: f.string({ description: 'The client_nonce given to oidc/auth_url, if any.', query: true }),
  error_description: f.string({ description: 'An error reported by the provider.', query: true }),
};

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host);
  // Not guaranteed to be loopback, but this is how the plugin has always behaved.
  return host === 'localhost';
}

function withoutPort(url: URL): string {
  return `${url.protocol}//${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${url.hostname}${url.pathname}${url.search}${url.hash}`;
}

/**
 * Vault's `validRedirect`: a case-insensitive exact match, except that loopback redirect
 * URIs match whatever their port (RFC 8252 §7.3).
 */
export function validRedirect(uri: string, allowed: readonly string[]): boolean {
  let input: URL;
  try {
    input = new URL(uri);
  } catch {
    return false;
  }
  if (!isLoopbackHost(input.hostname)) return allowed.some((a) => a.toLowerCase() === uri.toLowerCase());
  const want = withoutPort(input);
  return allowed.some((a) => {
    try {
      return withoutPort(new URL(a)) === want;
    } catch {
      return false;
    }
  });
}

function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function buildAuthUrl(provider: ProviderMetadata, config: JwtConfig, scopes: readonly string[], maxAge: number, request: OidcRequest): string {
  const params: Record<string, string> = {
    client_id: config.oidc_client_id,
    code_challenge: pkceChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
    nonce: request.nonce,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: ['openid', ...scopes.filter((s) => s !== 'openid')].join(' '),
    state: request.state,
  };
  if (maxAge > 0) params['max_age'] = String(maxAge);
  const query = new URLSearchParams(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).toString();
  const endpoint = provider.authorization_endpoint ?? '';
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
}

type AuthUrlFields = FieldValues<typeof authUrlFields>;
type CallbackFields = FieldValues<typeof callbackFields>;

/**
 * Unauthenticated: invalid redirect URIs and unusable roles get an empty `auth_url`
 * rather than a descriptive error, as in Vault.
 */
async function authUrl(state: JwtBackendState, req: LogicalRequest, fields: AuthUrlFields): Promise<LogicalResponse> {
  const empty: LogicalResponse = { data: { auth_url: '' } };
  const config = await state.getConfig(req.storage);
  if (!config) throw new UserError('could not load configuration');
  if (authType(config) !== 'oidc-flow') throw new UserError(ERR_NOT_OIDC_FLOW);
  const roleName = fields.role || config.default_role;
  if (!roleName) throw new UserError('missing role');
  const role = await readRole(req.storage, roleName);
  if (!role) throw new UserError(`role "${roleName}" could not be found`);
  const redirectUri = fields.redirect_uri ?? '';
  if (redirectUri === '') throw new UserError('missing redirect_uri');
  if (role.role_type !== 'oidc') return empty;
  if (!validRedirect(redirectUri, role.allowed_redirect_uris)) return empty;
  let provider: ProviderMetadata;
  try {
    provider = await state.provider(config);
  } catch {
    return empty;
  }
  if (provider.authorization_endpoint === undefined) return empty;
  const request = state.requests.create({ role: roleName, redirectUri, clientNonce: fields.client_nonce ?? '' });
  return { data: { auth_url: buildAuthUrl(provider, config, role.oidc_scopes, role.max_age, request) } };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function exchangeFailed(reason: string): UserError {
  return new UserError(`${ERR_LOGIN_FAILED} Error exchanging oidc code: ${JSON.stringify(reason)}.`);
}

/**
 * Redeems the authorization code (RFC 6749 §4.1.3) with the PKCE verifier. The client
 * authenticates with HTTP Basic first and falls back to credentials in the body when the
 * provider refuses that (golang.org/x/oauth2's auto-detection).
 */
async function exchangeCode(state: JwtBackendState, config: JwtConfig, provider: ProviderMetadata, request: OidcRequest, code: string): Promise<Claims> {
  const endpoint = provider.token_endpoint;
  if (endpoint === undefined) throw exchangeFailed('the provider has no token endpoint');
  const base = { grant_type: 'authorization_code', code, redirect_uri: request.redirectUri, code_verifier: request.codeVerifier };
  const http = { method: 'POST' as const, timeoutMs: state.options.httpTimeoutMs, ...(config.oidc_discovery_ca_pem !== '' ? { ca: config.oidc_discovery_ca_pem } : {}) };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const send = async (inBody: boolean) =>
    httpFetch(endpoint, {
      ...http,
      headers: inBody
        ? form
        : { ...form, authorization: `Basic ${Buffer.from(`${formEncode(config.oidc_client_id)}:${formEncode(config.oidc_client_secret)}`).toString('base64')}` },
      body: new URLSearchParams(inBody ? { ...base, client_id: config.oidc_client_id, client_secret: config.oidc_client_secret } : base).toString(),
    });
  let resp;
  try {
    resp = await send(false);
    if (resp.status === 401 || (resp.status === 400 && errorCode(resp.body) === 'invalid_client')) resp = await send(true);
  } catch (err) {
    throw exchangeFailed(err instanceof HttpError ? err.message : 'request failed');
  }
  if (resp.status < 200 || resp.status > 299) {
    const code = errorCode(resp.body);
    throw exchangeFailed(`oauth2: cannot fetch token: status ${resp.status}${code ? `: ${code}` : ''}`);
  }
  try {
    return parseJsonObject(resp.body);
  } catch (err) {
    throw exchangeFailed(err instanceof Error ? err.message : 'invalid response');
  }
}

/** The OAuth `error` code of an error response, when it is a plain token (never free text). */
function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as Record<string, unknown>)['error'];
    return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Merges the userinfo endpoint's claims, as Vault does; failures are ignored. */
async function mergeUserInfo(state: JwtBackendState, config: JwtConfig, provider: ProviderMetadata, accessToken: unknown, claims: Claims): Promise<void> {
  if (provider.userinfo_endpoint === undefined || typeof accessToken !== 'string' || accessToken === '') return;
  try {
    const resp = await httpFetch(provider.userinfo_endpoint, {
      headers: { authorization: `Bearer ${accessToken}` },
      timeoutMs: state.options.httpTimeoutMs,
      ...(config.oidc_discovery_ca_pem !== '' ? { ca: config.oidc_discovery_ca_pem } : {}),
    });
    if (resp.status !== 200) return;
    const info = parseJsonObject(resp.body);
    // OIDC Core §5.3.2: the userinfo sub must be the ID token's.
    if (info['sub'] !== claims['sub']) return;
    for (const [k, v] of Object.entries(info)) {
      if (k === 'iss' || k === 'aud' || k === 'nonce') continue;
      claims[k] = v;
    }
  } catch {
    // Vault logs and carries on.
  }
}

async function callback(state: JwtBackendState, req: LogicalRequest, fields: CallbackFields): Promise<LogicalResponse> {
  const config = await state.getConfig(req.storage);
  if (!config) throw new UserError(`${ERR_LOGIN_FAILED} Could not load configuration`);
  const request = state.requests.take(fields.state ?? '');
  if (!request) throw new UserError(`${ERR_LOGIN_FAILED} Expired or missing OAuth state.`);
  const role = await readRole(req.storage, request.role);
  if (!role) throw new UserError(`${ERR_LOGIN_FAILED} Role could not be found`);
  if (fields.error_description) throw new UserError(`${ERR_LOGIN_FAILED} ${fields.error_description.slice(0, 500)}`);
  if (request.clientNonce !== '' && fields.client_nonce !== request.clientNonce) throw new UserError('invalid client_nonce');
  checkBoundCidrs(role, req);
  if (authType(config) !== 'oidc-flow') throw new UserError(`${ERR_LOGIN_FAILED} ${ERR_NOT_OIDC_FLOW}`);
  const code = fields.code ?? '';
  if (code === '') throw new UserError(`${ERR_LOGIN_FAILED} No code or id_token received.`);

  let provider: ProviderMetadata;
  try {
    provider = await state.provider(config);
  } catch (err) {
    throw exchangeFailed(err instanceof HttpError ? `provider discovery failed: ${err.message}` : 'provider discovery failed');
  }
  const tokens = await exchangeCode(state, config, provider, request, code);
  const idToken = tokens['id_token'];
  if (typeof idToken !== 'string' || idToken === '') throw exchangeFailed('id_token is missing from auth code exchange');

  let claims: Claims;
  try {
    const keySet = await state.keySet(config).catch(() => {
      throw new SignatureError('error verifying token signature: unable to load the provider keys');
    });
    const verified = await keySet.verify(idToken, config.jwt_supported_algs.length > 0 ? config.jwt_supported_algs : DEFAULT_OIDC_ALGS);
    claims = parseClaims(verified.payload);
    validateIdTokenClaims(claims, {
      issuer: provider.issuer,
      clientId: config.oidc_client_id,
      audiences: role.bound_audiences,
      nonce: request.nonce,
      maxAge: role.max_age,
      clockSkewLeeway: role.clock_skew_leeway,
      now: Math.floor(state.options.now() / 1000),
    });
  } catch (err) {
    if (err instanceof ClaimsError && err.message === 'invalid ID token nonce.') throw new UserError(`${ERR_LOGIN_FAILED} ${err.message}`);
    if (err instanceof SignatureError || err instanceof ClaimsError) throw new UserError(`${ERR_TOKEN_VERIFICATION} ${err.message}`);
    throw err;
  }
  delete claims['nonce'];
  if (role.bound_subject !== '' && claims['sub'] !== role.bound_subject) {
    throw new UserError(`${ERR_LOGIN_FAILED} sub claim does not match bound subject`);
  }
  await mergeUserInfo(state, config, provider, tokens['access_token'], claims);
  return completeLogin(request.role, role, claims, `${ERR_LOGIN_FAILED} `);
}

export function pathsOidc(state: JwtBackendState): PathSpec<any>[] {
  return [
    definePath({
      pattern: 'oidc/auth_url',
      fields: authUrlFields,
      operations: {
        update: { handler: (req, fields) => authUrl(state, req, fields), summary: 'Request an authorization URL to start an OIDC login flow.' },
      },
      synopsis: 'Request an authorization URL to start an OIDC login flow.',
    }),
    definePath({
      pattern: 'oidc/callback',
      fields: callbackFields,
      operations: {
        read: { handler: (req, fields) => callback(state, req, fields), summary: 'Callback endpoint to complete an OIDC login.' },
      },
      synopsis: 'Callback endpoint to complete an OIDC login.',
    }),
  ];
}
