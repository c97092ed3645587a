import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { nextScheduled, validateSchedule } from './schedule.js';

describe('rotation schedules', () => {
  it('accepts five-field cron with names, ranges, lists and steps', () => {
    for (const ok of ['0 0 * * SAT', '*/15 * * * *', '0 3 1,15 * *', '30 2 * JAN-MAR MON-FRI', '0 0 * * 0']) {
      expect(() => validateSchedule(ok)).not.toThrow();
    }
  });

  it('rejects anything else with a message saying why', () => {
    for (const bad of ['* * * *', '0 0 0 * * *', '@daily', '61 * * * *', 'H * * * *', '0 0 L * *', '0 0 * * 1#2', 'nonsense']) {
      expect(() => validateSchedule(bad), bad).toThrow(UserError);
    }
    expect(() => validateSchedule('* * * *')).toThrow(/^could not parse rotation_schedule: expected exactly 5 fields/);
  });

  it('computes the next time strictly after a given instant, in UTC', () => {
    const sat = nextScheduled('0 0 * * SAT', Date.UTC(2024, 0, 1, 12));
    expect(new Date(sat).toISOString()).toBe('2024-01-06T00:00:00.000Z');
    expect(nextScheduled('0 0 * * SAT', sat)).toBe(Date.UTC(2024, 0, 13));
    expect(nextScheduled('*/5 * * * *', Date.UTC(2024, 0, 1, 0, 0, 30))).toBe(Date.UTC(2024, 0, 1, 0, 5));
  });
});
