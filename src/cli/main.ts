// The `restorable` command line. Parses the command line against what the
// command takes (command-line.ts; exit 2 with a message naming the option on
// bad usage), loads the configuration (exit 2 on an invalid file), and
// dispatches to the command. Commands return their exit code; an error is
// reported on stderr (and with --json as the error object) with its own exit
// code: 2 bad usage, 75 a busy state directory, 130/143 an interruption by
// SIGINT/SIGTERM (which the command cleans up after), else 1.

import {
  StackNotFoundError,
  StackNotReadyError,
  StackOutputMissingError,
} from '../adapters/aws/stack-errors.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, DatabaseNotFoundError } from '../domain/errors.ts';
import { StateDirBusyError } from '../local-cloud/lock.ts';
import { ForeignStateDirError } from '../local-cloud/state-dir.ts';
import { type CommandName, type Flags, parseCommandLine } from './command-line.ts';
import {
  EXIT_BUSY,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  InterruptedError,
  type InterruptSignal,
  UsageError,
} from './errors.ts';
import { Output } from './output.ts';
import { packageVersion } from './version.ts';

/** What every command receives: validated flags, the configuration, the clock and where to write. */
export interface CommandContext {
  readonly flags: Flags;
  readonly config: Config;
  readonly configPath: string;
  readonly isDemoConfig: boolean;
  readonly target: 'local' | 'aws';
  readonly stateDir: string;
  readonly clock: () => Date;
  readonly output: Output;
  /** Aborted on SIGINT or SIGTERM, its reason an InterruptedError: the command cleans up and stops. */
  readonly interruption: AbortSignal;
}

type RunCommand = (context: CommandContext) => Promise<number>;

/**
 * Each command's module, loaded when that command runs: a command pays for
 * its own dependencies only (PGlite, the AWS SDK clients), and --help or a
 * refused flag for none.
 */
const RUN_COMMAND: Readonly<Record<CommandName, () => Promise<RunCommand>>> = {
  demo: async () => (await import('./commands/demo.ts')).runDemoCommand,
  backup: async () => (await import('./commands/backup.ts')).runBackupCommand,
  prune: async () => (await import('./commands/prune.ts')).runPruneCommand,
  drill: async () => (await import('./commands/drill.ts')).runDrillCommand,
  report: async () => (await import('./commands/report.ts')).runReportCommand,
  sweep: async () => (await import('./commands/sweep.ts')).runSweepCommand,
  status: async () => (await import('./commands/status.ts')).runStatusCommand,
  'local init': async () => (await import('./commands/local.ts')).runLocalInitCommand,
  'local seed': async () => (await import('./commands/local.ts')).runLocalSeedCommand,
};

/**
 * Runs a command line and returns its exit code. `interruption` stops the
 * command (cleaning up first); by default it is this process's SIGINT and
 * SIGTERM, with a second signal ending the process at once.
 */
export async function main(
  argv: readonly string[],
  output?: Output,
  interruption?: AbortSignal,
): Promise<number> {
  // Before the command line is parsed: it names no command and needs no
  // configuration. Scripts read it, so it goes to stdout.
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const json = argv.includes('--json');
  const out = output ?? new Output(json);
  const signals = interruption === undefined ? listenForSignals(out) : undefined;
  try {
    return await runCommandLine(argv, out, interruption ?? signals?.signal ?? new AbortController().signal);
  } finally {
    signals?.stop();
  }
}

/**
 * The first SIGINT or SIGTERM aborts the returned signal (the command then
 * cleans up and exits 130 or 143); a second one exits at once, leaving a
 * stale lock that the next run takes over.
 */
function listenForSignals(out: Output): { signal: AbortSignal; stop: () => void } {
  const controller = new AbortController();
  const onSignal = (signal: InterruptSignal) => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED[signal]);
    out.warn(`restorable: ${signal}: stopping (cleaning up first; send it again to stop at once)`);
    controller.abort(new InterruptedError(signal));
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    stop: () => {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}

async function runCommandLine(
  argv: readonly string[],
  out: Output,
  interruption: AbortSignal,
): Promise<number> {
  try {
    const commandLine = parseCommandLine(argv);
    if (commandLine.kind === 'help') {
      if (commandLine.exitCode === EXIT_OK) out.help(commandLine.text);
      else out.warn(commandLine.text);
      return commandLine.exitCode;
    }
    const { command, flags } = commandLine;
    const loaded = loadConfig(flags.config);
    const context: CommandContext = {
      flags,
      config: loaded.config,
      configPath: loaded.path,
      isDemoConfig: loaded.isDemo,
      target: flags.target ?? loaded.config.target,
      stateDir: flags['state-dir'] ?? loaded.config.local.stateDir,
      clock: flags.now === undefined ? () => new Date() : runningClock(flags.now),
      output: out,
      interruption,
    };
    if (flags.now !== undefined && context.target === 'aws') {
      throw new UsageError('--now sets the local virtual clock; it cannot be used with --target aws');
    }
    if (
      flags.wait.lockSeconds !== undefined &&
      Number.isFinite(flags.wait.lockSeconds) &&
      context.target === 'aws'
    ) {
      throw new UsageError(
        '--wait=SECONDS waits for the local state directory; with --target aws a command follows its workflow unless --no-wait',
      );
    }
    const run = await RUN_COMMAND[command]();
    return await run(context);
  } catch (error) {
    return reportError(error, out);
  }
}

/**
 * The virtual clock of --now: it starts at the given time and runs at real
 * speed, so timings measured during the command (a drill's RTO) are real.
 */
export function runningClock(start: Date): () => Date {
  const startedAt = performance.now();
  return () => new Date(start.getTime() + Math.round(performance.now() - startedAt));
}

function reportError(error: unknown, out: Output): number {
  const failure = error instanceof Error ? error : new Error(String(error));
  out.error(failure.name, failure.message);
  if (error instanceof InterruptedError) {
    out.warn(`restorable: ${error.message}; stopped after cleaning up`);
    return EXIT_INTERRUPTED[error.signal];
  }
  if (error instanceof StateDirBusyError) {
    out.warn(`restorable: ${error.message}`);
    return EXIT_BUSY;
  }
  if (error instanceof UsageError) {
    out.warn(`restorable: ${error.message}\nRun ${error.helpCommand} for usage.`);
    return EXIT_USAGE;
  }
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseNotFoundError ||
    error instanceof StackNotFoundError ||
    error instanceof StackNotReadyError ||
    error instanceof StackOutputMissingError ||
    error instanceof ForeignStateDirError
  ) {
    out.warn(`restorable: ${error.message}`);
    return EXIT_USAGE;
  }
  out.warn(`restorable: ${failure.name}: ${failure.message}`);
  return EXIT_FAILURE;
}
