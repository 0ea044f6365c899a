import { awsRdsPortProvider } from '../../adapters/aws/rds.ts';
import { S3ReportStore } from '../../adapters/aws/report-store.ts';
import { awsS3Client, awsStackOutputs, stackOutput } from '../../adapters/aws/stack.ts';
import type { DatabaseStatus, UnreadableFile } from '../../domain/status.ts';
import { describeMissingKey } from '../../local-cloud/kms.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import { regionsOf, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { collectStatus, printStatus } from '../services/status.ts';

/** What a backend found: each protected database's status, and what keeps it from being whole. */
interface StatusReading {
  readonly statuses: DatabaseStatus[];
  /** Warnings about what cannot be restored (missing key files), one a line. */
  readonly unrestorable: readonly string[];
  /** Damaged files of no protected database: still damaged, still said. */
  readonly otherUnreadable: readonly UnreadableFile[];
}

/** Where `status` reads from, behind one interface: the local cloud, or RDS and the stack's report bucket. */
type StatusBackend = (context: CommandContext) => Promise<StatusReading>;

/** The local cloud: its snapshots, key files and snapshot records, and the state directory's reports. */
const localStatus: StatusBackend = (context) =>
  withLocalEnvironment(context, { reportMissingKeys: true }, async (environment) => {
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
      environment.dependencies.vault,
    );
    return {
      statuses,
      unrestorable: missingKeys.map(
        (key) => `${describeMissingKey(key)}: they cannot be restored until it is back`,
      ),
      otherUnreadable: unreadableSnapshots.map(({ path, reason }) => ({ path, reason })),
    };
  });

/** The snapshots from RDS in every region the tool writes to, the last drills from the stack's report bucket. */
const awsStatus: StatusBackend = async (context) => {
  const { config } = context;
  const stackRegion = config.aws.region ?? config.sourceRegion;
  const outputs = await awsStackOutputs(config.aws.stage, stackRegion);
  const reports = new S3ReportStore(awsS3Client(stackRegion), stackOutput(outputs, 'ReportsBucketName'));
  const statuses = await collectStatus(config, awsRdsPortProvider(), reports, context.clock());
  return { statuses, unrestorable: [], otherUnreadable: [] };
};

const BACKENDS: Readonly<Record<CommandContext['target'], StatusBackend>> = {
  local: localStatus,
  aws: awsStatus,
};

/**
 * Warns about every file that did not read: the ones named in a database's
 * row, then those of no protected database. Returns whether any did not read.
 */
function warnUnreadable(context: CommandContext, reading: StatusReading): boolean {
  const { statuses, otherUnreadable } = reading;
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
 * `restorable status`. Exits 1 when a key file is missing (the snapshots
 * under it cannot be restored) or a stored file does not read (what it
 * recorded is unknown).
 */
export async function runStatusCommand(context: CommandContext): Promise<number> {
  const reading = await BACKENDS[context.target](context);
  printStatus(context, reading.statuses);
  for (const line of reading.unrestorable) context.output.warn(`restorable: ${line}`);
  const unreadable = warnUnreadable(context, reading);
  context.output.result({ databases: reading.statuses });
  return reading.unrestorable.length === 0 && !unreadable ? EXIT_OK : EXIT_FAILURE;
}
