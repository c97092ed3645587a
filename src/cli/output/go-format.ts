/**
 * Go's `%v` for JSON-decoded values (Vault prints table cells and `-field` values with it),
 * and Vault's "human" durations for fields that look like TTLs.
 */
import { formatDuration } from '../../shared/index.js';

/** `fmt.Sprintf("%v", v)` for a value decoded from JSON (maps print with sorted keys). */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `map[${keys.map((k) => `${k}:${formatGoValue(obj[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** Vault's `humanDuration`: Go's duration string without the trailing zero units (`1h`, `1m30s`). */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let s = formatDuration(seconds);
  if (s.endsWith('m0s')) s = s.slice(0, -2);
  const idx = s.indexOf('h0m');
  if (idx > 0) s = s.slice(0, idx + 1) + s.slice(idx + 3);
  return s;
}

/** Vault's `humanDurationInt`: integers become durations, anything else is left alone. */
export function humanDurationValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return humanDuration(value);
  return value;
}

/** Vault's `looksLikeDuration`. */
export function looksLikeDuration(key: string): boolean {
  return (
    key === 'period' ||
    key.endsWith('_period') ||
    key === 'ttl' ||
    key.endsWith('_ttl') ||
    key === 'duration' ||
    key.endsWith('_duration') ||
    key === 'lease_max' ||
    key === 'ttl_max'
  );
}
