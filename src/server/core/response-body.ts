/**
 * Vault's standard response body (every key present, nulls written out). The HTTP layer
 * sends it; response wrapping stores it, so an unwrapped response is byte-for-byte what
 * the client would have received directly.
 */
import type { LogicalResponse } from '../sdk/index.js';

export interface ResponseBody {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, unknown> | null;
  wrap_info: null;
  warnings: string[] | null;
  auth: Record<string, unknown> | null;
  mount_type: string;
  [key: string]: unknown;
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
