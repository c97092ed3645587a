/** The secrets engines a server can mount, by type name. */
import type { BackendFactory } from '../sdk/index.js';
import { kvFactory } from './kv/index.js';
import { totpFactory } from './totp/index.js';

export const builtinSecretEngines = {
  kv: kvFactory,
  totp: totpFactory,
} satisfies Record<string, BackendFactory>;
