/** Flags the `token` commands share. */
import type { FlagSpec } from './flags.js';

export const ACCESSOR_FLAG: FlagSpec = {
  name: 'accessor',
  kind: 'bool',
  usage: 'Treat the argument as an accessor instead of a token.',
};
