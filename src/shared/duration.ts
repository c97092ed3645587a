import { UserError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration the way Vault's `parseutil.ParseDurationSecond` does: an integer or
 * float number of seconds (`3600`, `"3600"`), or a Go duration string with an extra `d`
 * unit (`"1h30m"`, `"7d"`, `"0s"`). Returns whole seconds (fractions truncated).
 */
export function parseDurationSeconds(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new UserError(`invalid duration ${String(input)}`);
    return Math.trunc(input);
  }
  if (typeof input !== 'string') throw new UserError(`invalid duration: expected a number or a string`);
  const text = input.trim();
  if (text === '') return 0;
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^-?\d*\.\d+$/.test(text)) return Math.trunc(Number.parseFloat(text));
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-')) {
    sign = -1;
    rest = rest.slice(1);
  } else if (rest.startsWith('+')) {
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  while (consumed < rest.length) {
    PART.lastIndex = consumed;
    const m = PART.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined) throw new UserError(`invalid duration ${JSON.stringify(input)}`);
    total += Number.parseFloat(m[1]) * (UNIT_SECONDS[m[2]] ?? 0);
    consumed = PART.lastIndex;
  }
  return sign * Math.trunc(total + 1e-9);
}

/**
 * A controller's refresh interval in milliseconds (`refreshInterval: 1h`): whole seconds as
 * `parseDurationSeconds` gives, except that a positive sub-second interval (`500ms`) is 1 s —
 * truncating it to 0 would turn "often" into "once".
 */
export function parseRefreshIntervalMs(input: unknown): number {
  const seconds = parseDurationSeconds(input);
  if (seconds === 0 && /[1-9]/.test(String(input))) return 1000;
  return seconds * 1000;
}

/** Formats seconds as Go's `time.Duration.String()` does (`"0s"`, `"1h0m0s"`, `"90s"` → `"1m30s"`). */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  const negative = totalSeconds < 0;
  let s = Math.abs(Math.trunc(totalSeconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out = '';
  if (h > 0) out = `${h}h${m}m${s}s`;
  else if (m > 0) out = `${m}m${s}s`;
  else out = `${s}s`;
  return negative ? `-${out}` : out;
}
