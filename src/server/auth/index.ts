/** The auth methods a server can enable, by type name (mounted under `auth/`). */
import type { Logger } from '../../shared/logger.js';
import type { BackendFactory } from '../sdk/index.js';
import { approleFactory } from './approle/index.js';
import { jwtFactory } from './jwt/index.js';
import { createKubernetesFactory, kubernetesFactory } from './kubernetes/index.js';
import { userpassFactory } from './userpass/index.js';

export const builtinAuthMethods = {
  userpass: userpassFactory,
  approle: approleFactory,
  kubernetes: kubernetesFactory,
  // One backend serves both, as Vault's jwt plugin does.
  jwt: jwtFactory,
  oidc: jwtFactory,
} satisfies Record<string, BackendFactory>;

/** The same methods, with the server's logger for those that log refusal reasons. */
export function createAuthMethods(logger: Logger): Record<string, BackendFactory> {
  return { ...builtinAuthMethods, kubernetes: createKubernetesFactory({ logger: logger.child({ component: 'auth/kubernetes' }) }) };
}
