/**
 * `auth/<mount>/config`: where the cluster is and how to talk to it. A write replaces the
 * whole configuration (Vault's `pathConfigWrite`); a read never returns the reviewer JWT.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, getJson, putJson, type PathSpec, type Storage } from '../../sdk/index.js';
import { parseJwt, parsePublicKeyPem } from './jwt.js';

export const CONFIG_KEY = 'config';

export interface KubeAuthConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  token_reviewer_jwt: string;
  pem_keys: string[];
  issuer: string;
  disable_iss_validation: boolean;
  disable_local_ca_jwt: boolean;
  /**
   * Coffer extension: validate login JWTs locally (signature against `pem_keys`, else the
   * cluster's published JWKS at /openid/v1/jwks; expiry, audience, issuer) and skip the
   * TokenReview call. Faster and works without reviewer RBAC, but a deleted ServiceAccount's
   * unexpired token still logs in — keep projected token lifetimes short.
   */
  local_token_validation?: boolean;
}

export async function loadConfig(storage: Pick<Storage, 'get'>): Promise<KubeAuthConfig | null> {
  return getJson<KubeAuthConfig>(storage, CONFIG_KEY);
}

const configFields = {
  kubernetes_host: f.string({ description: 'Host must be a host string, a host:port pair, or a URL to the base of the Kubernetes API server.' }),
  kubernetes_ca_cert: f.string({ description: 'PEM encoded CA cert for use by the TLS client used to talk with the Kubernetes API.' }),
  token_reviewer_jwt: f.string({
    description:
      'A service account JWT used to access the TokenReview API to validate other JWTs during login. If not set, the local service account token is used when running in a pod, else the JWT submitted in the login payload.',
  }),
  pem_keys: f.commaStringSlice({
    description: 'Optional list of PEM-formatted public keys or certificates used to verify the signatures of Kubernetes service account JWTs.',
  }),
  issuer: f.string({ description: 'Deprecated: optional JWT issuer, checked only when disable_iss_validation is false.' }),
  disable_iss_validation: f.bool({ description: 'Deprecated: disable JWT issuer validation.', default: true }),
  disable_local_ca_jwt: f.bool({
    description: 'Disable defaulting to the local CA cert and service account JWT when running in a Kubernetes pod.',
    default: false,
  }),
  local_token_validation: f.bool({
    description:
      'Validate login JWTs locally (pem_keys, else the cluster JWKS at /openid/v1/jwks) instead of calling TokenReview. A deleted ServiceAccount is then not detected until its token expires.',
    default: false,
  }),
};

export function pathConfig(): PathSpec<typeof configFields> {
  return definePath({
    pattern: 'config',
    fields: configFields,
    synopsis: 'Configures the JWT public keys and the Kubernetes API information.',
    description:
      'The Kubernetes auth method validates service account JWTs and verifies their existence with the Kubernetes TokenReview API. This endpoint configures the public keys used to validate the JWT signature and the information needed to reach the Kubernetes API.',
    operations: {
      async read(req) {
        const config = await loadConfig(req.storage);
        if (!config) return null;
        return {
          data: {
            kubernetes_host: config.kubernetes_host,
            kubernetes_ca_cert: config.kubernetes_ca_cert,
            pem_keys: [...config.pem_keys],
            issuer: config.issuer,
            disable_iss_validation: config.disable_iss_validation,
            disable_local_ca_jwt: config.disable_local_ca_jwt,
            local_token_validation: config.local_token_validation ?? false,
          },
        };
      },
      async update(req, fields) {
        const host = (fields.kubernetes_host ?? '').trim();
        if (host === '') throw new UserError('no host provided');
        const reviewer = (fields.token_reviewer_jwt ?? '').trim();
        if (reviewer !== '') {
          // Only its shape: the signature may be from a key we do not have.
          try {
            parseJwt(reviewer);
          } catch (err) {
            throw new UserError(`token_reviewer_jwt is not a JWT: ${(err as Error).message}`);
          }
        }
        const pemKeys = (fields.pem_keys ?? []).filter((p) => p.trim() !== '');
        for (const pem of pemKeys) {
          try {
            parsePublicKeyPem(pem);
          } catch (err) {
            throw new UserError((err as Error).message);
          }
        }
        const config: KubeAuthConfig = {
          kubernetes_host: host,
          kubernetes_ca_cert: fields.kubernetes_ca_cert ?? '',
          token_reviewer_jwt: reviewer,
          pem_keys: pemKeys,
          issuer: fields.issuer ?? '',
          disable_iss_validation: fields.disable_iss_validation,
          disable_local_ca_jwt: fields.disable_local_ca_jwt,
          local_token_validation: fields.local_token_validation,
        };
        await putJson(req.storage, CONFIG_KEY, config);
        return null;
      },
    },
  });
}
