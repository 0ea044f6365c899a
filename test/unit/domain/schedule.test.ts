// How far apart a schedule's runs can be: what the drill planner leaves to
// the next run depends on it.
import { describe, expect, it } from 'vitest';
import {
  longestScheduleGapHours,
  SCHEDULE_EXPRESSION_PATTERN,
  scheduleExpressionProblem,
} from '../../../src/domain/schedule.ts';

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
    ['cron(0 7 ? * L *)', 168],
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

describe('the grammar of EventBridge Scheduler expressions', () => {
  const accepted = [
    'cron(0 2 * * ? *)',
    'cron(15,45 */2 ? * MON-FRI 2026-2030)',
    'cron(0 7 L * ? *)',
    'cron(0 7 LW * ? *)',
    'cron(0 7 15W * ? *)',
    'cron(0 7 ? * 6L *)',
    'cron(0 7 ? * L *)',
    'cron(0 7 ? * FRI#3 *)',
    'cron(0 7 ? jan,jul mon *)',
    'cron(0/30 1-5 1/2 JAN-MAR ? */2)',
    'cron(05 02 01 01 ? 2199)',
    'rate(1 minute)',
    'rate(2 hours)',
    'rate(30 days)',
  ];

  it.each(accepted)('takes %s, which the gap reader reads too', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
    expect(new RegExp(SCHEDULE_EXPRESSION_PATTERN, 'u').test(expression)).toBe(true);
    expect(longestScheduleGapHours(expression)).toBeGreaterThan(0);
  });

  it.each([
    ['cron(a b c d e f)', 'field 1 (minutes): a is not a value of minutes'],
    ['cron(0 24 * * ? *)', 'field 2 (hours): 24'],
    ['cron(0 2 32 * ? *)', 'field 3 (day-of-month): 32'],
    ['cron(0 2 * 13 ? *)', 'field 4 (month): 13'],
    ['cron(0 2 ? * 8 *)', 'field 5 (day-of-week): 8'],
    ['cron(0 2 ? * MON#6 *)', 'field 5 (day-of-week): MON#6'],
    ['cron(0 2 * * ? 2200)', 'field 6 (year): 2200'],
    ['cron(*/0 2 * * ? *)', 'field 1 (minutes): */0'],
    ['cron(0 2 * * ? *) ', 'must be an EventBridge Scheduler expression'],
    ['cron(0  2 * * ? *)', 'has 7 fields'],
    ['cron(0 2 * * * *)', 'one of day-of-month and day-of-week must be ?'],
    ['cron(0 2 ? * ? *)', 'one of day-of-month and day-of-week must be ?'],
    ['rate(0 days)', 'at least 1'],
    ['rate(1 week)', 'must be rate(N minutes|hours|days)'],
    ['at(2026-12-01T02:00:00)', 'must be an EventBridge Scheduler expression'],
  ])('refuses %s: %s', (expression, message) => {
    expect(scheduleExpressionProblem(expression)).toContain(message);
    expect(new RegExp(SCHEDULE_EXPRESSION_PATTERN, 'u').test(expression)).toBe(false);
  });
});
