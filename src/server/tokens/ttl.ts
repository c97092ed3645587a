/**
 * Vault's TTL arithmetic (`sdk/framework/lease.go` `CalculateTTL`), shared by token
 * creation, logins and renewals. All values are whole seconds.
 */
import { UserError } from '../../shared/errors.js';
import { formatDuration } from '../../shared/duration.js';

/** 768h: Vault's system `default_lease_ttl` and `max_lease_ttl`. */
export const SYSTEM_DEFAULT_TTL = 768 * 3600;

/** The effective TTLs of a mount (Vault's `SystemView.DefaultLeaseTTL/MaxLeaseTTL`). */
export interface TtlLimits {
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
}

/**
 * A mount's effective TTLs from its tune (0 = not tuned) and the system values, the way
 * the core computes them: max = tune max || system max; default = tune default ||
 * min(system default, max).
 */
export function effectiveTtls(input: {
  systemDefaultTtl?: number;
  systemMaxTtl?: number;
  mountDefaultTtl?: number;
  mountMaxTtl?: number;
}): TtlLimits {
  const maxLeaseTtl = input.mountMaxTtl || input.systemMaxTtl || SYSTEM_DEFAULT_TTL;
  const defaultLeaseTtl = input.mountDefaultTtl || Math.min(input.systemDefaultTtl || SYSTEM_DEFAULT_TTL, maxLeaseTtl);
  return { defaultLeaseTtl, maxLeaseTtl };
}

export interface CalculateTtlInput {
  limits: TtlLimits;
  /** Renewal increment requested by the client (0 = none). */
  increment?: number;
  /** TTL proposed by the backend / request (0 = none). */
  backendTtl?: number;
  period?: number;
  /** Backend max TTL, e.g. a role's `token_max_ttl` (0 = none). */
  backendMaxTtl?: number;
  explicitMaxTtl?: number;
  /** Unix seconds the lease started (issue time); defaults to `now`. */
  startTime?: number;
  /** Unix seconds (fractions are truncated, as Vault truncates to the second). */
  now: number;
}

export interface CalculatedTtl {
  ttl: number;
  warnings: string[];
}

/**
 * `framework.CalculateTTL`: the effective max is min(mount max, backend max, explicit
 * max); a periodic lease gets the period (capped at the max) and is bounded only by the
 * explicit max; otherwise the TTL is increment, else the backend TTL, else the mount
 * default, capped at what is left of max from the start time. Capping adds Vault's warning.
 */
export function calculateTtl(input: CalculateTtlInput): CalculatedTtl {
  const now = Math.trunc(input.now);
  const start = input.startTime === undefined || input.startTime === 0 ? now : Math.trunc(input.startTime);
  const increment = input.increment ?? 0;
  const backendTtl = input.backendTtl ?? 0;
  const backendMax = input.backendMaxTtl ?? 0;
  const explicitMax = input.explicitMaxTtl ?? 0;
  let period = input.period ?? 0;
  const warnings: string[] = [];

  let maxTtl = input.limits.maxLeaseTtl;
  if (backendMax > 0 && backendMax < maxTtl) maxTtl = backendMax;
  if (explicitMax > 0 && explicitMax < maxTtl) maxTtl = explicitMax;
  if (maxTtl <= 0) throw new UserError('max TTL must be greater than zero');

  let ttl: number;
  let maxValidTime: number | null = null;
  if (period > 0) {
    if (period > maxTtl) {
      warnings.push(
        `period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTtl)}"; period value is capped accordingly`,
      );
      period = maxTtl;
    }
    ttl = period;
    if (explicitMax > 0) maxValidTime = start + explicitMax;
  } else {
    if (increment > 0) ttl = increment;
    else if (backendTtl > 0) ttl = backendTtl;
    else ttl = input.limits.defaultLeaseTtl;
    maxValidTime = start + maxTtl;
  }

  if (maxValidTime !== null) {
    const maxValidTtl = maxValidTime - now;
    if (maxValidTtl <= 0) throw new UserError('past the max TTL, cannot renew');
    if (maxValidTtl - ttl < 0) {
      warnings.push(
        `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(maxValidTtl)}"; TTL value is capped accordingly`,
      );
      ttl = maxValidTtl;
    }
  }
  return { ttl, warnings };
}

/** Vault's `humanDuration`: Go's duration string without zero units (`768h`, `1h30m`, `1m30s`). */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let s = formatDuration(seconds);
  if (s.endsWith('m0s')) s = s.slice(0, -2);
  const idx = s.indexOf('h0m');
  if (idx > 0) s = s.slice(0, idx + 1) + s.slice(idx + 3);
  return s;
}
