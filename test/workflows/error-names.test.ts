import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/domain/errors.ts';
import { workflowText } from '../../src/workflow-runner/definitions.ts';
import { allStates, type Definition } from '../../src/workflow-runner/local-runner.ts';

const workflowsDir = new URL('../../workflows/', import.meta.url);
const files = readdirSync(workflowsDir).filter((file) => file.endsWith('.asl.json'));

/** Errors raised by Step Functions itself or its service integrations, not by our code. */
const isServiceError = (name: string) =>
  name.startsWith('States.') || name.startsWith('Lambda.') || name.startsWith('StepFunctions.');

describe('error names in the workflows', () => {
  it('finds the workflow files', () => {
    expect(files).toEqual(expect.arrayContaining(['backup.asl.json', 'backup-rounds.asl.json']));
  });

  it.each(files)('%s matches only errors the handlers can throw', (file) => {
    const definition = JSON.parse(workflowText(file.slice(0, -'.asl.json'.length))) as Definition;
    const names = allStates(definition).flatMap(([, state]) => {
      const withHandlers = state as {
        Retry?: { ErrorEquals: string[] }[];
        Catch?: { ErrorEquals: string[] }[];
      };
      return [...(withHandlers.Retry ?? []), ...(withHandlers.Catch ?? [])].flatMap(
        (rule) => rule.ErrorEquals,
      );
    });
    const custom = [...new Set(names.filter((name) => !isServiceError(name)))];
    for (const name of custom) {
      const exported = (errors as Record<string, unknown>)[name];
      expect(exported, `${file}: ${name} is not exported by src/domain/errors.ts`).toBeTypeOf('function');
      expect((exported as { name: string }).name).toBe(name);
    }
  });

  it('keeps the class name as the error name, which is what ErrorEquals matches', () => {
    expect(new errors.ThrottlingError('slow down').name).toBe('ThrottlingError');
    expect(new errors.SnapshotAlreadyExistsError('s').name).toBe('SnapshotAlreadyExistsError');
  });
});
