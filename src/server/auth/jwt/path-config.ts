/**
 * `config` — how the mount validates tokens: exactly one key source (OIDC discovery, a
 * JWKS URL or static PEM keys), plus the OIDC client used by the browser flow. Writes
 * replace the whole configuration and check that the source is usable, as Vault does.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, putJson, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { CONFIG_KEY, normalizeConfig, type JwtBackendState, type JwtConfig } from './context.js';
import { HttpError } from './http.js';
import { fetchDiscovery, parseCaPem, parsePublicKeyPem, RemoteKeySet, SUPPORTED_ALGS } from './keys.js';

export const configFields = {
  oidc_discovery_url: f.string({
    description: 'OIDC Discovery URL, without any .well-known component (base path). Cannot be used with "jwks_url" or "jwt_validation_pubkeys".',
  }),
  oidc_discovery_ca_pem: f.string({
    description: 'The CA certificate or chain of certificates, in PEM format, to use to validate connections to the OIDC Discovery URL. If not set, system certificates are used.',
  }),
  oidc_client_id: f.string({ description: 'The OAuth Client ID configured with your OIDC provider.' }),
  oidc_client_secret: f.string({ description: 'The OAuth Client Secret configured with your OIDC provider.' }),
  oidc_response_mode: f.string({ description: "The response mode to be used in the OAuth2 request. Allowed values are 'query' and 'form_post'." }),
  oidc_response_types: f.commaStringSlice({
    description: "The response types to request. Allowed values are 'code' and 'id_token'. Defaults to 'code'.",
  }),
  jwks_url: f.string({ description: 'JWKS URL to use to authenticate signatures. Cannot be used with "oidc_discovery_url" or "jwt_validation_pubkeys".' }),
  jwks_ca_pem: f.string({
    description: 'The CA certificate or chain of certificates, in PEM format, to use to validate connections to the JWKS URL. If not set, system certificates are used.',
  }),
  jwt_validation_pubkeys: f.commaStringSlice({
    description: 'A list of PEM-encoded public keys to use to authenticate signatures locally. Cannot be used with "jwks_url" or "oidc_discovery_url".',
  }),
  jwt_supported_algs: f.commaStringSlice({ description: 'A list of supported signing algorithms. Defaults to RS256.' }),
  bound_issuer: f.string({ description: "The value against which to match the 'iss' claim in a JWT. Optional." }),
  default_role: f.lowercaseString({
    description: 'The default role to use if none is provided during login. If not set, a role is required during login.',
  }),
  namespace_in_state: f.bool({
    description: 'Pass namespace in the OIDC state parameter instead of as a separate query parameter. Accepted for compatibility; namespaces are not used.',
  }),
};

type ConfigFields = FieldValues<typeof configFields>;

/** What `GET config` shows: everything but the client secret. */
export function renderConfig(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: config.oidc_discovery_url,
    oidc_discovery_ca_pem: config.oidc_discovery_ca_pem,
    oidc_client_id: config.oidc_client_id,
    oidc_response_mode: config.oidc_response_mode,
    oidc_response_types: [...config.oidc_response_types],
    default_role: config.default_role,
    jwt_validation_pubkeys: [...config.jwt_validation_pubkeys],
    jwt_supported_algs: [...config.jwt_supported_algs],
    jwks_url: config.jwks_url,
    jwks_ca_pem: config.jwks_ca_pem,
    bound_issuer: config.bound_issuer,
    namespace_in_state: config.namespace_in_state,
  };
}

/** A 400 whose first message is Vault's; the reason, when known, follows as a second entry. */
function checkFailed(message: string, err: unknown): UserError {
  const reason = err instanceof HttpError || (err instanceof Error && err.message.startsWith('could not parse')) ? err.message : undefined;
  return new UserError(message, reason !== undefined ? { details: [reason] } : undefined);
}

async function validateSource(state: JwtBackendState, config: JwtConfig): Promise<void> {
  const methods = [config.oidc_discovery_url !== '', config.jwt_validation_pubkeys.length > 0, config.jwks_url !== ''].filter(Boolean).length;
  if (methods !== 1) throw new UserError("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  if ((config.oidc_client_id !== '') !== (config.oidc_client_secret !== '')) {
    throw new UserError("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  }
  const timeoutMs = state.options.httpTimeoutMs;
  if (config.oidc_discovery_url !== '') {
    try {
      const ca = config.oidc_discovery_ca_pem !== '' ? parseCaPem(config.oidc_discovery_ca_pem) : undefined;
      const provider = await fetchDiscovery(config.oidc_discovery_url, { ...(ca !== undefined ? { ca } : {}), timeoutMs });
      if (config.oidc_client_id !== '' && (provider.authorization_endpoint === undefined || provider.token_endpoint === undefined)) {
        throw new HttpError('discovery document has no authorization_endpoint or token_endpoint');
      }
    } catch (err) {
      throw checkFailed('error checking oidc discovery URL', err);
    }
    return;
  }
  if (config.oidc_client_id !== '') throw new UserError("'oidc_discovery_url' must be set for OIDC");
  if (config.jwks_url !== '') {
    let ca: string | undefined;
    try {
      ca = config.jwks_ca_pem !== '' ? parseCaPem(config.jwks_ca_pem) : undefined;
    } catch (err) {
      throw checkFailed('error checking jwks_ca_pem', err);
    }
    try {
      await new RemoteKeySet(config.jwks_url, { ...(ca !== undefined ? { ca } : {}), timeoutMs }).refresh();
    } catch (err) {
      throw checkFailed(`error checking jwks URL ${config.jwks_url}`, err);
    }
    return;
  }
  for (const pem of config.jwt_validation_pubkeys) {
    try {
      parsePublicKeyPem(pem);
    } catch (err) {
      throw new UserError(`error parsing public key: ${err instanceof Error ? err.message : 'invalid key'}`);
    }
  }
}

function validateOptions(config: JwtConfig): void {
  for (const alg of config.jwt_supported_algs) {
    if (!(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
      throw new UserError(`invalid jwt_supported_algs: unsupported signing algorithm "${alg}"`);
    }
  }
  if (!config.oidc_response_types.every((t) => t === 'code' || t === 'id_token')) {
    throw new UserError(`invalid response_types [${config.oidc_response_types.join(' ')}]. 'code' and 'id_token' are allowed`);
  }
  const hasIdToken = config.oidc_response_types.includes('id_token');
  switch (config.oidc_response_mode) {
    case '':
    case 'query':
      if (hasIdToken) throw new UserError('query response_mode may not be used with an id_token response_type');
      break;
    case 'form_post':
      break;
    default:
      throw new UserError(`invalid response_mode: ${JSON.stringify(config.oidc_response_mode)}`);
  }
}

async function writeConfig(state: JwtBackendState, req: LogicalRequest, fields: ConfigFields): Promise<LogicalResponse | null> {
  const existing = await state.getConfig(req.storage);
  const config = normalizeConfig({
    oidc_discovery_url: fields.oidc_discovery_url ?? '',
    oidc_discovery_ca_pem: fields.oidc_discovery_ca_pem ?? '',
    oidc_client_id: fields.oidc_client_id ?? '',
    oidc_client_secret: fields.oidc_client_secret ?? '',
    oidc_response_mode: fields.oidc_response_mode ?? '',
    oidc_response_types: (fields.oidc_response_types ?? []).filter((t) => t !== ''),
    jwks_url: fields.jwks_url ?? '',
    jwks_ca_pem: fields.jwks_ca_pem ?? '',
    jwt_validation_pubkeys: (fields.jwt_validation_pubkeys ?? []).filter((k) => k !== ''),
    jwt_supported_algs: (fields.jwt_supported_algs ?? []).filter((a) => a !== ''),
    bound_issuer: fields.bound_issuer ?? '',
    default_role: fields.default_role ?? '',
    // New configurations default to true; an update keeps the stored value.
    namespace_in_state: fields.namespace_in_state ?? existing?.namespace_in_state ?? true,
  });
  await validateSource(state, config);
  validateOptions(config);
  await putJson(req.storage, CONFIG_KEY, config);
  state.reset();
  state.requests.clear();
  return null;
}

export function pathConfig(state: JwtBackendState): PathSpec<typeof configFields> {
  return definePath({
    pattern: 'config',
    fields: configFields,
    operations: {
      read: {
        handler: async (req) => {
          const config = await state.getConfig(req.storage);
          return config ? { data: renderConfig(config) } : null;
        },
        summary: 'Read the current JWT authentication backend configuration.',
      },
      update: {
        handler: (req, fields) => writeConfig(state, req, fields),
        summary: 'Configure the JWT authentication backend.',
      },
    },
    synopsis: 'Configures the JWT authentication backend.',
    description: `The JWT authentication backend validates JWTs (or OIDC) using the configured
credentials. If using OIDC Discovery, the URL must be provided, along
with (optionally) the CA cert to use for the connection. If performing JWT
validation locally, a set of public keys must be provided.`,
  });
}
