// The configuration as the Lambda functions read it: `npm run bundle` parses
// and validates the YAML file once (src/config/load.ts) and ships the result,
// with the schema's defaults filled in, as JSON (dist/config.json). The
// functions parse that JSON through the same schema again: the schema is in
// every bundle anyway (the tasks' inputs are zod too), it costs about a
// millisecond, and a package assembled from a different build then fails
// with the field that is wrong rather than somewhere in a task. What the
// functions leave out is the YAML parser, about a tenth of every bundle.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../domain/errors.ts';
import { formatIssues } from './issues.ts';
import { type Config, configSchema } from './schema.ts';

/** The configuration validated by the build, as the text the functions ship. */
export function shippedConfigText(config: Config): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function parseShippedConfig(text: string, source: string): Config {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = configSchema.safeParse(json);
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export function readShippedConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseShippedConfig(text, path);
}
