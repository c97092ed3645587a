/**
 * The `kubernetes` auth method (Vault's vault-plugin-auth-kubernetes): a workload logs in
 * with its ServiceAccount JWT; the method checks it against a role's bindings and asks the
 * cluster's TokenReview API whether it is valid. The core turns the login into a token,
 * an identity alias (the SA uid, or `<ns>/<name>`) and the `auth` block.
 *
 * Paths: `config`, `role/<name>`, `LIST role`, `login` (unauthenticated).
 *
 * Failure policy: unknown role, missing fields → 400; a refused binding, audience, claim,
 * signature or TokenReview → 403 `permission denied` (the reason is logged, never sent);
 * a TokenReview API that is down or answers 5xx → 403 as well (Vault maps every
 * TokenReview error to `ErrPermissionDenied`), logged at warn level. Never fail open.
 */
import { defineBackend, type BackendFactory } from '../../sdk/index.js';
import { nodeKubeFetch, type KubeFetch } from './http.js';
import { pathConfig } from './path-config.js';
import { pathLogin, type KubernetesAuthLogger } from './path-login.js';
import { pathsRole } from './path-role.js';

export type { KubeFetch, KubeRequest, KubeResponse } from './http.js';
export type { KubernetesAuthLogger } from './path-login.js';
export type { KubeAuthConfig } from './path-config.js';
export type { AliasNameSource, RoleEntry } from './path-role.js';
export { globMatch } from './bindings.js';
export { parseNamespaceSelector } from './namespace-selector.js';

/** Where a pod's ServiceAccount token and CA are mounted. */
export const LOCAL_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export const KUBERNETES_HELP = `The Kubernetes Auth Backend allows authentication for Kubernetes service accounts.`;

export interface KubernetesFactoryOptions {
  /** Receives the reason of every refused login (never the JWT). */
  logger?: KubernetesAuthLogger;
  /** How the Kubernetes API is called; default node:https with the configured CA. */
  fetchImpl?: KubeFetch;
  /**
   * The pod ServiceAccount mount used when `token_reviewer_jwt`/`kubernetes_ca_cert` are not
   * configured and `disable_local_ca_jwt` is false. `null` never reads local files.
   */
  localServiceAccountDir?: string | null;
  /** Milliseconds since the epoch (claim validation). */
  now?: () => number;
}

export function createKubernetesFactory(options: KubernetesFactoryOptions = {}): BackendFactory {
  return () => {
    const dir = options.localServiceAccountDir === undefined ? LOCAL_SERVICE_ACCOUNT_DIR : (options.localServiceAccountDir ?? undefined);
    return defineBackend({
      kind: 'credential',
      help: KUBERNETES_HELP,
      specialPaths: { unauthenticated: ['login'] },
      paths: [
        pathConfig(),
        ...pathsRole(),
        pathLogin({
          fetchImpl: options.fetchImpl ?? nodeKubeFetch,
          logger: options.logger,
          localServiceAccountDir: dir,
          now: options.now ?? Date.now,
        }),
      ],
    });
  };
}

export const kubernetesFactory: BackendFactory = createKubernetesFactory();
