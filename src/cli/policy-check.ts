/**
 * `policy fmt` validates a policy with the server's own parser (src/shared/policy), so the
 * CLI and the server accept exactly the same policies with the same messages.
 */
import { UserError } from '../shared/errors.js';
import { parsePolicy } from '../shared/policy/index.js';

export class PolicyError extends UserError {}

/** Throws `PolicyError` when `text` is not a policy the server accepts. */
export function checkPolicy(text: string): void {
  try {
    parsePolicy('policy', text);
  } catch (err) {
    if (err instanceof UserError) throw new PolicyError(err.message);
    throw err;
  }
}
