// What each command accepts, and the parsing that holds every command to it.
// The table of commands below is the single source of truth: the usage text
// and each command's own help are written from it, and an option a command
// does not take is refused (exit 2) before anything runs. An ignored option is
// never harmless: an ignored --dry-run means real deletions.
import { type ParseArgsOptionDescriptor, parseArgs } from 'node:util';
import { z } from 'zod';
import { EXIT_BUSY, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';

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
    help: 'one JSON document on stdout: the result, or {"error":{"name","message"}}',
  },
  // A string so that it can carry seconds; a bare --wait is given the value ''
  // before parsing (see withBareWait).
  wait: {
    parse: { type: 'string' },
    label: '--wait[=SECONDS]',
    help: "local: wait for a busy state directory's lock (at most SECONDS; without, as long as it takes)",
  },
  help: { parse: { type: 'boolean', short: 'h' }, label: '-h, --help', help: 'this help' },
  days: { parse: { type: 'string' }, label: '--days N', help: 'how many days to replay (default 10)' },
  db: {
    parse: { type: 'string', multiple: true },
    label: '--db ID',
    help: 'a protected database',
  },
  'dry-run': {
    parse: { type: 'boolean' },
    label: '--dry-run',
    help: 'list what would be deleted, delete nothing',
  },
  snapshot: {
    parse: { type: 'string' },
    label: '--snapshot ID',
    help: 'the snapshot to restore (needs --db)',
  },
  region: { parse: { type: 'string' }, label: '--region R', help: 'the region to restore in' },
  vault: {
    parse: { type: 'boolean' },
    label: '--vault',
    help: "restore the vault account's copy (configuration vault), in the first vault region unless --region",
  },
  from: { parse: { type: 'string' }, label: '--from DATE', help: 'first day of the period' },
  to: { parse: { type: 'string' }, label: '--to DATE', help: 'last day of the period' },
  'no-wait': {
    parse: { type: 'boolean' },
    label: '--no-wait',
    help: 'aws: start the workflow, print its execution ARN and return',
  },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
const COMMON_OPTIONS: readonly OptionName[] = [
  'config',
  'target',
  'state-dir',
  'now',
  'json',
  'wait',
  'help',
];

interface CommandSpec {
  /** The options it takes besides the common ones. */
  readonly options: readonly OptionName[];
  /** Those of its options it takes more than once. */
  readonly repeatable?: readonly OptionName[];
  /** Its lines in the usage text. */
  readonly help: readonly [string, ...string[]];
  /** What an option means for this command, where the option's own help is not enough. */
  readonly optionHelp?: Readonly<Partial<Record<OptionName, string>>>;
  /** Command lines that show what it does, each with what it does. */
  readonly examples: readonly (readonly [string, string])[];
  /** Why it refuses an option that a user could expect it to take. */
  readonly refusals?: Readonly<Partial<Record<OptionName, string>>>;
}

const COMMANDS = {
  demo: {
    options: ['days'],
    help: ['local: seed demo databases, replay N days of daily backups, print a summary'],
    optionHelp: { days: 'how many days to replay, 1 to 60 (default 10)' },
    examples: [
      ['restorable demo', 'ten days of backups, prunes and drills on a fresh local cloud'],
      ['restorable demo --days 2 --state-dir /tmp/try', 'two days, in a directory of its own'],
    ],
  },
  backup: {
    options: ['db', 'no-wait'],
    repeatable: ['db'],
    help: ['run the backup workflow (every protected database, or the given ones)'],
    optionHelp: { db: 'back up this protected database only (repeatable)' },
    examples: [
      ['restorable backup', 'every protected database'],
      ['restorable backup --db orders --json', 'one database, the result as JSON'],
      ['restorable backup --now 2026-12-01T02:00:00Z', "the day's backup on the virtual clock"],
    ],
  },
  prune: {
    options: ['dry-run', 'no-wait'],
    help: ["delete the tool's snapshots older than the retention, in every region, and audit"],
    examples: [
      ['restorable prune --dry-run', 'what would be deleted; nothing is'],
      ['restorable prune --target aws --no-wait', 'start the deployed prune and return'],
    ],
    refusals: {
      db: 'the prune is planned fleet-wide, over every protected database in every region; it cannot be limited to one',
    },
  },
  drill: {
    options: ['db', 'snapshot', 'region', 'vault', 'no-wait'],
    help: [
      'restore a snapshot into a sandbox, verify it, tear it down, write the report',
      '(default: the newest available snapshot in the first copy region; without',
      '--db, every protected database)',
    ],
    optionHelp: { db: 'drill this protected database only (one)' },
    examples: [
      ['restorable drill --db orders', 'the newest copy of orders in the DR region'],
      ['restorable drill --db billing --region eu-west-1 --json', 'in the source region, as JSON'],
      ['restorable drill --db orders --vault', "the vault account's newest copy of orders"],
      ['restorable drill', 'every protected database that is due, the most overdue first'],
    ],
  },
  report: {
    options: ['from', 'to', 'no-wait'],
    help: ['write the compliance report for a period (default: the last 30 days)'],
    examples: [
      ['restorable report', 'the last 30 days'],
      ['restorable report --from 2026-11-01 --to 2026-11-30 --json', 'November, as JSON'],
    ],
  },
  sweep: {
    options: ['no-wait'],
    help: ['delete restore sandboxes past their time to live, and failed ones'],
    examples: [['restorable sweep', 'remove what drills left behind']],
  },
  status: {
    options: [],
    help: ['protected databases: snapshots kept and newest age per region, last drill'],
    examples: [
      ['restorable status', 'the table, on stdout'],
      ['restorable status --json > status.json', 'the same as JSON'],
      ['restorable status --wait=60', 'while another command holds the local cloud, wait up to a minute'],
    ],
  },
  'local init': {
    options: [],
    help: ['create the embedded local cloud in the state directory (an empty or new one)'],
    examples: [['restorable local init --state-dir /tmp/cloud', 'a local cloud in /tmp/cloud']],
  },
  'local seed': {
    options: [],
    help: ['create the demo databases in the local cloud'],
    examples: [['restorable local seed', 'orders, billing and an unprotected one']],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** What `--wait` and `--no-wait` ask for. */
export interface WaitFlag {
  /** aws: follow the started workflow to its end (false with --no-wait). */
  readonly follow: boolean;
  /** local: how long to wait for a busy state directory's lock; undefined: do not wait. */
  readonly lockSeconds: number | undefined;
}

/** --wait's seconds: '' for a bare --wait, which waits as long as it takes. */
const lockWaitSchema = z
  .string()
  .regex(/^\d*$/, { error: 'must be a whole number of seconds, as in --wait=60' })
  .transform((value) => (value === '' ? Number.POSITIVE_INFINITY : Number(value)))
  .optional();

const flagsSchema = z.object({
  config: z.string().min(1).optional(),
  target: z.enum(['local', 'aws'], { error: 'must be local or aws' }).optional(),
  'state-dir': z.string().min(1).optional(),
  now: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-22T02:00:00Z' })
    .transform((value) => new Date(value))
    .optional(),
  json: z.boolean().default(false),
  wait: lockWaitSchema,
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
  vault: z.boolean().default(false),
  from: z.iso.date({ error: 'must be a date such as 2026-11-01' }).optional(),
  to: z.iso.date({ error: 'must be a date such as 2026-11-30' }).optional(),
  'no-wait': z.boolean().default(false),
} satisfies Record<OptionName, z.ZodType>);

/** Every option with its value or default; a command reads only the options it takes. */
export type Flags = Omit<z.infer<typeof flagsSchema>, 'wait' | 'no-wait'> & { readonly wait: WaitFlag };

/** What the command line asks for: a command to run, or a help text. */
export type CommandLine =
  | { readonly kind: 'run'; readonly command: CommandName; readonly flags: Flags }
  | {
      readonly kind: 'help';
      readonly text: string;
      /** 0 when help was asked for (printed on stdout), 2 when no command was given (on stderr). */
      readonly exitCode: number;
    };

/**
 * Parses and validates the command line, and refuses (UsageError) what the
 * command does not take, using the real clock `realNow` to bound --now.
 * Touches nothing: it runs before the configuration is even read.
 */
export function parseCommandLine(argv: readonly string[], realNow: Date = new Date()): CommandLine {
  const { values, positionals, tokens } = parseSyntax(argv);
  const [first] = positionals;
  if (first === undefined && values.help !== true) return { kind: 'help', text: USAGE, exitCode: EXIT_USAGE };
  if (values.help === true || first === 'help') {
    const topic = first === 'help' ? positionals.slice(1) : positionals;
    return { kind: 'help', text: helpOf(topic), exitCode: EXIT_OK };
  }
  const command = commandOf(positionals);
  refuseOptionsNotTaken(command, tokens);
  const result = flagsSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? '')} ${issue?.message ?? 'is invalid'}`, {
      helpCommand: `restorable ${command} --help`,
    });
  }
  const { wait: lockSeconds, 'no-wait': noWait, ...flags } = result.data;
  if (flags.now !== undefined) assertPlausibleNow(flags.now, realNow);
  if (noWait && lockSeconds !== undefined) {
    throw new UsageError('--wait and --no-wait: choose one', { helpCommand: `restorable ${command} --help` });
  }
  return { kind: 'run', command, flags: { ...flags, wait: { follow: !noWait, lockSeconds } } };
}

/** The help asked for by `restorable help [topic]` or `restorable [topic] --help`. */
function helpOf(topic: readonly string[]): string {
  if (topic.length === 0) return USAGE;
  if (topic.length === 1 && topic[0] === 'local') {
    return [commandHelp('local init'), '', commandHelp('local seed')].join('\n');
  }
  return commandHelp(commandOf(topic));
}

/** A bare `--wait` (no `=SECONDS`) as the empty value, so that it never takes the next argument as its value. */
function withBareWait(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, index) => (arg === '--wait' && (end === -1 || index < end) ? '--wait=' : arg));
}

const PARSE_OPTIONS = Object.fromEntries(Object.entries(OPTIONS).map(([name, { parse }]) => [name, parse]));

function parseSyntax(argv: readonly string[]) {
  const args = withBareWait(argv);
  try {
    return parseArgs({
      args,
      options: PARSE_OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    const helpCommand = helpCommandFor(args);
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message);
    if (unknown?.[1] !== undefined) {
      const command =
        helpCommand === 'restorable --help' ? 'restorable' : helpCommand.slice(0, -' --help'.length);
      throw new UsageError(`unknown option ${unknown[1]} (${command} takes no such option)`, { helpCommand });
    }
    throw new UsageError((error as Error).message, { helpCommand });
  }
}

/** `restorable <command> --help` for a command line that names a command, else `restorable --help`. */
function helpCommandFor(args: readonly string[]): string {
  const { positionals } = parseArgs({
    args: [...args],
    options: PARSE_OPTIONS,
    allowPositionals: true,
    strict: false,
  });
  const [first = '', second = ''] = positionals;
  const name = first === 'local' ? `local ${second}` : first;
  return isCommandName(name) ? `restorable ${name} --help` : 'restorable --help';
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
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument: ${extra.join(' ')}`, {
      helpCommand: `restorable ${name} --help`,
    });
  }
  return name;
}

/** Names every refused option as it was typed (`--db=orders` as `--db`), with the reason when there is one. */
function refuseOptionsNotTaken(command: CommandName, tokens: ReturnType<typeof parseSyntax>['tokens']): void {
  const spec: CommandSpec = COMMANDS[command];
  const taken = new Set<string>([...COMMON_OPTIONS, ...spec.options]);
  const refused = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || taken.has(token.name)) continue;
    const reason = isOptionName(token.name) ? spec.refusals?.[token.name] : undefined;
    refused.add(reason === undefined ? token.rawName : `${token.rawName} (${reason})`);
  }
  if (refused.size > 0) {
    throw new UsageError(`${command} does not take ${[...refused].join(', ')}`, {
      helpCommand: `restorable ${command} --help`,
    });
  }
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

/** The command's own options as the usage shows them. */
function ownOptions(spec: CommandSpec): { label: string; help: string; repeatable: boolean }[] {
  return spec.options.map((name) => ({
    label: OPTIONS[name].label,
    help: spec.optionHelp?.[name] ?? OPTIONS[name].help,
    repeatable: spec.repeatable?.includes(name) === true,
  }));
}

function synopsis(name: CommandName): string {
  return [
    name,
    ...ownOptions(COMMANDS[name]).map(
      (option) => `[${option.label}]${option.repeatable === true ? '...' : ''}`,
    ),
  ].join(' ');
}

const EXIT_CODES = [
  `Exit codes: ${EXIT_OK} success; ${EXIT_FAILURE} the job ran and found a failure (a backup not OK, a failed`,
  'deletion, a failed drill, a policy violation); ' +
    `${EXIT_USAGE} bad usage or invalid configuration; ${EXIT_BUSY} the`,
  "local cloud's state directory is in use by another process (nothing ran; see --wait);",
  `${EXIT_INTERRUPTED.SIGINT} or ${EXIT_INTERRUPTED.SIGTERM} interrupted by SIGINT (Ctrl-C) or SIGTERM, after cleaning up.`,
];

const commonOptionLines = () =>
  COMMON_OPTIONS.flatMap((option) => usageEntry(OPTIONS[option].label, [OPTIONS[option].help]));

/** `restorable <command> --help`: what it does, its own options, those of every command, examples. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const [summary, ...more] = spec.help;
  const own = ownOptions(spec);
  const width = Math.max(...spec.examples.map(([line]) => line.length));
  return [
    `Usage: restorable ${synopsis(name)} [options of every command]`,
    '',
    `${summary.charAt(0).toUpperCase()}${summary.slice(1)}`,
    ...more,
    '',
    ...(own.length === 0
      ? [`${name} takes only the options of every command.`]
      : ['Options:', ...own.flatMap((option) => usageEntry(option.label, [option.help]))]),
    '',
    'Options of every command:',
    ...commonOptionLines(),
    '',
    'Examples:',
    ...spec.examples.map(([line, what]) => `  ${line.padEnd(width)}  # ${what}`),
    '',
    `Any other option is refused with exit code ${EXIT_USAGE}, before anything changes.`,
    ...EXIT_CODES,
  ].join('\n');
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
  ...commonOptionLines(),
  '',
  'Options of some commands (see above which; `restorable <command> --help` says what each means there):',
  ...commandOptions.flatMap((option) => usageEntry(OPTIONS[option].label, [OPTIONS[option].help])),
  '',
  `A command refuses any other option with exit code ${EXIT_USAGE}, naming it, before it changes anything.`,
  '',
  ...EXIT_CODES,
].join('\n');
