// Which options each command takes, as a specification independent of the
// table in command-line.ts: every other option is refused, naming it and the
// command, and --now is held to a plausible range around the real clock.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, USAGE } from '../../../src/cli/command-line.ts';
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
  '--no-wait': { argv: ['--no-wait'], flags: { wait: false } },
  '--wait': { argv: ['--wait'], flags: { wait: true } },
};

const TAKES: Record<string, string[]> = {
  demo: ['--days'],
  backup: ['--db', '--no-wait', '--wait'],
  prune: ['--dry-run', '--no-wait', '--wait'],
  drill: ['--db', '--snapshot', '--region', '--no-wait', '--wait'],
  report: ['--from', '--to', '--no-wait', '--wait'],
  sweep: ['--no-wait', '--wait'],
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

  it.each([
    [['backup', '--help'], 0],
    [['help'], 0],
    [['--help'], 0],
    [[], 2],
  ])('restorable %j prints the usage and exits %i', (argv, exitCode) => {
    expect(parse(argv)).toEqual({ kind: 'usage', exitCode });
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
    ['drill [--db ID] [--snapshot ID] [--region R] [--no-wait]'],
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
