// `--target aws`: the deployed workflows, started and followed
// through the real Step Functions client, mocked at the SDK boundary; the
// state machines are the deployed stack's outputs.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryInput,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetStackOutputs } from '../../src/adapters/aws/stack.ts';
import { InterruptedError } from '../../src/cli/errors.ts';
import { runCli, startCliInterruptible } from '../support/cli.ts';
import { installFakeStack, stackOutputsOf } from '../support/fake-stack-sdk.ts';
import {
  drillDatabaseHistory,
  drillRunHistory,
  executionArnOf,
  historyPage,
} from '../support/sfn-history.ts';

const sfn = mockClient(SFNClient);
const cloudFormation = mockClient(CloudFormationClient);
const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:restorable-prod-backup';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:restorable-prod-backup:run-1';

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
  forgetStackOutputs();
  installFakeStack(cloudFormation);
  sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
  sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
});

afterEach(() => {
  sfn.reset();
});

describe('restorable backup --target aws', () => {
  it('starts the deployed backup workflow and prints its summary as the JSON contract', async () => {
    const summary = {
      runId: 'run-1',
      startedAt: '2026-11-22T02:00:00.000Z',
      status: 'OK',
      databases: [
        {
          id: 'orders',
          kind: 'instance',
          status: 'OK',
          snapshots: [{ region: 'eu-west-1', id: 'restorable-orders-2026-11-22', status: 'available' }],
        },
      ],
    };
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify(summary), executionArn });

    const run = await runCli('backup', '--target', 'aws', '--db', 'orders', '--json');

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn,
      input: JSON.stringify({ databaseIds: ['orders'] }),
    });
    expect(run.json()).toEqual({
      status: 'OK',
      databases: [
        {
          id: 'orders',
          status: 'OK',
          snapshots: [{ region: 'eu-west-1', id: 'restorable-orders-2026-11-22', status: 'available' }],
        },
      ],
      // A stack deployed before the quota forecast reports none.
      snapshotQuotas: [],
      findings: [],
    });
  });

  it("prints the deployed run's quota headroom and warnings", async () => {
    const quota = {
      region: 'eu-central-1',
      kind: 'instance',
      quota: 'ManualSnapshots',
      added: 1,
      removed: 0,
      status: 'exceeded',
      used: 100,
      max: 100,
      headroom: -1,
    };
    const warning = {
      kind: 'snapshot-quota-too-low',
      severity: 'warning',
      resource: 'eu-central-1/ManualSnapshots',
      detail: '1 would fail with SnapshotQuotaExceeded',
    };
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({
        runId: 'r',
        startedAt: '2026-11-22T02:00:00.000Z',
        status: 'OK',
        databases: [],
        snapshotQuotas: [quota],
        findings: [warning],
      }),
      executionArn,
    });

    const json = await runCli('backup', '--target', 'aws', '--json');
    const human = await runCli('backup', '--target', 'aws');

    expect(json.json()).toMatchObject({ snapshotQuotas: [quota], findings: [warning] });
    expect(human.stdout).toMatch(/eu-central-1\s+ManualSnapshots\s+100 of 100\s+\+1\s+-1 \(exceeded\)/);
    expect(human.stdout).toContain('warning: snapshot-quota-too-low eu-central-1/ManualSnapshots');
  });

  it('returns at once with the execution ARN when asked not to wait', async () => {
    const run = await runCli('backup', '--target', 'aws', '--no-wait', '--json');

    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ executionArn });
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('exits 2 when the workflow rejects an unknown database', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'DatabaseNotFoundError',
      cause: 'database nope not found',
      executionArn,
    });

    const run = await runCli('backup', '--target', 'aws', '--db', 'nope');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('database nope not found');
  });

  it('exits 1 when the run is not OK', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({
        runId: 'r',
        startedAt: '2026-11-22T02:00:00.000Z',
        status: 'PARTIAL',
        databases: [],
      }),
      executionArn,
    });

    const run = await runCli('backup', '--target', 'aws', '--json');

    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: 'PARTIAL' });
  });

  it('stops following on an interruption, exit 130, and leaves the execution running', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', executionArn });
    const interruption = new AbortController();

    const cli = startCliInterruptible(interruption.signal, 'backup', '--target', 'aws');
    await cli.stderrLine(new RegExp(`started ${executionArn}`));
    interruption.abort(new InterruptedError('SIGINT'));
    const run = await cli.done;

    expect(run.code).toBe(130);
    expect(run.stderr).toContain('restorable: interrupted by SIGINT');
    expect(sfn).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('reads the stack once, and exits 2 saying how to fix it when the stage has no stack in the region', async () => {
    // Prepare: only the staging stack is deployed.
    cloudFormation.reset();
    installFakeStack(cloudFormation, 'staging');

    // Act
    const run = await runCli('backup', '--target', 'aws', '--db', 'orders');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stack restorable-prod not found in region eu-west-1');
    expect(run.stderr).toContain('aws.stage');
    expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DescribeStacksCommand, {
      StackName: 'restorable-prod',
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('exits 2 naming the output and the stack when the stack was deployed without the workflow', async () => {
    // Prepare: a stack of an older version, without the backup workflow's output.
    const { BackupStateMachineArn: _, ...older } = stackOutputsOf('prod');
    cloudFormation.reset();
    installFakeStack(cloudFormation, 'prod', older);

    // Act
    const run = await runCli('backup', '--target', 'aws', '--db', 'orders');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stack restorable-prod has no output BackupStateMachineArn');
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('refuses the local virtual clock', async () => {
    const run = await runCli('backup', '--target', 'aws', '--now', '2026-11-22T02:00:00Z');
    expect(run.code).toBe(2);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('restorable prune --target aws', () => {
  it('prints the result of a stack deployed before the quota forecast and the completion of stopped runs: those fields empty, never missing', async () => {
    const pruneMachine = stateMachineArn.replace(/backup$/, 'prune');
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({
        runId: 'prune-1',
        dryRun: false,
        deleted: [],
        failed: [],
        deferred: [],
        kept: 4,
        findings: [],
        findingsTotal: 0,
        deferredTotal: 0,
        violations: 0,
        status: 'OK',
        log: { location: 's3://reports/evidence/prunes/x.json', sha256: 'abc' },
      }),
      executionArn,
    });

    const run = await runCli('prune', '--target', 'aws', '--json');

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: pruneMachine });
    expect(run.json()).toMatchObject({
      kept: 4,
      snapshotQuotas: [],
      completed: [],
      completedTotal: 0,
      log: 's3://reports/evidence/prunes/x.json',
    });
  });
});

describe('restorable drill --target aws', () => {
  it('starts the drill workflow for the database and prints the drill contract', async () => {
    const drill = {
      drillId: 'drill-orders-20261122T050000Z',
      verdict: 'pass',
      database: 'orders',
      snapshot: 'restorable-orders-2026-11-22',
      region: 'eu-central-1',
      rtoSeconds: 1260,
      rpoSeconds: 3600,
      checks: [{ name: 'restore', status: 'pass', detail: 'restored' }],
      report: {
        json: 's3://reports/drills/orders/x.json',
        html: 's3://reports/drills/orders/x.html',
        sha256: 'ab',
      },
    };
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({ runId: 'r', status: 'OK', drills: [drill], skipped: [] }),
      executionArn,
    });

    const run = await runCli('drill', '--target', 'aws', '--db', 'orders', '--json');

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: stateMachineArn.replace('backup', 'drill'),
      input: JSON.stringify({ databaseId: 'orders' }),
    });
    expect(run.json()).toEqual({
      verdict: 'pass',
      drills: [
        {
          verdict: 'pass',
          database: 'orders',
          snapshot: 'restorable-orders-2026-11-22',
          region: 'eu-central-1',
          account: null,
          rtoSeconds: 1260,
          rpoSeconds: 3600,
          checks: [{ name: 'restore', status: 'pass', detail: 'restored' }],
          report: { json: 's3://reports/drills/orders/x.json', html: 's3://reports/drills/orders/x.html' },
        },
      ],
      backlog: null,
    });
  });

  it('prints each database’s steps from its child execution on stderr, and only the result on stdout', async () => {
    // Prepare: a drill of orders and billing that has ended by the first poll.
    const drillArn = stateMachineArn.replace('backup', 'drill');
    const children = ['orders', 'billing'].map((database) => ({
      database,
      executionArn: executionArnOf('restorable-prod-drill-database', `child-${database}`),
    }));
    const histories = new Map([
      [executionArn, drillRunHistory(children).events],
      ...children.map(
        ({ database, executionArn: arn }) => [arn, drillDatabaseHistory(database).events] as const,
      ),
    ]);
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake((input: GetExecutionHistoryInput) =>
        historyPage(histories.get(input.executionArn ?? '') ?? [], input),
      );
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({ runId: 'r', status: 'OK', drills: [], skipped: [] }),
      executionArn,
    });

    // Act
    const people = await runCli('drill', '--target', 'aws');
    const machine = await runCli('drill', '--target', 'aws', '--json');

    // Assess
    expect(people.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: drillArn });
    expect(people.stdout).toBe('no drill was due\n');
    for (const database of ['orders', 'billing']) {
      expect(people.stderr).toContain(
        `  ${database}: restore started from restorable-${database}-2026-11-22 in eu-central-1\n`,
      );
      expect(people.stderr).toContain(`  ${database}: sandbox available, verifying\n`);
      expect(people.stderr).toContain(`  ${database}: sandbox deleted\n`);
      expect(people.stderr).toContain(`  ${database}: drill PASS, report written\n`);
    }
    expect(people.stderr).toContain('  DrillEachDatabase: 2/2 done, 0 failed\n');
    expect(machine.code).toBe(0);
    expect(machine.stderr).toBe('');
    expect(machine.json()).toEqual({ verdict: 'pass', drills: [], backlog: null });
  });

  it('exits 2 when the workflow rejects the snapshot, before any sandbox', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'SnapshotNotFoundError',
      cause: JSON.stringify({ errorType: 'SnapshotNotFoundError', errorMessage: 'snapshot nope not found' }),
      executionArn,
    });

    const run = await runCli('drill', '--target', 'aws', '--db', 'orders', '--snapshot', 'nope');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SnapshotNotFoundError: snapshot nope not found (no sandbox was created)');
  });

  it('prints the execution ARN with --no-wait', async () => {
    const run = await runCli('drill', '--target', 'aws', '--db', 'orders', '--no-wait', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ executionArn });
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });
});

describe('restorable report --target aws', () => {
  it('prints the contract from the workflow’s output, saying when a list was cut', async () => {
    const evidence = Array.from({ length: 50 }, (_, index) => ({
      kind: 'backup-record',
      path: `evidence/backups/2026-11-0${index % 9}/orders/r${index}.json`,
      sha256: 'a'.repeat(64),
    }));
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      executionArn,
      output: JSON.stringify({
        reportId: 'r',
        period: { from: '2026-10-01', to: '2026-10-31' },
        status: 'compliant',
        controls: [
          {
            id: 'daily-backup',
            title: 'A backup of every protected database on every day of the period',
            status: 'pass',
            summary: 'all backed up',
            databases: [{ id: 'orders', status: 'pass', detail: 'ok' }],
            databasesTotal: 1,
            evidence,
            evidenceTotal: 3100,
          },
        ],
        integrity: { verified: 10, altered: 0 },
        report: {
          json: 's3://b/compliance/x.json',
          csv: 's3://b/x.csv',
          html: 's3://b/x.html',
          key: 'compliance/x.json',
        },
      }),
    });

    const run = await runCli('report', '--target', 'aws', '--json');

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { input: JSON.stringify({}) });
    expect(run.json()).toMatchObject({
      period: { from: '2026-10-01', to: '2026-10-31' },
      status: 'compliant',
      controls: [
        { id: 'daily-backup', evidenceTotal: 3100, evidence: expect.arrayContaining([evidence[0]]) },
      ],
      report: { json: 's3://b/compliance/x.json', csv: 's3://b/x.csv', html: 's3://b/x.html' },
    });
    expect(
      run.json<{ controls: { databasesTotal?: number }[] }>().controls[0]?.databasesTotal,
    ).toBeUndefined();
  });
});
