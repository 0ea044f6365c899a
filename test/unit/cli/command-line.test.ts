// Which options each command takes, as a specification independent of the
// table in command-line.ts: every other option is refused, naming it and the
// command, and --now is held to a plausible range around the real clock.
import { describe, expect, it } from 'vitest';
import { commandHelp, parseCommandLine, USAGE } from '../../../src/cli/command-line.ts';
import { UsageError } from '../../../src/cli/errors.ts';

const REAL_NOW = new Date('2026-12-01T15:00:00Z');
const DAY_MS = 86_400_000;

const parse = (argv: readonly string[]) => parseCommandLine(argv, REAL_NOW);

/** The message of the UsageError the command line is refused with. */
function refusalOf(argv: readonly string[]): string {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`restorable ${argv.join(' ')} was accepted`);
}

/** Options of every command, as typed, and the flags they give. */
const COMMON = {
  argv: [
    '--config',
    'restorable.yml',
    '--target',
    'local',
    '--state-dir',
    'state',
    '--now',
    '2026-11-22T02:00:00Z',
    '--json',
  ],
  flags: {
    config: 'restorable.yml',
    target: 'local',
    'state-dir': 'state',
    now: new Date('2026-11-22T02:00:00Z'),
    json: true,
  },
};

/** Options only some commands take, as typed, and the flags they give. */
const OPTIONS: Record<string, { argv: string[]; flags: object }> = {
  '--days': { argv: ['--days', '3'], flags: { days: 3 } },
  '--db': { argv: ['--db', 'orders'], flags: { db: ['orders'] } },
  '--dry-run': { argv: ['--dry-run'], flags: { 'dry-run': true } },
  '--snapshot': {
    argv: ['--snapshot', 'restorable-orders-2026-11-20'],
    flags: { snapshot: 'restorable-orders-2026-11-20' },
  },
  '--region': { argv: ['--region', 'eu-west-1'], flags: { region: 'eu-west-1' } },
  '--from': { argv: ['--from', '2026-11-01'], flags: { from: '2026-11-01' } },
  '--to': { argv: ['--to', '2026-11-30'], flags: { to: '2026-11-30' } },
  '--no-wait': { argv: ['--no-wait'], flags: { wait: { follow: false, lockSeconds: undefined } } },
};

const TAKES: Record<string, string[]> = {
  demo: ['--days'],
  backup: ['--db', '--no-wait'],
  prune: ['--dry-run', '--no-wait'],
  drill: ['--db', '--snapshot', '--region', '--no-wait'],
  report: ['--from', '--to', '--no-wait'],
  sweep: ['--no-wait'],
  status: [],
  'local init': [],
  'local seed': [],
};

const option = (name: string) => {
  const spec = OPTIONS[name];
  if (spec === undefined) throw new Error(`no example of ${name}`);
  return spec;
};

const refusedPairs = Object.entries(TAKES).flatMap(([command, takes]) =>
  Object.keys(OPTIONS)
    .filter((name) => !takes.includes(name))
    .map((name) => [command, name] as const),
);

describe('the options of each command', () => {
  it.each(Object.entries(TAKES))('%s takes its own options and those of every command', (command, takes) => {
    const line = parse([
      ...command.split(' '),
      ...COMMON.argv,
      ...takes.flatMap((name) => option(name).argv),
    ]);

    expect(line).toMatchObject({
      kind: 'run',
      command,
      flags: Object.assign({}, COMMON.flags, ...takes.map((name) => option(name).flags)),
    });
  });

  it.each(refusedPairs)('%s refuses %s, naming both', (command, name) => {
    const message = refusalOf([...command.split(' '), ...option(name).argv]);
    // A reason may follow in parentheses (prune --db, below).
    expect(message).toMatch(new RegExp(`^${escapeRegExp(`${command} does not take ${name}`)}( \\(.+\\))?$`));
  });

  it('refuses --db for prune, saying the prune is planned fleet-wide', () => {
    expect(refusalOf(['prune', '--db', 'orders', '--dry-run'])).toBe(
      'prune does not take --db (the prune is planned fleet-wide, over every protected database in every region; it cannot be limited to one)',
    );
  });

  it('names every refused option, as typed', () => {
    expect(refusalOf(['sweep', '--dry-run', '--days', '3', '--no-wait'])).toBe(
      'sweep does not take --dry-run, --days',
    );
    expect(refusalOf(['status', '--db=orders', '--db', 'billing', '--no-wait'])).toBe(
      'status does not take --db, --no-wait',
    );
  });

  it('refuses an option before judging its value', () => {
    expect(refusalOf(['sweep', '--days', '0'])).toBe('sweep does not take --days');
  });
});

describe('--wait', () => {
  it.each([
    [['--wait'], Number.POSITIVE_INFINITY],
    [['--wait=90'], 90],
    [['--wait=0'], 0],
    [[], undefined],
  ])('%j waits for a busy state directory %s seconds, and follows a workflow', (argv, lockSeconds) => {
    for (const command of Object.keys(TAKES)) {
      expect(parse([...command.split(' '), ...argv])).toMatchObject({
        kind: 'run',
        flags: { wait: { follow: true, lockSeconds } },
      });
    }
  });

  it('never takes the next argument as its seconds', () => {
    expect(parse(['backup', '--wait', '--db', 'orders'])).toMatchObject({
      flags: { db: ['orders'], wait: { lockSeconds: Number.POSITIVE_INFINITY } },
    });
    expect(refusalOf(['status', '--wait', '30'])).toBe('unexpected argument: 30');
  });

  it.each([['--wait=soon'], ['--wait=-1'], ['--wait=1.5']])('%s is refused', (wait) => {
    expect(refusalOf(['status', wait])).toBe('--wait must be a whole number of seconds, as in --wait=60');
  });

  it('is refused beside --no-wait', () => {
    expect(refusalOf(['backup', '--wait=5', '--no-wait'])).toBe('--wait and --no-wait: choose one');
  });
});

describe('help', () => {
  const COMMAND_NAMES = Object.keys(TAKES);

  it.each([[['help']], [['--help']], [['-h']]])('restorable %j prints the usage, exit 0', (argv) => {
    expect(parse(argv)).toEqual({ kind: 'help', text: USAGE, exitCode: 0 });
  });

  it('restorable with no command prints the usage, exit 2', () => {
    expect(parse([])).toEqual({ kind: 'help', text: USAGE, exitCode: 2 });
  });

  it.each(COMMAND_NAMES)('%s --help and help %s print its own help, exit 0', (command) => {
    const words = command.split(' ');
    const help = { kind: 'help', text: commandHelp(command as never), exitCode: 0 };

    expect(parse([...words, '--help'])).toEqual(help);
    expect(parse(['help', ...words])).toEqual(help);
    // Help wins over what the line would be refused for.
    expect(parse([...words, '--dry-run', '--days', '0', '-h'])).toEqual(help);
  });

  it.each(Object.entries(TAKES))(
    'the help of %s lists its own options and examples of it',
    (command, takes) => {
      const text = commandHelp(command as never);
      const lines = text.split('\n');

      expect(lines[0]).toMatch(new RegExp(`^Usage: restorable ${escapeRegExp(command)}( |$)`));
      for (const name of takes)
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${name}\\b`)));
      for (const name of Object.keys(OPTIONS).filter((other) => !takes.includes(other))) {
        expect(lines).not.toContainEqual(expect.stringMatching(new RegExp(`^  ${name}\\b`)));
      }
      const examples = lines
        .slice(lines.indexOf('Examples:') + 1)
        .filter((line) => line.startsWith('  restorable'));
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples)
        expect(example).toMatch(new RegExp(`^  restorable ${escapeRegExp(command)}\\b`));
      for (const example of examples) {
        const argv = example.trim().split('  #')[0]?.trim().split(/\s+/).slice(1) ?? [];
        // Every example is a command line the parser accepts (redirections aside).
        expect(parse(argv.filter((word) => word !== '>' && !word.endsWith('.json')))).toMatchObject({
          kind: 'run',
          command,
        });
      }
    },
  );

  it('restorable local --help gives the help of both local commands', () => {
    expect(parse(['local', '--help'])).toEqual({
      kind: 'help',
      text: `${commandHelp('local init')}\n\n${commandHelp('local seed')}`,
      exitCode: 0,
    });
  });

  it('of an unknown command is refused, naming it', () => {
    expect(refusalOf(['frobnicate', '--help'])).toBe('unknown command: frobnicate');
  });
});

describe('an unknown command or option', () => {
  /** The UsageError the command line is refused with. */
  function usageErrorOf(argv: readonly string[]): UsageError {
    try {
      parse(argv);
    } catch (error) {
      if (error instanceof UsageError) return error;
      throw error;
    }
    throw new Error(`restorable ${argv.join(' ')} was accepted`);
  }

  it.each([
    [['frobnicate'], 'unknown command: frobnicate', 'restorable --help'],
    [['local', 'wipe'], 'unknown local command: wipe; expected init or seed', 'restorable --help'],
    [
      ['backup', '--bogus'],
      'unknown option --bogus (restorable backup takes no such option)',
      'restorable backup --help',
    ],
    [
      ['local', 'seed', '--force'],
      'unknown option --force (restorable local seed takes no such option)',
      'restorable local seed --help',
    ],
    [['--bogus'], 'unknown option --bogus (restorable takes no such option)', 'restorable --help'],
    [['status', '--dry-run'], 'status does not take --dry-run', 'restorable status --help'],
  ])('restorable %j is refused: %s, with a hint to %s', (argv, message, helpCommand) => {
    const error = usageErrorOf(argv);

    expect(error.message).toBe(message);
    expect(error.helpCommand).toBe(helpCommand);
  });
});

describe('--now', () => {
  it.each([
    ['1999-12-31T00:00:00Z'],
    ['1999-12-31T23:59:59Z'],
    ['2027-12-01T15:00:01Z'],
    [new Date(REAL_NOW.getTime() + 400 * DAY_MS).toISOString()],
  ])('%s is refused, naming the allowed range', (now) => {
    expect(refusalOf(['status', '--now', now])).toMatch(
      /^--now \S+ is out of range: it must be from 2000-01-01T00:00:00Z to one year after the real clock \(2027-12-01T15:00:00Z\)$/,
    );
  });

  it.each([['2000-01-01T00:00:00Z'], ['2026-11-22T02:00:00Z'], ['2027-12-01T15:00:00Z']])(
    '%s is accepted',
    (now) => {
      expect(parse(['status', '--now', now])).toMatchObject({ flags: { now: new Date(now) } });
    },
  );
});

describe('the usage text', () => {
  it.each([
    ['demo [--days N]'],
    ['backup [--db ID]... [--no-wait]'],
    ['prune [--dry-run] [--no-wait]'],
    ['drill [--db ID] [--snapshot ID] [--region R] [--vault] [--no-wait]'],
    ['report [--from DATE] [--to DATE] [--no-wait]'],
    ['sweep [--no-wait]'],
    ['status'],
    ['local init'],
    ['local seed'],
  ])('shows %s with its options', (synopsis) => {
    expect(USAGE.split('\n')).toContainEqual(
      expect.stringMatching(new RegExp(`^  ${escapeRegExp(synopsis)}( {2,}|$)`)),
    );
  });

  it('says that any other option is refused with exit code 2', () => {
    expect(USAGE).toContain('A command refuses any other option with exit code 2');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
