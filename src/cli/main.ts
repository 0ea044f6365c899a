// The `restorable` command line. Parses the command line against what the
// command takes (command-line.ts; exit 2 with a message naming the option on
// bad usage), loads the configuration (exit 2 on an invalid file), and
// dispatches to the command. Commands return their exit code.
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, DatabaseNotFoundError } from '../domain/errors.ts';
import { ForeignStateDirError } from '../local-cloud/state-dir.ts';
import { ReportBucketNotFoundError } from './aws-stack.ts';
import { StateMachineNotFoundError } from './aws-workflows.ts';
import { type CommandName, type Flags, parseCommandLine, USAGE } from './command-line.ts';
import { runBackupCommand } from './commands/backup.ts';
import { runDemoCommand } from './commands/demo.ts';
import { runDrillCommand } from './commands/drill.ts';
import { runLocalInitCommand, runLocalSeedCommand } from './commands/local.ts';
import { runPruneCommand } from './commands/prune.ts';
import { runReportCommand } from './commands/report.ts';
import { runStatusCommand } from './commands/status.ts';
import { runSweepCommand } from './commands/sweep.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
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
}

const RUN_COMMAND: Readonly<Record<CommandName, (context: CommandContext) => Promise<number>>> = {
  demo: runDemoCommand,
  backup: runBackupCommand,
  prune: runPruneCommand,
  drill: runDrillCommand,
  report: runReportCommand,
  sweep: runSweepCommand,
  status: runStatusCommand,
  'local init': runLocalInitCommand,
  'local seed': runLocalSeedCommand,
};

export async function main(argv: readonly string[], output?: Output): Promise<number> {
  // Before the command line is parsed: it names no command and needs no
  // configuration. Scripts read it, so it goes to stdout, where Output sends
  // only --json results.
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const json = argv.includes('--json');
  const out = output ?? new Output(json);
  try {
    const commandLine = parseCommandLine(argv);
    if (commandLine.kind === 'usage') {
      out.warn(USAGE);
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
    };
    if (flags.now !== undefined && context.target === 'aws') {
      throw new UsageError('--now sets the local virtual clock; it cannot be used with --target aws');
    }
    return await RUN_COMMAND[command](context);
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
  if (error instanceof UsageError) {
    out.warn(`restorable: ${error.message}\nRun restorable --help for usage.`);
    return EXIT_USAGE;
  }
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseNotFoundError ||
    error instanceof StateMachineNotFoundError ||
    error instanceof ReportBucketNotFoundError ||
    error instanceof ForeignStateDirError
  ) {
    out.warn(`restorable: ${error.message}`);
    return EXIT_USAGE;
  }
  out.warn(`restorable: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  return EXIT_FAILURE;
}
