/**
 * Vault's standard response body (every key present, nulls written out). The HTTP layer
 * sends it; response wrapping stores it, so an unwrapped response is byte-for-byte what
 * the client would have received directly.
 */
import type { LogicalResponse } from '../sdk/index.js';
import type { WrappedResponse } from '../wrapping/index.js';

/** What wrapping stores is exactly this body; the core always knows the mount type. */
export interface ResponseBody extends WrappedResponse {
  mount_type: string;
}

export function envelopeBody(requestId: string, response: LogicalResponse, mountType: string): ResponseBody {
  const hasWarnings = (response.warnings?.length ?? 0) > 0;
  return {
    request_id: requestId,
    lease_id: response.leaseId ?? '',
    renewable: response.renewable ?? false,
    lease_duration: response.leaseDuration ?? 0,
    data: response.data ?? null,
    wrap_info: null,
    warnings: hasWarnings && response.warnings ? response.warnings : null,
    auth: response.auth ? { ...response.auth } : null,
    mount_type: mountType,
  };
}
