import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { Output } from '../../src/cli/output.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
}

/** Runs the CLI in-process with captured output, as a user would from a shell. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  const code = await main(argv, new Output(argv.includes('--json'), { stdout, stderr }));
  const out = Buffer.concat(chunks.stdout).toString();
  return {
    code,
    stdout: out,
    stderr: Buffer.concat(chunks.stderr).toString(),
    json: <T>() => JSON.parse(out) as T,
  };
}
