/** The secrets engines a server can mount, by type name. */
import type { BackendFactory } from '../sdk/index.js';
import { kvFactory } from './kv/index.js';
import { pkiFactory } from './pki/index.js';
import { totpFactory } from './totp/index.js';
import { transitFactory } from './transit/index.js';

export const builtinSecretEngines = {
  kv: kvFactory,
  pki: pkiFactory,
  totp: totpFactory,
  transit: transitFactory,
} satisfies Record<string, BackendFactory>;
