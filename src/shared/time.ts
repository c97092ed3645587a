/**
 * Go's `time.RFC3339Nano` rendering, which Vault uses for every timestamp: UTC, `Z`, and
 * fractional seconds with trailing zeros trimmed (no fraction at all when it is zero).
 */
export function formatRfc3339Nano(date: Date, extraNanos = 0): string {
  const iso = date.toISOString(); // 2018-03-22T02:24:06.945Z
  const base = iso.slice(0, 19);
  const nanos = date.getUTCMilliseconds() * 1_000_000 + extraNanos;
  if (nanos === 0) return `${base}Z`;
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}.${fraction}Z`;
}

/** Current time as RFC3339Nano (millisecond precision, like the rest of JavaScript). */
export function nowRfc3339Nano(): string {
  return formatRfc3339Nano(new Date());
}
