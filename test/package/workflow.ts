// Reads workflows/*.asl.json as the deployed stack sees them (their shared
// retriers expanded): their `${Placeholder}` references and their Task
// states, nested ones included.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { workflowTextAt } from '../../src/workflow-runner/definitions.ts';
import { isObject, type Json, ROOT } from './template.ts';

export interface WorkflowFile {
  /** `backup` for workflows/backup.asl.json. */
  readonly name: string;
  readonly text: string;
  readonly definition: Json;
}

export function workflowFiles(): WorkflowFile[] {
  const directory = join(ROOT, 'workflows');
  return readdirSync(directory)
    .filter((file) => file.endsWith('.asl.json'))
    .sort()
    .map((file) => {
      const text = workflowTextAt(join(directory, file), `workflows/${file}`);
      return { name: basename(file, '.asl.json'), text, definition: JSON.parse(text) as Json };
    });
}

/** The `${Name}` placeholders CloudFormation must substitute. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => String(match[1])))].sort();
}

export interface TaskState {
  readonly name: string;
  readonly resource: string;
  readonly timeoutSeconds: number | undefined;
}

/** Every Task state, including those inside Map and Parallel states. */
export function taskStates(definition: Json): TaskState[] {
  if (!isObject(definition) || !isObject(definition.States)) return [];
  return Object.entries(definition.States).flatMap(([name, state]): TaskState[] => {
    if (!isObject(state)) return [];
    const nested = [
      state.ItemProcessor,
      state.Iterator,
      ...(Array.isArray(state.Branches) ? state.Branches : []),
    ].flatMap((child) => (child === undefined ? [] : taskStates(child)));
    if (state.Type !== 'Task') return nested;
    const timeout = state.TimeoutSeconds;
    return [
      {
        name,
        resource: String(state.Resource),
        timeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
      },
      ...nested,
    ];
  });
}
