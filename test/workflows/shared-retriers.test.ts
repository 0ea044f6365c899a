// The retriers many Tasks share are written once (src/workflow-runner/retriers.ts)
// and named in the workflow files; every reader gets them expanded.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { workflowPath, workflowText, workflowTextAt } from '../../src/workflow-runner/definitions.ts';
import { allStates, type Definition, loadDefinition } from '../../src/workflow-runner/local-runner.ts';
import { SHARED_RETRIERS } from '../../src/workflow-runner/retriers.ts';

const names = [
  ...readdirSync(new URL('../../workflows/', import.meta.url))
    .filter((file) => file.endsWith('.asl.json'))
    .map((file) => file.slice(0, -'.asl.json'.length)),
  'regional/verify-sandbox-in-region',
];

/** The workflow's Task states as its file writes them, retriers unexpanded. */
function writtenTasks(name: string): [string, { Resource?: string; Retry?: unknown[] }][] {
  const written = JSON.parse(readFileSync(workflowPath(name), 'utf8')) as Definition;
  return allStates(written).filter(([, state]) => state.Type === 'Task') as [
    string,
    { Resource?: string; Retry?: unknown[] },
  ][];
}

const isLambdaTask = (resource: string | undefined) => /^\$\{[A-Za-z]+FunctionArn\}$/.test(resource ?? '');

describe('shared retriers', () => {
  it.each(names)('%s: every Lambda Task retries the Lambda service errors by name', (name) => {
    const lambdaTasks = writtenTasks(name).filter(([, state]) => isLambdaTask(state.Resource));
    expect(lambdaTasks.length).toBeGreaterThan(0);
    for (const [state, task] of lambdaTasks)
      expect(task.Retry?.[0], `${name}.${state}`).toBe('LambdaServiceErrors');
  });

  it.each(names)('%s spells out no copy of a shared retrier', (name) => {
    const spelledOut = writtenTasks(name).flatMap(([state, task]) =>
      (task.Retry ?? [])
        .filter((retrier) =>
          Object.values(SHARED_RETRIERS).some((shared) => isDeepStrictEqual(retrier, shared)),
        )
        .map(() => state),
    );
    expect(spelledOut).toEqual([]);
  });

  it('reaches the interpreter as the shared definition, nested states included', () => {
    const drill = loadDefinition('drill');
    const start = allStates(drill).find(
      ([name]) => name === 'StartDrillDatabase' || name === 'DrillDatabase',
    );
    const retriers = (start?.[1] as { Retry?: unknown[] } | undefined)?.Retry;
    expect(retriers).toEqual([SHARED_RETRIERS.ChildExecutionStart]);
    const text = workflowText('drill-database');
    expect(text).not.toMatch(/"Retry": \[\s*"/);
    expect(text).toContain('"Lambda.TooManyRequestsException"');
  });

  it('refuses a name no shared retrier has, naming the file and the state', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'restorable-retriers-')), 'typo.asl.json');
    writeFileSync(
      file,
      JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: `\${WorkFunctionArn}`, Retry: ['LambdaServiceError'], End: true },
        },
      }),
    );
    expect(() => workflowTextAt(file, 'workflows/typo.asl.json')).toThrow(
      /^workflows\/typo\.asl\.json: States\.Work retries with "LambdaServiceError", which is no shared retrier/,
    );
  });
});
