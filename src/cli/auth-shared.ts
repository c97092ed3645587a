/** Flags `auth enable` and `auth tune` share (the rest come from `secrets-shared.ts`). */
import type { FlagSpec } from './flags.js';

export function authTtlFlag(name: 'default-lease-ttl' | 'max-lease-ttl', tune: boolean): FlagSpec {
  const what = name === 'default-lease-ttl' ? 'default' : 'maximum';
  return {
    name,
    kind: 'duration',
    example: 'duration',
    usage: `The ${what} lease TTL for this auth method. If unspecified, this defaults to the server's globally configured ${what} lease TTL${tune ? ', or a previously configured value for the auth method' : ''}.`,
  };
}

export const TOKEN_TYPE_FLAG: FlagSpec = {
  name: 'token-type',
  kind: 'string',
  example: 'string',
  usage: 'Sets a forced token type for the mount: "default-service", "default-batch", "service" or "batch".',
};

export const AUTH_VERSION_FLAG: FlagSpec = {
  name: 'version',
  kind: 'int',
  example: 'int',
  usage: 'Select the version of the auth method to run. Not supported by all auth methods.',
};
