// The help a user asks for is on stdout with exit 0, and what the command
// line gets wrong exits 2 on stderr, naming it, with the help to read.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('restorable --help', () => {
  it('prints the usage of every command on stdout, exit 0', async () => {
    const run = await runCli('--help');

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: restorable <command> \[options\]\n/);
    for (const command of ['demo', 'backup', 'prune', 'drill', 'report', 'sweep', 'status', 'local init']) {
      expect(run.stdout).toContain(`\n  ${command}`);
    }
  });

  it('without a command, prints the usage on stderr, exit 2', async () => {
    const run = await runCli();

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage: restorable <command>/);
  });
});

describe('restorable <command> --help', () => {
  it('prints the command’s own options and examples on stdout, exit 0', async () => {
    const run = await runCli('prune', '--help');

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: restorable prune \[--dry-run\] \[--no-wait\]/);
    expect(run.stdout).toMatch(/\n {2}--dry-run +list what would be deleted, delete nothing\n/);
    expect(run.stdout).not.toContain('--snapshot');
    expect(run.stdout).toMatch(/\n {2}restorable prune --dry-run +# what would be deleted; nothing is\n/);
  });

  it('is the same document as restorable help <command>, and --json does not change it', async () => {
    const [asOption, asCommand, withJson] = await Promise.all([
      runCli('drill', '--help'),
      runCli('help', 'drill'),
      runCli('drill', '--help', '--json'),
    ]);

    expect(asCommand.stdout).toBe(asOption.stdout);
    expect(withJson.stdout).toBe(asOption.stdout);
    expect(asOption.stdout).toContain('--region R');
  });
});

describe('what the command line gets wrong', () => {
  it.each([
    [['frobnicate'], 'restorable: unknown command: frobnicate', 'restorable --help'],
    [['backup', '--force'], 'restorable: unknown option --force', 'restorable backup --help'],
    [['status', '--dry-run'], 'restorable: status does not take --dry-run', 'restorable status --help'],
  ])('restorable %j exits 2 on stderr, naming it: %s', async (argv, message, help) => {
    const run = await runCli(...argv);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(`Run ${help} for usage.`);
  });

  it('with --json, is also the one JSON document on stdout: the error’s name and message', async () => {
    const run = await runCli('backup', '--force', '--json');

    expect(run.code).toBe(2);
    expect(run.json()).toEqual({
      error: {
        name: 'UsageError',
        message: 'unknown option --force (restorable backup takes no such option)',
      },
    });
  });
});
