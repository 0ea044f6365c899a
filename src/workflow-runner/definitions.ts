// The workflow definitions as every reader takes them: `workflows/<name>.asl.json`
// with its shared retriers expanded (retriers.ts) and its `${Placeholder}`
// references left for the caller to bind (CloudFormation when deployed, the
// local runner here).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expandRetriers } from './retriers.ts';

/** `backup` for workflows/backup.asl.json; `regional/verify-sandbox-in-region` for the regional verifier's. */
export function workflowPath(name: string): string {
  // A URL's pathname keeps its escapes (a space is %20): only the file path names the file.
  return fileURLToPath(new URL(`../../workflows/${name}.asl.json`, import.meta.url));
}

/** The definition of the workflow, as JSON text, its placeholders unbound. */
export function workflowText(name: string): string {
  return workflowTextAt(workflowPath(name), `workflows/${name}.asl.json`);
}

/** The definition in the file at `path`, as JSON text; `source` names it in errors. */
export function workflowTextAt(path: string, source: string = path): string {
  return `${JSON.stringify(workflowDefinitionAt(path, source), null, 2)}\n`;
}

/** The definition in the file at `path`; `source` names it in errors. */
export function workflowDefinitionAt(path: string, source: string = path): unknown {
  return expandRetriers(JSON.parse(readFileSync(path, 'utf8')) as unknown, source);
}
