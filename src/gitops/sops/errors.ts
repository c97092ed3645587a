/**
 * SOPS errors. All are user-facing (`UserError`): they name what is wrong and which key
 * sources were tried, never a data key, identity or plaintext value.
 */
import { UserError } from '../../shared/index.js';

export class SopsError extends UserError {}

/** The MAC stored in the file does not match the values (sops's `MacMismatch`). */
export class MacMismatchError extends SopsError {
  constructor(detail?: string) {
    super(detail === undefined ? 'MAC mismatch' : `MAC mismatch: ${detail}`);
  }
}

/** The input has no top-level `sops` metadata (sops's `MetadataNotFound`). */
export class MetadataNotFoundError extends SopsError {
  constructor() {
    super('sops metadata not found');
  }
}

/** No key source could unwrap the data key; `details` lists each source and why. */
export class DataKeyError extends SopsError {}
