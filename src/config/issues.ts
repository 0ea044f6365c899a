// How a schema's issues read in an error message. Apart from the YAML loader
// (src/config/load.ts), so that the Lambda handlers, which validate their
// inputs with it but never read YAML, do not bundle a YAML parser.
import type { z } from 'zod';

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
      return `  - ${field}: ${issue.message}`;
    })
    .join('\n');
}
