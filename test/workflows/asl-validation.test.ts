// Every workflow definition is valid Amazon States Language as asl-validator
// reads the specification: a schema per state type, transitions that name
// existing states, a reachable terminal state, path syntax and ARN-shaped Task
// resources. The definitions are read as the local runner reads them, with
// each `${Placeholder}` bound to the ARN it takes locally, so the ARN check
// applies to the values a deployment substitutes too.
import { readdirSync } from 'node:fs';
import validateStateMachine from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { workflowText } from '../../src/workflow-runner/definitions.ts';
import { allStates, type Definition, loadDefinition } from '../../src/workflow-runner/local-runner.ts';

const workflows = readdirSync(new URL('../../workflows/', import.meta.url))
  .filter((file) => file.endsWith('.asl.json'))
  .map((file) => file.slice(0, -'.asl.json'.length));

// Passed in full: the validator replaces omitted options with no checks at all.
const allChecks = { checkPaths: true, checkArn: true } as const;

const errorsOf = (definition: Definition) =>
  validateStateMachine(definition, allChecks).errors.map(
    (error) => `${error['Error code']}: ${error.Message}`,
  );

describe('workflow definitions, checked by asl-validator', () => {
  it('finds the workflow files', () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        'backup',
        'backup-rounds',
        'drill',
        'drill-database',
        'prune',
        'report',
        'sweeper',
      ]),
    );
  });

  it.each(workflows)('workflows/%s.asl.json has no errors', (workflow) => {
    expect(errorsOf(loadDefinition(workflow))).toEqual([]);
  });

  it("workflows/regional/verify-sandbox-in-region.asl.json (the regional verifier stack's) has no errors", () => {
    // Deployed by the regional verifier stack (infra/verifier.ts), not run locally: its one function
    // bound to an ARN of the shape CloudFormation substitutes.
    const text = workflowText('regional/verify-sandbox-in-region').replace(
      `\${VerifySandboxInRegionFunctionArn}`,
      'arn:aws:lambda:eu-central-1:123456789012:function:restorable-prod-verify-sandbox-in-region',
    );
    expect(errorsOf(JSON.parse(text) as Definition)).toEqual([]);
  });

  // The checks above would catch a broken definition: two breakages of a real one.
  it.each([
    {
      breakage: 'a Next naming no state',
      change: (state: Record<string, unknown>) => {
        state.Next = 'NoSuchState';
      },
      error: /^MISSING_TRANSITION_TARGET: .* target: NoSuchState$/,
    },
    {
      breakage: 'a Task resource that is no ARN',
      change: (state: Record<string, unknown>) => {
        state.Resource = 'restorable-discover-databases';
      },
      error: /^SCHEMA_VALIDATION_FAILED: \/States\/DiscoverDatabases\/Resource is invalid/,
    },
  ])('reports $breakage', ({ change, error }) => {
    const definition = loadDefinition('backup');
    const firstState = definition.States[definition.StartAt];
    if (firstState?.Type !== 'Task') throw new Error('backup.asl.json no longer starts with a Task');
    change(firstState as unknown as Record<string, unknown>);
    expect(errorsOf(definition)).toContainEqual(expect.stringMatching(error));
  });
});

// The ExecutionsTimedOut alarms watch for executions that outlive their
// TimeoutSeconds: a workflow without one can run a year and never time out.
describe('workflow time limits', () => {
  interface Limited {
    readonly TimeoutSeconds?: unknown;
    readonly States: Record<string, unknown>;
  }
  const definitions = [
    ...workflows.map((name) => ({ name, definition: loadDefinition(name) as unknown as Limited })),
    {
      name: 'regional/verify-sandbox-in-region',
      definition: JSON.parse(workflowText('regional/verify-sandbox-in-region')) as Limited,
    },
  ];
  // The local interpreter times an execution with setTimeout, whose delay
  // wraps past 2^31 - 1 ms (24.8 days) and then fires at once.
  const LONGEST_LOCAL_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

  it.each(definitions)('$name sets a TimeoutSeconds the local interpreter can time', ({ definition }) => {
    expect(definition.TimeoutSeconds).toEqual(expect.any(Number));
    expect(Number.isInteger(definition.TimeoutSeconds)).toBe(true);
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(LONGEST_LOCAL_TIMER_SECONDS);
  });

  it.each(definitions)('$name lets each of its Tasks run its own TimeoutSeconds', ({ definition }) => {
    for (const [state, timeout] of taskTimeouts(definition as unknown as Definition)) {
      expect(timeout, state).toBeLessThanOrEqual(Number(definition.TimeoutSeconds));
    }
  });

  it('a child execution times out as itself, within the Task that waits for it', () => {
    const children = [
      { parent: 'backup', state: 'RunBackupRounds', child: 'backup-rounds' },
      { parent: 'drill', state: 'DrillDatabase', child: 'drill-database' },
    ];
    for (const { parent, state, child } of children) {
      const parentTimeouts = new Map(taskTimeouts(loadDefinition(parent)));
      const childTimeout = (loadDefinition(child) as unknown as Limited).TimeoutSeconds;
      expect(parentTimeouts.get(state), `${parent}.${state}`).toBeGreaterThanOrEqual(Number(childTimeout));
    }
  });
});

function taskTimeouts(definition: Definition): [string, number][] {
  return allStates(definition).flatMap(([name, state]) => {
    const timeout = (state as { TimeoutSeconds?: unknown }).TimeoutSeconds;
    return state.Type === 'Task' && typeof timeout === 'number' ? [[name, timeout] as [string, number]] : [];
  });
}
