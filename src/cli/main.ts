// The `restorable` command line. Parses and validates flags (exit 2 with a
// message naming the flag on bad usage), loads the configuration (exit 2 on an
// invalid file), and dispatches to a command. Commands return their exit code.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, DatabaseNotFoundError } from '../domain/errors.ts';
import { ForeignStateDirError } from '../local-cloud/state-dir.ts';
import { StateMachineNotFoundError } from './aws-workflows.ts';
import { runBackupCommand } from './commands/backup.ts';
import { runDemoCommand } from './commands/demo.ts';
import { runDrillCommand } from './commands/drill.ts';
import { runLocalInitCommand, runLocalSeedCommand } from './commands/local.ts';
import { runPruneCommand } from './commands/prune.ts';
import { runReportCommand } from './commands/report.ts';
import { runStatusCommand } from './commands/status.ts';
import { runSweepCommand } from './commands/sweep.ts';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './errors.ts';
import { Output } from './output.ts';

export const USAGE = `Usage: restorable <command> [options]

Commands:
  demo                 local: seed demo databases, replay daily backups, print a summary
  backup [--db ID]     run the backup workflow (all protected databases, or the given ones)
  prune [--dry-run]    delete the tool's snapshots older than the retention, in every region, and audit
  drill [--db ID] [--snapshot ID] [--region R]
                       restore a snapshot into a sandbox, verify it, tear it down, write the report
                       (default: the newest available snapshot in the first copy region; without
                       --db, every protected database)
  report [--from DATE] [--to DATE]
                       write the compliance report for a period (default: the last 30 days)
  sweep                delete restore sandboxes past their time to live, and failed ones
  status               protected databases: snapshots kept and newest age per region, last drill
  local init           create the embedded local cloud in the state directory (an empty or new one)
  local seed           create the demo databases in the local cloud

Options:
  --config FILE        configuration file (default: restorable.yml if present, else the built-in demo config)
  --target local|aws   where to run (default: the config's target, local unless set)
  --state-dir DIR      state directory of the local cloud (default: .restorable)
  --now ISO            virtual clock for local runs, e.g. 2026-11-22T02:00:00Z
  --json               machine-readable result on stdout; people's output is suppressed
  --no-wait            aws: start the workflow, print its execution ARN and return
  --days N             demo: how many days to replay (default 10)
  -h, --help           this help

Exit codes: 0 success, 1 the job ran and found a failure (a backup not OK, a failed deletion,
a policy violation), 2 bad usage or invalid configuration.`;

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  target: z.enum(['local', 'aws'], { error: 'must be local or aws' }).optional(),
  'state-dir': z.string().min(1).optional(),
  now: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-22T02:00:00Z' })
    .transform((value) => new Date(value))
    .optional(),
  json: z.boolean().default(false),
  db: z.array(z.string().min(1)).default([]),
  days: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(60, { error: 'must be at most 60' })
    .optional(),
  wait: z.boolean().default(true),
  'dry-run': z.boolean().default(false),
  snapshot: z.string().min(1).optional(),
  from: z.iso.date({ error: 'must be a date such as 2026-11-01' }).optional(),
  to: z.iso.date({ error: 'must be a date such as 2026-11-30' }).optional(),
  region: z.string().min(1).optional(),
  help: z.boolean().default(false),
});

export type Flags = z.infer<typeof flagsSchema>;

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

function parseFlags(argv: readonly string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        target: { type: 'string' },
        'state-dir': { type: 'string' },
        now: { type: 'string' },
        json: { type: 'boolean' },
        db: { type: 'string', multiple: true },
        days: { type: 'string' },
        wait: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        snapshot: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowNegative: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const result = flagsSchema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? '')} ${issue?.message ?? 'is invalid'}`);
  }
  return { flags: result.data, positionals: parsed.positionals };
}

export async function main(argv: readonly string[], output?: Output): Promise<number> {
  const json = argv.includes('--json');
  const out = output ?? new Output(json);
  try {
    const { flags, positionals } = parseFlags(argv);
    const [command, subcommand, ...extra] = positionals;
    if (flags.help || command === undefined || command === 'help') {
      out.warn(USAGE);
      return command === undefined && !flags.help ? EXIT_USAGE : 0;
    }
    const expectsSubcommand = command === 'local';
    if (extra.length > 0 || (!expectsSubcommand && subcommand !== undefined)) {
      throw new UsageError(`unexpected argument: ${[subcommand, ...extra].filter(Boolean).join(' ')}`);
    }
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
    switch (command) {
      case 'backup':
        return await runBackupCommand(context);
      case 'drill':
        return await runDrillCommand(context);
      case 'report':
        return await runReportCommand(context);
      case 'sweep':
        return await runSweepCommand(context);
      case 'prune':
        return await runPruneCommand(context);
      case 'status':
        return await runStatusCommand(context);
      case 'demo':
        return await runDemoCommand(context);
      case 'local':
        if (subcommand === 'init') return await runLocalInitCommand(context);
        if (subcommand === 'seed') return await runLocalSeedCommand(context);
        throw new UsageError(`unknown local command: ${subcommand ?? '(none)'}; expected init or seed`);
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
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
    error instanceof ForeignStateDirError
  ) {
    out.warn(`restorable: ${error.message}`);
    return EXIT_USAGE;
  }
  out.warn(`restorable: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  return EXIT_FAILURE;
}
