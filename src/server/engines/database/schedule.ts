/**
 * Static-role rotation timing: `rotation_period` (seconds) or `rotation_schedule`, a
 * standard five-field cron (minute hour day-of-month month day-of-week, as Vault's
 * robfig/cron parser with those five fields: no seconds, no `@daily`-style descriptors,
 * no `L`/`W`/`#`/`H` extensions). Schedules are evaluated in UTC.
 */
import { CronExpressionParser } from 'cron-parser';
import { UserError, errorMessage } from '../../../shared/errors.js';

/** Vault's queue tick: periods shorter than this could not be honoured. */
export const MIN_ROTATION_PERIOD_SECONDS = 5;
/** Vault's `minRotationWindowSeconds`. */
export const MIN_ROTATION_WINDOW_SECONDS = 3600;

const NAMES = new Set(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC', 'SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']);

function checkField(field: string): void {
  for (const part of field.toUpperCase().split(/[,/-]/)) {
    if (part === '*' || part === '?' || /^\d+$/.test(part) || NAMES.has(part)) continue;
    throw new Error(`unsupported value ${JSON.stringify(part)}`);
  }
}

/** Validates a `rotation_schedule`; throws a `UserError` saying what is wrong. */
export function validateSchedule(expression: string): void {
  const fields = expression.trim().split(/\s+/);
  try {
    if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${JSON.stringify(expression)}`);
    fields.forEach(checkField);
    CronExpressionParser.parse(expression.trim(), { tz: 'UTC' });
  } catch (err) {
    throw new UserError(`could not parse rotation_schedule: ${errorMessage(err)}`);
  }
}

/** The first time strictly after `afterMs` the schedule fires (epoch ms). */
export function nextScheduled(expression: string, afterMs: number): number {
  const interval = CronExpressionParser.parse(expression.trim(), { tz: 'UTC', currentDate: new Date(afterMs) });
  return interval.next().getTime();
}
