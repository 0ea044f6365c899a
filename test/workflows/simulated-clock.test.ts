// On a simulated clock the local runner's Waits and retry pauses take
// modelled time and no real time: concurrent waits overlap, as they do on
// AWS, and the clock jumps to the next wake-up once every branch is asleep.
import { describe, expect, it } from 'vitest';
import {
  type Definition,
  LocalWorkflowRunner,
  retryPauseSeconds,
} from '../../src/workflow-runner/local-runner.ts';
import { SimulatedTime } from '../../src/workflow-runner/simulated-time.ts';
import { noTaskDependencies } from '../support/local-cloud.ts';

const START = new Date('2026-11-20T02:00:00Z');

/** Waits `first` seconds in each of its Map iterations, then 300 more. */
const waiting = {
  StartAt: 'EachItem',
  States: {
    EachItem: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'WaitFirst',
        States: {
          WaitFirst: { Type: 'Wait', SecondsPath: '$.first', Next: 'WaitAgain' },
          WaitAgain: { Type: 'Wait', Seconds: 300, End: true },
        },
      },
      End: true,
    },
  },
} as unknown as Definition;

describe('Wait states on a simulated clock', () => {
  it('take their modelled time, overlapping across Map iterations, without pausing', async () => {
    const time = new SimulatedTime(START);
    const runner = new LocalWorkflowRunner({
      dependencies: noTaskDependencies(() => time.now()),
      definitions: { waiting },
      simulatedClock: time,
    });
    const started = performance.now();

    await runner.run('waiting', { items: [{ first: 600 }, { first: 1200 }, { first: 60 }] });

    expect(time.now().getTime() - START.getTime()).toBe((1200 + 300) * 1000);
    // 25 minutes of waits take well under a minute of real time, even on a
    // busy machine (the definition's validation alone takes ~0.4 s idle).
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('retry pauses on a simulated clock', () => {
  // A retrier of the copy limit as a workflow would declare it: 60 s, doubling, at most 900 s, full jitter.
  const copyLimitRetrier = {
    ErrorEquals: ['CopyLimitExceededError'],
    IntervalSeconds: 60,
    MaxAttempts: 10,
    BackoffRate: 2,
    MaxDelaySeconds: 900,
    JitterStrategy: 'FULL',
  };

  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [4, 240],
    [5, 450],
    [9, 450],
  ])('pause before retry %i is the mean of full jitter under the backoff: %i s', (attempt, seconds) => {
    expect(retryPauseSeconds(copyLimitRetrier, attempt)).toBe(seconds);
  });

  it('is the whole backoff without jitter, with the defaults of IntervalSeconds 1 and BackoffRate 2', () => {
    expect(retryPauseSeconds({ ErrorEquals: ['States.ALL'] }, 4)).toBe(8);
  });
});
