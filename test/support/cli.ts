import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { Output } from '../../src/cli/output.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
}

/** A CLI run in progress: its stderr can be watched while it runs. */
export interface StartedCli {
  /** Resolves once stderr holds a line matching `pattern` (rejects if the run ends first). */
  stderrLine(pattern: RegExp): Promise<string>;
  readonly done: Promise<CliRun>;
}

/** Starts the CLI in-process with captured output, as a user would from a shell. */
export function startCli(...argv: string[]): StartedCli {
  return startCliInterruptible(new AbortController().signal, ...argv);
}

/** Starts the CLI in-process, `interruption` standing for SIGINT and SIGTERM. */
export function startCliInterruptible(interruption: AbortSignal, ...argv: string[]): StartedCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const watchers: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  const stderrText = () => Buffer.concat(chunks.stderr).toString();
  const matchWatchers = () => {
    const lines = stderrText().split('\n');
    for (const watcher of [...watchers]) {
      const line = lines.find((candidate) => watcher.pattern.test(candidate));
      if (line === undefined) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve(line);
    }
  };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => {
    chunks.stderr.push(chunk);
    matchWatchers();
  });
  // The test's process signals are its own: the CLI gets `interruption` instead.
  const done = main(argv, new Output(argv.includes('--json'), { stdout, stderr }), interruption)
    .then((code) => {
      const out = Buffer.concat(chunks.stdout).toString();
      return { code, stdout: out, stderr: stderrText(), json: <T>() => JSON.parse(out) as T };
    })
    .finally(() => {
      for (const watcher of watchers.splice(0)) {
        watcher.reject(new Error(`the run ended before stderr showed ${watcher.pattern}:\n${stderrText()}`));
      }
    });
  return {
    stderrLine: (pattern) =>
      new Promise<string>((resolve, reject) => {
        watchers.push({ pattern, resolve, reject });
        matchWatchers();
      }),
    done,
  };
}

/** Runs the CLI in-process with captured output, as a user would from a shell. */
export function runCli(...argv: string[]): Promise<CliRun> {
  return startCli(...argv).done;
}
