import { awsRdsPortProvider } from '../../adapters/aws/rds.ts';
import { S3ReportStore } from '../../adapters/aws/report-store.ts';
import { awsS3Client, findReportBucket } from '../../adapters/aws/stack.ts';
import type { DatabaseStatus, UnreadableFile } from '../../domain/status.ts';
import { describeMissingKey } from '../../local-cloud/kms.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import { openLocalEnvironment, regionsOf } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

import { collectStatus, printStatus } from '../services/status.ts';

/**
 * Warns about every file that did not read: the ones named in a database's
 * row, then `otherUnreadable` (records of no protected database: still
 * damaged, still said). Returns whether any did not read.
 */
function warnUnreadable(
  context: CommandContext,
  statuses: readonly DatabaseStatus[],
  otherUnreadable: readonly UnreadableFile[] = [],
): boolean {
  const named = new Set(statuses.flatMap((status) => (status.unreadable ?? []).map((file) => file.path)));
  for (const status of statuses) {
    for (const file of status.unreadable ?? []) {
      context.output.warn(`restorable: ${status.id}: ${file.path} is unreadable, left out: ${file.reason}`);
    }
  }
  for (const record of otherUnreadable.filter((candidate) => !named.has(candidate.path))) {
    context.output.warn(`restorable: ${record.path} is unreadable, left out: ${record.reason}`);
  }
  return named.size > 0 || otherUnreadable.length > 0;
}

/**
 * `--target aws`: the snapshots from RDS in every region the tool writes to,
 * the last drills from the stack's report bucket. Exits 1 when a drill
 * report does not read.
 */
async function runAwsStatus(context: CommandContext): Promise<number> {
  const { config } = context;
  const stackRegion = config.aws.region ?? config.sourceRegion;
  const s3 = awsS3Client(stackRegion);
  const reports = new S3ReportStore(s3, await findReportBucket(s3, config.aws.stage, stackRegion));
  const statuses = await collectStatus(config, awsRdsPortProvider(), reports, context.clock());
  printStatus(context, statuses);
  const unreadable = warnUnreadable(context, statuses);
  context.output.result({ databases: statuses });
  return unreadable ? EXIT_FAILURE : EXIT_OK;
}

/**
 * Exits 1 when a key file is missing (the snapshots under it cannot be
 * restored) or a stored file does not read (what it recorded is unknown).
 */
export async function runStatusCommand(context: CommandContext): Promise<number> {
  if (context.target === 'aws') return runAwsStatus(context);
  const environment = await openLocalEnvironment(context, { reportMissingKeys: true });
  try {
    const { rds, reports } = environment.dependencies;
    const { missingKeys } = environment;
    const unreadableSnapshots = await environment.cloud.findUnreadableSnapshotRecords(regionsOf(context));
    const statuses = await collectStatus(
      context.config,
      rds,
      reports,
      context.clock(),
      missingKeys,
      unreadableSnapshots,
    );
    printStatus(context, statuses);
    for (const key of missingKeys) {
      context.output.warn(`restorable: ${describeMissingKey(key)}: they cannot be restored until it is back`);
    }
    const unreadable = warnUnreadable(
      context,
      statuses,
      unreadableSnapshots.map(({ path, reason }) => ({ path, reason })),
    );
    context.output.result({ databases: statuses });
    return missingKeys.length === 0 && !unreadable ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await environment.close();
  }
}
