import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError } from '../domain/errors.ts';
import { formatIssues } from './issues.ts';
import { type Config, configSchema } from './schema.ts';

export { formatIssues } from './issues.ts';

export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../config/demo.yml', import.meta.url));
export const DEFAULT_CONFIG_FILE = 'restorable.yml';

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from; the built-in demo config's own path when none was given. */
  readonly path: string;
  readonly isDemo: boolean;
}

/**
 * Chooses the configuration file as the CLI documents it: the given path,
 * else `restorable.yml` in the working directory, else the built-in demo.
 */
export function resolveConfigPath(explicitPath: string | undefined, cwd = process.cwd()): string {
  if (explicitPath !== undefined) return resolve(cwd, explicitPath);
  const local = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : DEMO_CONFIG_PATH;
}

export function loadConfig(explicitPath?: string, cwd = process.cwd()): LoadedConfig {
  const path = resolveConfigPath(explicitPath, cwd);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { config: parseConfig(text, path), path, isDemo: path === DEMO_CONFIG_PATH };
}

/** Parses and validates configuration YAML; errors name the file, the field and the problem. */
export function parseConfig(text: string, source = 'configuration'): Config {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    throw new ConfigError(`${source}: not valid YAML: ${first?.message ?? 'unknown error'}`);
  }
  const result = configSchema.safeParse(document.toJS() ?? {});
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}
