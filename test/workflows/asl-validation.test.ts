// Every workflow definition is valid Amazon States Language as asl-validator
// reads the specification: a schema per state type, transitions that name
// existing states, a reachable terminal state, path syntax and ARN-shaped Task
// resources. The definitions are read as the local runner reads them, with
// each `${Placeholder}` bound to the ARN it takes locally, so the ARN check
// applies to the values a deployment substitutes too.
import { readdirSync, readFileSync } from 'node:fs';
import validateStateMachine from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { type Definition, loadDefinition } from '../../src/workflow-runner/local-runner.ts';

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
    // Deployed by serverless-verifier.yml, not run locally: its one function
    // bound to an ARN of the shape CloudFormation substitutes.
    const text = readFileSync(
      new URL('../../workflows/regional/verify-sandbox-in-region.asl.json', import.meta.url),
      'utf8',
    ).replace(
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
