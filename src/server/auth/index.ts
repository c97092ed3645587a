/** The auth methods a server can enable, by type name (mounted under `auth/`). */
import type { BackendFactory } from '../sdk/index.js';
import { userpassFactory } from './userpass/index.js';

export const builtinAuthMethods = {
  userpass: userpassFactory,
} satisfies Record<string, BackendFactory>;
