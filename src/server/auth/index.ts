/** The auth methods a server can enable, by type name (mounted under `auth/`). */
import type { BackendFactory } from '../sdk/index.js';
import { approleFactory } from './approle/index.js';
import { jwtFactory } from './jwt/index.js';
import { kubernetesFactory } from './kubernetes/index.js';
import { userpassFactory } from './userpass/index.js';

export const builtinAuthMethods = {
  userpass: userpassFactory,
  approle: approleFactory,
  kubernetes: kubernetesFactory,
  // One backend serves both, as Vault's jwt plugin does.
  jwt: jwtFactory,
  oidc: jwtFactory,
} satisfies Record<string, BackendFactory>;
