// How far apart a schedule's runs can be: what the drill planner leaves to
// the next run depends on it.
import { describe, expect, it } from 'vitest';
import { longestScheduleGapHours } from '../../../src/domain/schedule.ts';

describe('the longest gap between two runs of a schedule', () => {
  it.each([
    ['rate(1 day)', 24],
    ['rate(90 minutes)', 1.5],
    ['rate(6 hours)', 6],
    ['cron(0 6 * * ? *)', 24],
    ['cron(0 6 ? * MON *)', 168],
    ['cron(0 6,18 * * ? *)', 12],
    ['cron(0 */6 * * ? *)', 6],
    ['cron(30 4 ? * MON-FRI *)', 72],
    ['cron(0 6 ? * 2,4 *)', 120],
    ['cron(0 7 1 * ? *)', 31 * 24],
    ['cron(0 7 L * ? *)', 31 * 24],
    ['cron(0 7 ? * 6L *)', 35 * 24],
    ['cron(0 7 ? * 2#1 *)', 35 * 24],
  ])('%s: %d hours', (expression, hours) => {
    expect(longestScheduleGapHours(expression)).toBe(hours);
  });

  it('is infinite for a schedule that runs once in four years or never', () => {
    expect(longestScheduleGapHours('cron(0 0 29 FEB ? *)')).toBe(Number.POSITIVE_INFINITY);
    expect(longestScheduleGapHours('cron(0 0 31 FEB ? *)')).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(['cron(61 6 * * ? *)', 'cron(0 6 * * ? *', 'rate(a day)', 'cron(0 6 ? * FUNDAY *)'])(
    'refuses %s',
    (expression) => {
      expect(() => longestScheduleGapHours(expression)).toThrow(RangeError);
    },
  );
});
