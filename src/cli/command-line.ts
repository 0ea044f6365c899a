// What each command accepts, and the parsing that holds every command to it.
// The table of commands below is the single source of truth: the usage text
// is written from it, and an option a command does not take is refused
// (exit 2) before anything runs. An ignored option is never harmless: an
// ignored --dry-run means real deletions.
import { type ParseArgsOptionDescriptor, parseArgs } from 'node:util';
import { z } from 'zod';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';

interface OptionSpec {
  readonly parse: ParseArgsOptionDescriptor;
  /** How the usage text shows it. */
  readonly label: string;
  readonly help: string;
}

const OPTIONS = {
  config: {
    parse: { type: 'string' },
    label: '--config FILE',
    help: 'configuration file (default: restorable.yml if present, else the built-in demo config)',
  },
  target: {
    parse: { type: 'string' },
    label: '--target local|aws',
    help: "where to run (default: the config's target, local unless set)",
  },
  'state-dir': {
    parse: { type: 'string' },
    label: '--state-dir DIR',
    help: 'state directory of the local cloud (default: .restorable)',
  },
  now: {
    parse: { type: 'string' },
    label: '--now ISO',
    help: 'virtual clock for local runs, e.g. 2026-11-22T02:00:00Z (from 2000 to a year from now)',
  },
  json: {
    parse: { type: 'boolean' },
    label: '--json',
    help: "machine-readable result on stdout; people's output is suppressed",
  },
  help: { parse: { type: 'boolean', short: 'h' }, label: '-h, --help', help: 'this help' },
  days: { parse: { type: 'string' }, label: '--days N', help: 'demo: how many days to replay (default 10)' },
  db: {
    parse: { type: 'string', multiple: true },
    label: '--db ID',
    help: 'a protected database (backup: repeatable; drill: one)',
  },
  'dry-run': {
    parse: { type: 'boolean' },
    label: '--dry-run',
    help: 'prune: list what would be deleted, delete nothing',
  },
  snapshot: {
    parse: { type: 'string' },
    label: '--snapshot ID',
    help: 'drill: the snapshot to restore (needs --db)',
  },
  region: { parse: { type: 'string' }, label: '--region R', help: 'drill: the region to restore in' },
  from: { parse: { type: 'string' }, label: '--from DATE', help: 'report: first day of the period' },
  to: { parse: { type: 'string' }, label: '--to DATE', help: 'report: last day of the period' },
  wait: {
    parse: { type: 'boolean' },
    label: '--no-wait',
    help: 'aws: start the workflow, print its execution ARN and return',
  },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
const COMMON_OPTIONS: readonly OptionName[] = ['config', 'target', 'state-dir', 'now', 'json', 'help'];

interface CommandSpec {
  /** The options it takes besides the common ones. */
  readonly options: readonly OptionName[];
  /** Those of its options it takes more than once. */
  readonly repeatable?: readonly OptionName[];
  /** Its lines in the usage text. */
  readonly help: readonly [string, ...string[]];
  /** Why it refuses an option that a user could expect it to take. */
  readonly refusals?: Readonly<Partial<Record<OptionName, string>>>;
}

// Only the commands that start a deployed workflow take `wait` (--no-wait).
const COMMANDS = {
  demo: {
    options: ['days'],
    help: ['local: seed demo databases, replay N days of daily backups, print a summary'],
  },
  backup: {
    options: ['db', 'wait'],
    repeatable: ['db'],
    help: ['run the backup workflow (every protected database, or the given ones)'],
  },
  prune: {
    options: ['dry-run', 'wait'],
    help: ["delete the tool's snapshots older than the retention, in every region, and audit"],
    refusals: {
      db: 'the prune is planned fleet-wide, over every protected database in every region; it cannot be limited to one',
    },
  },
  drill: {
    options: ['db', 'snapshot', 'region', 'wait'],
    help: [
      'restore a snapshot into a sandbox, verify it, tear it down, write the report',
      '(default: the newest available snapshot in the first copy region; without',
      '--db, every protected database)',
    ],
  },
  report: {
    options: ['from', 'to', 'wait'],
    help: ['write the compliance report for a period (default: the last 30 days)'],
  },
  sweep: {
    options: ['wait'],
    help: ['delete restore sandboxes past their time to live, and failed ones'],
  },
  status: {
    options: [],
    help: ['protected databases: snapshots kept and newest age per region, last drill'],
  },
  'local init': {
    options: [],
    help: ['create the embedded local cloud in the state directory (an empty or new one)'],
  },
  'local seed': { options: [], help: ['create the demo databases in the local cloud'] },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  target: z.enum(['local', 'aws'], { error: 'must be local or aws' }).optional(),
  'state-dir': z.string().min(1).optional(),
  now: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-22T02:00:00Z' })
    .transform((value) => new Date(value))
    .optional(),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
  days: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(60, { error: 'must be at most 60' })
    .optional(),
  db: z.array(z.string().min(1)).default([]),
  'dry-run': z.boolean().default(false),
  snapshot: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  from: z.iso.date({ error: 'must be a date such as 2026-11-01' }).optional(),
  to: z.iso.date({ error: 'must be a date such as 2026-11-30' }).optional(),
  wait: z.boolean().default(true),
} satisfies Record<OptionName, z.ZodType>);

/** Every option with its value or default; a command reads only the options it takes. */
export type Flags = z.infer<typeof flagsSchema>;

/** What the command line asks for: a command to run, or the usage text. */
export type CommandLine =
  | { readonly kind: 'run'; readonly command: CommandName; readonly flags: Flags }
  | { readonly kind: 'usage'; readonly exitCode: number };

/**
 * Parses and validates the command line, and refuses (UsageError) what the
 * command does not take, using the real clock `realNow` to bound --now.
 * Touches nothing: it runs before the configuration is even read.
 */
export function parseCommandLine(argv: readonly string[], realNow: Date = new Date()): CommandLine {
  const { values, positionals, tokens } = parseSyntax(argv);
  const [first] = positionals;
  if (values.help === true || first === undefined || first === 'help') {
    return { kind: 'usage', exitCode: first === undefined && values.help !== true ? EXIT_USAGE : EXIT_OK };
  }
  const command = commandOf(positionals);
  refuseOptionsNotTaken(command, tokens);
  const result = flagsSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? '')} ${issue?.message ?? 'is invalid'}`);
  }
  if (result.data.now !== undefined) assertPlausibleNow(result.data.now, realNow);
  return { kind: 'run', command, flags: result.data };
}

function parseSyntax(argv: readonly string[]) {
  const options = Object.fromEntries(Object.entries(OPTIONS).map(([name, { parse }]) => [name, parse]));
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

function commandOf(positionals: readonly string[]): CommandName {
  const [first = '', ...rest] = positionals;
  const isLocal = first === 'local';
  const [name, extra] = isLocal ? [`local ${rest[0] ?? ''}`, rest.slice(1)] : [first, rest];
  if (!isCommandName(name)) {
    throw new UsageError(
      isLocal
        ? `unknown local command: ${rest[0] ?? '(none)'}; expected init or seed`
        : `unknown command: ${first}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);
  return name;
}

/** Names every refused option as it was typed (`--no-wait`, not `wait`), with the reason when there is one. */
function refuseOptionsNotTaken(command: CommandName, tokens: ReturnType<typeof parseSyntax>['tokens']): void {
  const spec: CommandSpec = COMMANDS[command];
  const taken = new Set<string>([...COMMON_OPTIONS, ...spec.options]);
  const refused = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || taken.has(token.name)) continue;
    const reason = isOptionName(token.name) ? spec.refusals?.[token.name] : undefined;
    refused.add(reason === undefined ? token.rawName : `${token.rawName} (${reason})`);
  }
  if (refused.size > 0) throw new UsageError(`${command} does not take ${[...refused].join(', ')}`);
}

/** Snapshot and report times before this are typos, not replays. */
const EARLIEST_NOW = new Date('2000-01-01T00:00:00Z');

/**
 * --now replays days that passed or are about to come; a time decades away
 * is a typo (2062 for 2026) that would stamp every snapshot, lease and report.
 */
function assertPlausibleNow(now: Date, realNow: Date): void {
  const latest = new Date(realNow);
  latest.setUTCFullYear(latest.getUTCFullYear() + 1);
  if (now < EARLIEST_NOW || now > latest) {
    throw new UsageError(
      `--now ${toIsoSeconds(now)} is out of range: it must be from ${toIsoSeconds(EARLIEST_NOW)} ` +
        `to one year after the real clock (${toIsoSeconds(latest)})`,
    );
  }
}

const toIsoSeconds = (time: Date) => time.toISOString().replace(/\.\d{3}Z$/, 'Z');

const HELP_COLUMN = 23;

/** A label and its help lines, the help starting at HELP_COLUMN (on the next line when the label is too long). */
function usageEntry(label: string, [first, ...rest]: readonly [string, ...string[]]): string[] {
  const indent = ' '.repeat(HELP_COLUMN);
  const head = `  ${label}`;
  const opening = head.length < HELP_COLUMN ? [head.padEnd(HELP_COLUMN) + first] : [head, indent + first];
  return [...opening, ...rest.map((line) => indent + line)];
}

function synopsis(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const options = spec.options.map(
    (option) => `[${OPTIONS[option].label}]${spec.repeatable?.includes(option) ? '...' : ''}`,
  );
  return [name, ...options].join(' ');
}

const commandOptions = (Object.keys(OPTIONS) as OptionName[]).filter(
  (option) => !COMMON_OPTIONS.includes(option),
);

export const USAGE = [
  'Usage: restorable <command> [options]',
  '',
  'Commands, each with the options it takes besides those of every command:',
  ...(Object.keys(COMMANDS) as CommandName[]).flatMap((name) =>
    usageEntry(synopsis(name), COMMANDS[name].help),
  ),
  '',
  'Options of every command:',
  ...COMMON_OPTIONS.flatMap((option) => usageEntry(OPTIONS[option].label, [OPTIONS[option].help])),
  '',
  'Options of some commands (see above which):',
  ...commandOptions.flatMap((option) => usageEntry(OPTIONS[option].label, [OPTIONS[option].help])),
  '',
  'A command refuses any other option with exit code 2, naming it, before it changes anything.',
  '',
  'Exit codes: 0 success, 1 the job ran and found a failure (a backup not OK, a failed deletion,',
  'a policy violation), 2 bad usage or invalid configuration.',
].join('\n');
