/** State shared by the paths of one transit mount. */
import { UserError } from '../../../shared/errors.js';
import { decodeStd } from './b64.js';
import type { KeyStore } from './key-store.js';

export interface TransitContext {
  readonly store: KeyStore;
  /** Epoch milliseconds (tests pin it to drive auto-rotation). */
  now(): number;
}

/** Vault's `framework.GenericNameRegex`: key names in paths. */
export const NAME = String.raw`\w(?:[\w\-.@]*\w)?`;

/** Base64 context of read-type endpoints; Vault's message for a bad one. */
export function decodeContext(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return decodeStd(raw);
  } catch {
    throw new UserError('failed to base64-decode context');
  }
}
