import { describe, expect, it } from 'vitest';
import {
  backupRoundsNamePrefix,
  drillExecutionName,
  executionNamePart,
  MAX_EXECUTION_NAME_LENGTH,
} from '../../../src/domain/execution-name.ts';

describe('names of child executions', () => {
  it('keep a short name of safe characters as it is', () => {
    expect(backupRoundsNamePrefix('backup-2026-11-20')).toBe('backup-2026-11-20');
    expect(drillExecutionName('drill-orders-20261120T060000Z')).toBe('drill-orders-20261120T060000Z');
  });

  it('cut a long name to fit, with a hash of the whole, so that names differing late stay apart', () => {
    const long = (last: string) => `drill-orders-${'x'.repeat(52)}-00${last}-20261102T060000Z`;
    const [a, b] = [drillExecutionName(long('0')), drillExecutionName(long('1'))];
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
    expect(a).toMatch(/^drill-orders-x+-00[01]-2-[0-9a-f]{8}$/);
    // Room is left for `-rounds-from-<round>` whatever the run's name.
    const prefix = backupRoundsNamePrefix('r'.repeat(80));
    expect(`${prefix}-rounds-from-4294967295`.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
  });

  it('replace the characters Step Functions allows in a name but a name made here does not, and say whose it was', () => {
    const [a, b] = [executionNamePart('run+1@x', 80), executionNamePart('run=1@x', 80)];
    expect(a).toMatch(/^run-1-x-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(executionNamePart('', 80)).toMatch(/^[0-9a-f]{8}$/);
  });

  it('is the same name each time: a retried start finds the execution it started', () => {
    expect(drillExecutionName(`drill-${'y'.repeat(90)}`)).toBe(drillExecutionName(`drill-${'y'.repeat(90)}`));
  });
});
