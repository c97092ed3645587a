/**
 * Vault's `framework.CalculateTTL` for leases without a period: the requested increment,
 * else the role's default, else the mount's; never past the role's (or the mount's)
 * maximum counted from the lease's issue time.
 */
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';

export interface TtlInput {
  /** Requested seconds (renewals); 0 = none. */
  increment: number;
  /** Role values in seconds; 0 = unset. */
  roleTtl: number;
  roleMaxTtl: number;
  /** The mount's effective TTLs in seconds. */
  mountDefaultTtl: number;
  mountMaxTtl: number;
  nowMs: number;
  /** When the lease was issued (renewals); defaults to now. */
  startMs?: number;
}

export interface TtlResult {
  ttl: number;
  /** The maximum that applied, in seconds from the start. */
  maxTtl: number;
  warnings: string[];
}

export function calculateTtl(input: TtlInput): TtlResult {
  // Vault truncates both instants to the second: TTLs are whole seconds.
  const now = Math.floor(input.nowMs / 1000);
  const start = input.startMs === undefined ? now : Math.floor(input.startMs / 1000);
  let maxTtl = input.mountMaxTtl;
  if (input.roleMaxTtl > 0 && (maxTtl <= 0 || input.roleMaxTtl < maxTtl)) maxTtl = input.roleMaxTtl;
  if (maxTtl <= 0) throw new UserError('max TTL must be greater than zero');

  let ttl: number;
  if (input.increment > 0) ttl = input.increment;
  else if (input.roleTtl > 0) ttl = input.roleTtl;
  else ttl = input.mountDefaultTtl;
  if (ttl <= 0) ttl = maxTtl;

  const maxValid = start + maxTtl - now;
  if (maxValid <= 0) throw new UserError('past the max TTL, cannot renew');
  const warnings: string[] = [];
  if (ttl > maxValid) {
    warnings.push(
      `TTL of ${JSON.stringify(formatDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(formatDuration(maxValid))}; TTL value is capped accordingly`,
    );
    ttl = maxValid;
  }
  return { ttl, maxTtl, warnings };
}
