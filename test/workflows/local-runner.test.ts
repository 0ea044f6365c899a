import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  allStates,
  type Definition,
  loadDefinition,
  withWaitsAsPathChecks,
} from '../../src/workflow-runner/local-runner.ts';

const waitingMachine = (path: string): Definition =>
  ({
    StartAt: 'WaitForIt',
    States: {
      WaitForIt: { Type: 'Wait', SecondsPath: path, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  }) as unknown as Definition;

describe('Wait states in local runs', () => {
  it('do not pause, but read their duration path as Step Functions would', async () => {
    const machine = new StateMachine(withWaitsAsPathChecks(waitingMachine('$.poll.delaySeconds')) as never);
    const started = Date.now();
    await expect(machine.run({ poll: { delaySeconds: 300 } }).result).resolves.toEqual({
      poll: { delaySeconds: 300 },
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fail the execution when the duration path is missing, as on AWS', async () => {
    const machine = new StateMachine(withWaitsAsPathChecks(waitingMachine('$.poll.delaySecs')) as never);
    await expect(machine.run({ poll: { delaySeconds: 300 } }).result).rejects.toThrow();
  });

  it.each(['backup-rounds', 'drill-database'])(
    'leaves no pausing Wait in %s, nested ones included',
    (workflow) => {
      const original = loadDefinition(workflow);
      const local = withWaitsAsPathChecks(original);
      const waits = allStates(original).filter(([, state]) => state.Type === 'Wait');
      expect(waits.length).toBeGreaterThan(0);
      expect(allStates(local).filter(([, state]) => state.Type === 'Wait')).toEqual([]);
      for (const [name, state] of waits) {
        const standIn = allStates(local).find(([candidate]) => candidate === name)?.[1] as unknown as Record<
          string,
          unknown
        >;
        expect(standIn).toMatchObject({
          Type: 'Pass',
          Parameters: { 'duration.$': (state as unknown as { SecondsPath: string }).SecondsPath },
        });
      }
    },
  );
});
