// The stack's Lambda functions: one entry per function, with its limits and
// its own IAM role, each role allowed only what its task calls. The stack
// (infra/stack.ts) generates from an entry the function (named
// restorable-<stage>-<task>, handler functions/<task>.ts), its role
// (<Task>Role: Lambda's trust policy, X-Ray, WriteOwnLogs on its own log
// group first) and the role's policies, named after the task.
//
// Each timeout is shorter than the TimeoutSeconds of the workflow Task that
// calls the function, so a slow call fails with the function's own timeout
// error.
//
// Resource-level permissions are used wherever RDS supports them (Service
// Authorization Reference, "Actions, resources, and condition keys for
// Amazon RDS"): CreateDBSnapshot needs db* and snapshot*,
// CreateDBClusterSnapshot cluster* and cluster-snapshot*, CopyDBSnapshot
// snapshot*, CopyDBClusterSnapshot cluster-snapshot*, AddTagsToResource its
// target, and the Describe* calls accept db, cluster, snapshot and
// cluster-snapshot ARNs. Snapshots the tool makes are all named
// `restorable-…` (src/domain/backup.ts); the ownership tag
// `restorable:managed=true` and the deployment tag
// `restorable:deployment=<stage>-<region>` of this stack (src/domain/tags.ts)
// are what every delete requires (see delete-snapshot), and every tagging
// request carries this stack's deployment tag and never replaces another
// deployment's.
import { advanceBackupTask } from '../src/tasks/advance-backup.ts';
import { checkRegionalVerificationTask } from '../src/tasks/check-regional-verification.ts';
import { checkSandboxTask } from '../src/tasks/check-sandbox.ts';
import { deleteSnapshotTask } from '../src/tasks/delete-snapshot.ts';
import { discoverDatabasesTask } from '../src/tasks/discover-databases.ts';
import { markSnapshotProvenBadTask } from '../src/tasks/mark-snapshot-proven-bad.ts';
import { planDrillsTask } from '../src/tasks/plan-drills.ts';
import { planPruneTask } from '../src/tasks/plan-prune.ts';
import { restoreSandboxTask } from '../src/tasks/restore-sandbox.ts';
import { sealEvidenceTask } from '../src/tasks/seal-evidence.ts';
import { startRegionalVerificationTask } from '../src/tasks/start-regional-verification.ts';
import { summarizeBackupRunTask } from '../src/tasks/summarize-backup-run.ts';
import { summarizeDrillsTask } from '../src/tasks/summarize-drills.ts';
import { sweepSandboxesTask } from '../src/tasks/sweep-sandboxes.ts';
import { teardownSandboxTask } from '../src/tasks/teardown-sandbox.ts';
import { verifySandboxTask } from '../src/tasks/verify-sandbox.ts';
import { writeComplianceReportTask } from '../src/tasks/write-compliance-report.ts';
import { writeDrillReportTask } from '../src/tasks/write-drill-report.ts';
import { writePruneLogTask } from '../src/tasks/write-prune-log.ts';
import {
  arn,
  type CfnArn,
  type CfnIf,
  type CfnString,
  DEPLOYMENT,
  getAtt,
  onlyIf,
  PREFIX,
  sub,
} from './cfn.ts';
import {
  allow,
  type IamStatement,
  type PolicyStatement,
  type VerifierVpc,
  vaultRestoreKeyStatements,
} from './iam.ts';
import type { StackSettings } from './settings.ts';

export type PolicyStatements =
  | readonly PolicyStatement[]
  | CfnIf<readonly PolicyStatement[]>
  | ServerlessVariable;

/** A value serverless resolves when it packages (`${self:…}`): one that depends on its command line. */
export type ServerlessVariable = `\${${string}}`;

export interface LambdaFunction {
  /** The task it runs: `functions/<name>.ts`, bundled as `dist/functions/<name>.mjs`. */
  readonly task: { readonly name: string };
  readonly description: string;
  /** Seconds. */
  readonly timeout: number;
  readonly memorySize?: number;
  readonly vpc?: VerifierVpc | false | ServerlessVariable;
  readonly environment?: Readonly<Record<string, CfnArn>> | ServerlessVariable;
  /** What the package ships besides the bundle and dist/config.json. */
  readonly files?: readonly string[];
  /** What the role allows, in a sentence: the role's description. */
  readonly role: string;
  /**
   * The role's policies by the suffix of their name (`''`: the policy named
   * as the task), statements or statements on a condition of the stack.
   */
  readonly policies: Readonly<Record<string, PolicyStatements>>;
}

const reports = (path: string) => sub(`\${ReportsBucket.Arn}/${path}`);
const work = (path: string) => sub(`\${WorkBucket.Arn}/${path}`);
const anyRegion = (resource: string) => arn('rds', '*', resource);
/** Listing rights on a prefix make a missing document a 404, not a 403. */
const listPrefix = (Sid: string, bucket: string, prefix: string | readonly string[]) =>
  allow(Sid, 's3:ListBucket', getAtt(bucket), { StringLike: { 's3:prefix': prefix } });
const onDeployment = { 'aws:ResourceTag/restorable:deployment': DEPLOYMENT };

const useReportsKey = allow('UseReportsKey', ['kms:GenerateDataKey', 'kms:Decrypt'], getAtt('ReportsKey'));
const encryptReports = allow('EncryptReports', 'kms:GenerateDataKey', getAtt('ReportsKey'));
const listRunQueues = listPrefix('ListRunQueues', 'WorkBucket', 'work/backups/*');
const listDrillLeases = listPrefix('ListDrillLeases', 'ReportsBucket', 'leases/drills/*');
const readDrillLeases = allow('ReadDrillLeases', 's3:GetObject', reports('leases/drills/*'));
const writeDrillLeases = allow('WriteDrillLeases', 's3:PutObject', reports('leases/drills/*'));
// The drill leases are SSE-KMS objects of the reports bucket: reading one
// needs kms:Decrypt on the bucket's key.
const decryptDrillLeases = allow('DecryptDrillLeases', 'kms:Decrypt', getAtt('ReportsKey'));
const readPrunePlan = allow('ReadPrunePlan', 's3:GetObject', work('work/prunes/*'));
const listDeletionLog = listPrefix('ListDeletionLog', 'ReportsBucket', 'evidence/deletions/*');
// The last drill of a database is dated by its report's key
// (drills/<db>/<day>/…): listing is enough, nothing is read.
const listDrillReports = listPrefix('ListDrillReports', 'ReportsBucket', 'drills/*');
const writeVerificationResults = allow('WriteVerificationResults', 's3:PutObject', work('work/drills/*'));

/**
 * The verifier's reads, as verify-sandbox and the regional verifier stack's
 * verify-sandbox-in-region make them: sandboxes of its own region by
 * identifier, and only the RDS-managed secrets (rds!…) that RDS tagged as a
 * sandbox's. RDS tags each managed secret with the ARN of its instance
 * (aws:rds:primaryDBInstanceArn) or cluster (aws:rds:primaryDBClusterArn),
 * one statement per key, as both keys cannot match at once.
 */
export function verifierReads(secrets: {
  readonly rdsSecretArns: CfnString | readonly CfnString[];
  readonly sandboxInstanceArns: CfnString | readonly CfnString[];
  readonly sandboxClusterArns: CfnString | readonly CfnString[];
}): IamStatement[] {
  const readSecrets = (Sid: string, tagKey: string, sandboxes: CfnString | readonly CfnString[]) =>
    allow(Sid, 'secretsmanager:GetSecretValue', secrets.rdsSecretArns, {
      StringLike: { [`aws:ResourceTag/aws:rds:${tagKey}`]: sandboxes },
    });
  return [
    allow(
      'DescribeSandboxes',
      ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
      [arn('rds', '${AWS::Region}', 'db:rsbx-*'), arn('rds', '${AWS::Region}', 'cluster:rsbx-*')],
    ),
    readSecrets('ReadSandboxInstanceSecrets', 'primaryDBInstanceArn', secrets.sandboxInstanceArns),
    readSecrets('ReadSandboxClusterSecrets', 'primaryDBClusterArn', secrets.sandboxClusterArns),
  ];
}

/**
 * What a backup step needs of a vault transfer (src/domain/backup-queue.ts,
 * VaultTransfer) in the source account: the staging copies tagged as such,
 * shares of the deployment's own snapshots (RDS has no condition key for the
 * account a share names, so it is the code that names only the vault
 * account), deletes of its staging copies and of nothing else, the share
 * key through RDS, and the one role of the vault account it assumes, which
 * may describe, copy and tag there and delete nothing (the vault stack).
 */
function vaultTransferStatements(vault: NonNullable<StackSettings['vault']>, source: string): IamStatement[] {
  const snapshots = arn('rds', source, 'snapshot:restorable-*');
  const clusterSnapshots = arn('rds', source, 'cluster-snapshot:restorable-*');
  const stagingTag = 'restorable:vault-staging';
  // As every delete of a snapshot (see delete-snapshot): one statement per
  // snapshot type, RDS's own ownership key of that type, the deployment tag;
  // and the staging tag, so that no daily snapshot or copy is ever one.
  const deleteStaging = (type: 'Snapshot' | 'ClusterSnapshot') => {
    const [action, key, resource] =
      type === 'Snapshot'
        ? ['rds:DeleteDBSnapshot', 'snapshot', snapshots]
        : ['rds:DeleteDBClusterSnapshot', 'cluster-snapshot', clusterSnapshots];
    return allow(`DeleteOwnStaging${type}s`, action, resource, {
      StringEquals: { [`rds:${key}-tag/restorable:managed`]: 'true', ...onDeployment },
      Null: { [`aws:ResourceTag/${stagingTag}`]: 'false' },
    });
  };
  return [
    allow('TagStagingCopies', 'rds:AddTagsToResource', [snapshots, clusterSnapshots], {
      StringEquals: {
        'aws:RequestTag/restorable:managed': 'true',
        'aws:RequestTag/restorable:deployment': DEPLOYMENT,
      },
      StringEqualsIfExists: onDeployment,
      Null: { [`aws:RequestTag/${stagingTag}`]: 'false' },
    }),
    allow(
      'ShareOwnSnapshotsWithTheVault',
      [
        'rds:ModifyDBSnapshotAttribute',
        'rds:ModifyDBClusterSnapshotAttribute',
        'rds:DescribeDBSnapshotAttributes',
        'rds:DescribeDBClusterSnapshotAttributes',
      ],
      [snapshots, clusterSnapshots],
      { StringEquals: onDeployment },
    ),
    deleteStaging('Snapshot'),
    deleteStaging('ClusterSnapshot'),
    // The staging copy is encrypted under the share key through a grant RDS
    // creates in the caller's name.
    allow('ShareKeyGrantThroughRds', 'kms:CreateGrant', getAtt('VaultShareKey'), {
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
      StringEquals: { 'kms:ViaService': `rds.${source}.amazonaws.com` },
    }),
    allow('ShareKeyDescribeThroughRds', 'kms:DescribeKey', getAtt('VaultShareKey'), {
      StringEquals: { 'kms:ViaService': `rds.${source}.amazonaws.com` },
    }),
    allow(
      'AssumeTheVaultWriterRole',
      'sts:AssumeRole',
      sub(`arn:\${AWS::Partition}:iam::${vault.accountId}:role/${vault.roleName}`),
    ),
  ];
}

/** A verification connects, checks and stores within this: the drill's Task allows 900 seconds. */
export const VERIFIER_TIMEOUT = 840;

/**
 * A sandbox restored outside the stack region is verified by the regional
 * verifier stack there (infra/verifier.ts), whose state machine the relay
 * functions start and follow (src/adapters/aws/regional-verifier.ts).
 * REGIONAL_VERIFIER_ARN names it, `{region}` standing for the drill's region.
 */
const regionalVerifierEnvironment = {
  REGIONAL_VERIFIER_ARN: sub(
    `arn:\${AWS::Partition}:states:{region}:\${AWS::AccountId}:stateMachine:${PREFIX}-verify-sandbox-in-region`,
  ),
};

export function lambdaFunctions(settings: StackSettings): LambdaFunction[] {
  const source = settings.sourceRegion;
  const inSnapshotRegions = { 'aws:RequestedRegion': settings.snapshotRegions };
  const describeDatabases = allow(
    'DescribeDatabases',
    ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
    [arn('rds', source, 'db:*'), arn('rds', source, 'cluster:*')],
  );
  const describeSnapshotsOf = (Sid: string, resources: readonly string[]) =>
    allow(Sid, ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'], resources.map(anyRegion), {
      StringEquals: inSnapshotRegions,
    });
  const describeAnySnapshots = describeSnapshotsOf('DescribeSnapshots', ['snapshot:*', 'cluster-snapshot:*']);
  const describeSnapshotsAndSources = describeSnapshotsOf('DescribeSnapshots', [
    'db:*',
    'cluster:*',
    'snapshot:*',
    'cluster-snapshot:*',
  ]);
  // DescribeAccountAttributes (the manual snapshot quotas) has no
  // resource-level permissions: the Service Authorization Reference lists no
  // resource type for it, so the statement must name "*"
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
  // The condition keeps it to the regions the tool writes to.
  const describeSnapshotQuotas = allow('DescribeSnapshotQuotas', 'rds:DescribeAccountAttributes', '*', {
    StringEquals: inSnapshotRegions,
  });
  // Listing a region's instances and clusters is authorised on all of them
  // (db:*, cluster:*); describing is read-only.
  const describeSandboxes = allow(
    'DescribeSandboxes',
    ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
    [anyRegion('db:*'), anyRegion('cluster:*')],
    { StringEquals: { 'aws:RequestedRegion': settings.sandboxRegions } },
  );
  // The drill functions reach the vault's copies through the vault stack's
  // drill role (src/runtime/aws-ports/vault.ts awsVaultForDrills), and that
  // role alone.
  const assumeVaultDrillRole = (vault: NonNullable<StackSettings['vault']>) => [
    allow(
      'AssumeTheVaultDrillRole',
      'sts:AssumeRole',
      sub(`arn:\${AWS::Partition}:iam::${vault.accountId}:role/${vault.drillRoleName}`),
    ),
  ];
  const vaultDrills: Record<string, readonly IamStatement[]> =
    settings.vault === undefined ? {} : { 'vault-drills': assumeVaultDrillRole(settings.vault) };

  // Only teardown-sandbox and sweep-sandboxes may delete a DB instance or
  // cluster, and only an rsbx-* one carrying restorable:sandbox=true, by RDS's
  // own tag keys (rds:db-tag/…, rds:cluster-tag/…), one statement per
  // resource type: in one statement both keys would have to match at once,
  // and the stack's deployment tag. The sandbox and deployment tags are set in
  // the very request that creates a sandbox (the restore requires them,
  // aws:RequestTag), so no sandbox is ever untagged. Sandboxes of earlier
  // versions carry no deployment tag: only the default deployment
  // (IsDefaultDeployment) may delete those.
  const deleteSandboxes = [
    { type: 'Instance', action: 'rds:DeleteDBInstance', key: 'db', resource: settings.sandboxInstanceArns },
    { type: 'Cluster', action: 'rds:DeleteDBCluster', key: 'cluster', resource: settings.sandboxClusterArns },
  ].map(({ type, action, key, resource }) =>
    allow(`DeleteSandbox${type}s`, action, resource, {
      StringEquals: { [`rds:${key}-tag/restorable:sandbox`]: 'true', ...onDeployment },
    }),
  );
  const deleteEarlierVersionsSandboxes: PolicyStatement[] = [
    onlyIf(
      'IsDefaultDeployment',
      allow('DeleteEarlierVersionsSandboxInstances', 'rds:DeleteDBInstance', settings.sandboxInstanceArns, {
        StringEquals: { 'rds:db-tag/restorable:sandbox': 'true' },
        Null: { 'aws:ResourceTag/restorable:deployment': 'true' },
      }),
    ),
    onlyIf(
      'IsDefaultDeployment',
      allow('DeleteEarlierVersionsSandboxClusters', 'rds:DeleteDBCluster', settings.sandboxClusterArns, {
        StringEquals: { 'rds:cluster-tag/restorable:sandbox': 'true' },
        Null: { 'aws:ResourceTag/restorable:deployment': 'true' },
      }),
    ),
    // DeleteDBCluster also names a cluster snapshot (the final one, never
    // taken: SkipFinalSnapshot). Alone this deletes nothing: the cluster
    // itself must be allowed just above.
    allow('DeleteSandboxClustersFinalSnapshot', 'rds:DeleteDBCluster', settings.sandboxClusterSnapshotArns),
  ];

  // Deletes only the deployment's own snapshots: named restorable-*, in a
  // region the tool writes to (ARNs generated by infra/settings.ts, one per
  // region), carrying the ownership tag and the stack's deployment tag. The
  // ownership condition uses RDS's own keys (rds:snapshot-tag/…,
  // rds:cluster-snapshot-tag/…), one statement per snapshot type: in one
  // statement both keys would have to match at once; the deployment condition
  // the global key aws:ResourceTag/…, the same for every type, as in the
  // sandbox statements. The snapshots earlier versions made carry no
  // deployment tag: only the default deployment (IsDefaultDeployment) may
  // delete those, and only those of its source region (a copy's source-region
  // tag; the function checks the rest).
  const deleteOwnSnapshots = (type: 'Snapshot' | 'ClusterSnapshot') => {
    const [action, key, resource] =
      type === 'Snapshot'
        ? ['rds:DeleteDBSnapshot', 'snapshot', settings.ownSnapshotArns]
        : ['rds:DeleteDBClusterSnapshot', 'cluster-snapshot', settings.ownClusterSnapshotArns];
    const owned = { [`rds:${key}-tag/restorable:managed`]: 'true' };
    return [
      allow(`DeleteOwn${type}s`, action, resource, { StringEquals: { ...owned, ...onDeployment } }),
      onlyIf(
        'IsDefaultDeployment',
        allow(`DeleteEarlierVersions${type}s`, action, resource, {
          StringEquals: owned,
          Null: { 'aws:ResourceTag/restorable:deployment': 'true' },
          StringEqualsIfExists: { 'aws:ResourceTag/restorable:source-region': source },
        }),
      ),
    ] as const;
  };
  const [deleteOwn, deleteEarlier] = deleteOwnSnapshots('Snapshot');
  const [deleteOwnCluster, deleteEarlierCluster] = deleteOwnSnapshots('ClusterSnapshot');

  // A restore is allowed only in the regions the tool writes to, and only
  // with the sandbox and deployment tags in the request. With a vault
  // account, a drill may also restore the vault's copy that the vault shares
  // back with this account, in its vault region: the vault regions join the
  // regions a restore may be made in, and the vault account's copies
  // (restorable-*, named by their ARNs) the snapshots it may restore.
  const { vault } = settings;
  const vaultRegions = (vault?.regions ?? []).map(({ region }) => region);
  const sandboxRequest = {
    StringEquals: {
      'aws:RequestTag/restorable:sandbox': 'true',
      'aws:RequestTag/restorable:deployment': DEPLOYMENT,
      'aws:RequestedRegion': [...new Set([...settings.snapshotRegions, ...vaultRegions])],
    },
  };
  const vaultCopies = (type: 'snapshot' | 'cluster-snapshot') =>
    vault === undefined
      ? []
      : vault.regions.map(({ region }) =>
          sub(`arn:\${AWS::Partition}:rds:${region}:${vault.accountId}:${type}:restorable-*`),
        );
  const newSnapshotTags = {
    'aws:RequestTag/restorable:managed': 'true',
    'aws:RequestTag/restorable:deployment': DEPLOYMENT,
  };

  return [
    {
      task: discoverDatabasesTask,
      description: 'Lists the protected RDS instances and Aurora clusters of the source region',
      timeout: 100,
      role: "discover-databases reads the source region's instances and clusters and writes the run's queue",
      policies: {
        '': [
          describeDatabases,
          // The run's queue: written here, with the timings of earlier runs.
          listRunQueues,
          allow('WriteRunQueues', 's3:PutObject', work('work/backups/*')),
          allow('ReadBackupTimings', 's3:GetObject', work('work/backups/timings.json')),
          useReportsKey,
          describeSnapshotQuotas,
        ],
      },
    },
    // One step of a backup run makes every RDS call of the backup: the day's
    // snapshots in the source region, their status anywhere the tool writes,
    // their copies into the copy regions with those regions' keys; and it
    // reads and writes the run's queue (work/backups/) and puts the backup
    // records (evidence/).
    {
      task: advanceBackupTask,
      description:
        'One step of a backup run - starts due snapshots and copies, checks them, records finished databases',
      timeout: 240,
      role: "advance-backup takes restorable-* snapshots, copies them with the copy regions' keys, and keeps the run's queue and records",
      policies: {
        snapshots: [
          // A snapshot is created only under the tool's name and with the
          // ownership and deployment tags in the same request, so it is never
          // untagged.
          allow(
            'CreateTaggedSnapshots',
            ['rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot'],
            ['db:*', 'cluster:*', 'snapshot:restorable-*', 'cluster-snapshot:restorable-*'].map((resource) =>
              arn('rds', source, resource),
            ),
            { StringEquals: newSnapshotTags },
          ),
          // A new snapshot has no tags yet: a snapshot that has a deployment
          // tag can only be tagged by its own deployment.
          allow(
            'TagNewSnapshots',
            'rds:AddTagsToResource',
            [
              arn('rds', source, 'snapshot:restorable-*'),
              arn('rds', source, 'cluster-snapshot:restorable-*'),
            ],
            { StringEquals: newSnapshotTags, StringEqualsIfExists: onDeployment },
          ),
        ],
        checks: [
          // Status checks, and the describe of a day's id found taken.
          describeSnapshotsOf('DescribeOwnSnapshots', [
            'snapshot:restorable-*',
            'cluster-snapshot:restorable-*',
          ]),
        ],
        // RDS copies across regions from the destination region; the SDK also
        // presigns the same call for the source region, hence both regions in
        // the copy statement.
        copies: [
          allow(
            'CopyOwnSnapshots',
            ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot'],
            [anyRegion('snapshot:restorable-*'), anyRegion('cluster-snapshot:restorable-*')],
            { StringEquals: inSnapshotRegions },
          ),
          allow(
            'TagOwnCopies',
            'rds:AddTagsToResource',
            [anyRegion('snapshot:restorable-*'), anyRegion('cluster-snapshot:restorable-*')],
            {
              StringEquals: { 'aws:RequestedRegion': settings.copyRegions, ...newSnapshotTags },
              StringEqualsIfExists: onDeployment,
            },
          ),
          // An encrypted source is decrypted by RDS with its own key, through
          // a grant RDS creates in the caller's name.
          allow('SourceKeyGrantThroughRds', 'kms:CreateGrant', arn('kms', source, 'key/*'), {
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
            StringEquals: { 'kms:ViaService': `rds.${source}.amazonaws.com` },
          }),
          allow('SourceKeyDescribeThroughRds', 'kms:DescribeKey', arn('kms', source, 'key/*'), {
            StringEquals: { 'kms:ViaService': `rds.${source}.amazonaws.com` },
          }),
        ],
        // From the configuration's copyRegions[].kmsKeyId (infra/iam.ts):
        // kms:CreateGrant (for AWS resources only) and kms:DescribeKey on
        // exactly the configured key of each copy region.
        'copy-keys': settings.copyKeyStatements,
        ...(settings.vault === undefined ? {} : { vault: vaultTransferStatements(settings.vault, source) }),
        queue: [
          listRunQueues,
          allow('KeepRunQueues', ['s3:GetObject', 's3:PutObject'], work('work/backups/*')),
          allow('WriteBackupRecords', 's3:PutObject', reports('evidence/backups/*')),
          useReportsKey,
        ],
      },
    },
    {
      task: summarizeBackupRunTask,
      description: 'Summarises a backup run as OK, PARTIAL or FAILED from its queue',
      timeout: 120,
      role: "summarize-backup-run reads the run's queue, and keeps the durations it observed for the next run",
      policies: {
        '': [
          listRunQueues,
          allow('ReadRunQueues', 's3:GetObject', work('work/backups/*')),
          allow('KeepBackupTimings', 's3:PutObject', work('work/backups/timings.json')),
          useReportsKey,
        ],
      },
    },
    // The prune's functions. Listing a region's snapshots is authorised on all
    // of them (snapshot:*), not on a name pattern; describing is read-only.
    {
      task: planPruneTask,
      description: "Plans a prune run from every region's snapshots and the drill leases; read-only",
      timeout: 240,
      role: "plan-prune reads the databases, the snapshots of every region the tool writes to and the drill leases, removes expired leases and writes the run's plan",
      policies: {
        '': [
          describeDatabases,
          describeSnapshotsOf('ListSnapshots', ['snapshot:*', 'cluster-snapshot:*']),
          describeSnapshotQuotas,
          listDrillLeases,
          readDrillLeases,
          decryptDrillLeases,
          // Leases whose expiry day is past go (a delete marker: the locked
          // version stays), so that listing them costs the current ones only.
          allow('RemoveExpiredDrillLeases', 's3:DeleteObject', reports('leases/drills/*')),
          // The run's plan, which the deletion batches and the run's log read.
          allow('WritePrunePlan', 's3:PutObject', work('work/prunes/*')),
          allow('EncryptPrunePlan', 'kms:GenerateDataKey', getAtt('ReportsKey')),
        ],
      },
    },
    // Before deleting, the function lists the database's snapshots in the
    // snapshot's region (and in a copy's source region), once per database in
    // a batch, and reads the drill leases once per batch.
    {
      task: deleteSnapshotTask,
      description:
        "Deletes a batch of a prune run's plan, each of the tool's own expired snapshots checked again against the live state",
      timeout: 540,
      role: "delete-snapshot deletes the stack's own restorable-* snapshots, tagged restorable:managed=true and with its deployment, nothing else",
      policies: {
        '': [
          describeSnapshotsAndSources,
          listDrillLeases,
          readDrillLeases,
          decryptDrillLeases,
          readPrunePlan,
          // The write-ahead deletion log: a batch's intent is written (and, on
          // a retry, read back) before its deletes, the outcome after them.
          listDeletionLog,
          allow('WriteDeletionLog', ['s3:PutObject', 's3:GetObject'], reports('evidence/deletions/*')),
          allow('EncryptDeletionLog', 'kms:GenerateDataKey', getAtt('ReportsKey')),
          deleteOwn,
          deleteOwnCluster,
          deleteEarlier,
          deleteEarlierCluster,
        ],
      },
    },
    {
      task: writePruneLogTask,
      description: 'Writes the deletion log of a prune run',
      timeout: 50,
      role: "write-prune-log writes a prune run's log and completes the deletion log of runs that stopped",
      policies: {
        '': [
          allow('WritePruneLogs', 's3:PutObject', reports('evidence/prunes/*')),
          // A run that stopped between a deletion's intent and its outcome is
          // completed from the live state of the snapshot.
          listDeletionLog,
          allow('CompleteDeletionLog', ['s3:GetObject', 's3:PutObject'], reports('evidence/deletions/*')),
          readPrunePlan,
          describeAnySnapshots,
          useReportsKey,
        ],
      },
    },
    // Restore drills (workflows/drill.asl.json, drill-database.asl.json) and
    // the sweeper (workflows/sweeper.asl.json). A sandbox is a restored copy
    // of a customer database: `rsbx-…`, tagged restorable:sandbox=true
    // (src/domain/sandbox.ts), in a region the tool writes snapshots to
    // (snapshotRegions): every sandbox ARN is generated per region by
    // infra/settings.ts. Resource types are those of the Service
    // Authorization Reference for RDS: RestoreDBInstanceFromDBSnapshot needs
    // db*, og*, pg*, subgrp* and the snapshot; RestoreDBClusterFromSnapshot
    // cluster*, cluster-pg*, og*, subgrp* and the cluster snapshot;
    // CreateDBInstance db* (and the cluster it joins); ModifyDBInstance db*,
    // ModifyDBCluster cluster*; DeleteDBInstance db*; DeleteDBCluster cluster*
    // and cluster-snapshot* (its final snapshot, which a sandbox never gets).
    // The VPC security groups of a restore are EC2 resources, which RDS's
    // authorisation does not check (its secgrp type is the legacy DB security
    // group): they are pinned by the configuration instead.
    {
      task: sweepSandboxesTask,
      description:
        'Deletes the restore sandboxes past their time to live, and failed ones, in every region the tool writes to',
      timeout: 240,
      role: 'sweep-sandboxes deletes expired or failed rsbx-* sandboxes tagged restorable:sandbox=true, nothing else',
      policies: {
        '': [
          describeSandboxes,
          ...deleteSandboxes,
          ...deleteEarlierVersionsSandboxes,
          allow('WriteSweepEvidence', 's3:PutObject', reports('evidence/sweeps/*')),
          encryptReports,
        ],
      },
    },
    {
      task: planDrillsTask,
      description: 'Decides which databases to drill and from which snapshot; read-only',
      timeout: 100,
      role: 'plan-drills reads the databases, the snapshots of the drill regions and lists the drill reports',
      policies: { '': [describeDatabases, describeSnapshotsAndSources, listDrillReports], ...vaultDrills },
    },
    {
      task: restoreSandboxTask,
      description: "Leases the drill's snapshot and starts its restore into a tagged rsbx-* sandbox",
      timeout: 120,
      role: 'restore-sandbox leases a snapshot and restores it into an rsbx-* sandbox tagged restorable:sandbox=true',
      policies: {
        ...vaultDrills,
        '': [
          describeSnapshotsAndSources,
          // A retried restore looks the sandbox up by its identifier.
          describeSandboxes,
          // Only the tool's own snapshots (restorable-*), only into rsbx-*
          // sandboxes of the subnet group configured for their region (each
          // named in its region only: see sandboxRestoreResources in
          // infra/settings.ts). A restore keeps the snapshot's option group
          // and takes the engine's default (cluster) parameter group:
          // attaching a group does not change it, hence og:*, pg:* and
          // cluster-pg:*.
          allow(
            'RestoreSandboxInstances',
            'rds:RestoreDBInstanceFromDBSnapshot',
            [...settings.restoreSandboxInstanceResources, ...vaultCopies('snapshot')],
            sandboxRequest,
          ),
          allow(
            'RestoreSandboxClusters',
            'rds:RestoreDBClusterFromSnapshot',
            [...settings.restoreSandboxClusterResources, ...vaultCopies('cluster-snapshot')],
            sandboxRequest,
          ),
          // The one instance of an Aurora sandbox (rsbx-…-1), in its cluster.
          allow(
            'CreateSandboxClusterInstances',
            'rds:CreateDBInstance',
            settings.createSandboxInstanceResources,
            sandboxRequest,
          ),
          // As for snapshots: a sandbox that has a deployment tag can only be
          // tagged by its own deployment.
          allow(
            'TagNewSandboxes',
            'rds:AddTagsToResource',
            [anyRegion('db:rsbx-*'), anyRegion('cluster:rsbx-*')],
            { ...sandboxRequest, StringEqualsIfExists: onDeployment },
          ),
          writeDrillLeases,
          encryptReports,
        ],
        // From the configuration (infra/iam.ts): kms:CreateGrant (for AWS
        // resources only), kms:DescribeKey and kms:Decrypt through RDS, on
        // exactly the configured key of each copy region and on the source
        // region's keys.
        keys: settings.restoreKeyStatements,
        // The same, on exactly the configured key of each vault region
        // (vault.regions[].kmsKeyArn), whose key policy lets this account
        // use it through RDS to restore the vault copy shared with it.
        ...(vault === undefined ? {} : { 'vault-keys': vaultRestoreKeyStatements(vault.regions) }),
      },
    },
    // Turning on RDS's management of the master password makes RDS create the
    // secret (rds!…) in the caller's name: secretsmanager:CreateSecret and
    // TagResource, and kms:DescribeKey of the aws/secretsmanager key (RDS User
    // Guide, "Permissions required for Secrets Manager integration"). The
    // modify is allowed only as that request (rds:ManageMasterUserPassword).
    {
      task: checkSandboxTask,
      description: 'Polls a restoring sandbox and turns on its RDS-managed master secret',
      timeout: 30,
      role: 'check-sandbox reads sandboxes and turns on the RDS-managed master secret of rsbx-* sandboxes only',
      policies: {
        '': [
          describeSandboxes,
          allow('ManageSandboxInstanceCredentials', 'rds:ModifyDBInstance', settings.sandboxInstanceArns, {
            StringEquals: { 'rds:db-tag/restorable:sandbox': 'true' },
            Bool: { 'rds:ManageMasterUserPassword': 'true' },
          }),
          allow('ManageSandboxClusterCredentials', 'rds:ModifyDBCluster', settings.sandboxClusterArns, {
            StringEquals: { 'rds:cluster-tag/restorable:sandbox': 'true' },
            Bool: { 'rds:ManageMasterUserPassword': 'true' },
          }),
          allow(
            'CreateRdsManagedSecrets',
            ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
            settings.rdsSecretArns,
          ),
          allow('DescribeSecretsManagerKey', 'kms:DescribeKey', arn('kms', '*', 'key/*'), {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/secretsmanager' },
          }),
        ],
      },
    },
    // The verifier connects to the sandbox (PostgreSQL or MySQL/MariaDB,
    // always TLS-verified) with the master secret RDS manages for it.
    // - Network: the sandbox is never publicly accessible, so the function
    //   runs in a VPC that reaches it: the subnets sandbox.verifierSubnetIds
    //   of the configuration (sandbox.subnetGroup is a DB subnet group, whose
    //   subnets the build cannot know), with the security groups
    //   sandbox.verifierSecurityGroupIds, else sandbox.securityGroupIds; see
    //   verifierVpc in infra/settings.ts. Without subnets verifierVpc is
    //   false: no VpcConfig, and the verifier cannot reach any sandbox. In a
    //   VPC it also needs a way to RDS, Secrets Manager and S3 (NAT, or VPC
    //   endpoints).
    // - TLS: RDS server certificates are signed by AWS's RDS certificate
    //   authorities, which are not in Node's trust store. Deployers must place
    //   AWS's global bundle (global-bundle.pem) at certs/rds-ca-bundle.pem:
    //   the build then ships it as dist/rds-ca-bundle.pem and sets
    //   RDS_CA_BUNDLE_PATH (verifierEnvironment). Without it the verifier
    //   refuses TLS, never falls back to an unverified connection, and every
    //   drill fails closed.
    // It describes sandboxes and reads secrets of the stack region only: the
    // sandboxes of another region are verified by the regional verifier stack
    // there (see verifierSandboxInstanceArns in infra/settings.ts).
    {
      task: verifySandboxTask,
      description:
        'Verifies a restored sandbox (connectivity, consistency, inventory, assertions) and stores the result',
      timeout: VERIFIER_TIMEOUT,
      vpc: settings.verifierVpc,
      environment: settings.verifierEnvironment,
      files: ['dist/rds-ca-bundle.pem'],
      role: 'verify-sandbox reads the RDS-managed secret of rsbx-* sandboxes of its region and stores the verification result',
      policies: {
        '': [
          ...verifierReads({
            rdsSecretArns: settings.verifierRdsSecretArns,
            sandboxInstanceArns: settings.verifierSandboxInstanceArns,
            sandboxClusterArns: settings.verifierSandboxClusterArns,
          }),
          writeVerificationResults,
          encryptReports,
        ],
        'secret-keys': settings.rdsSecretKeyStatements,
        // Only when the function runs in a VPC: Lambda attaches it with the
        // function's own role.
        network: onlyIf('VerifierInVpc', settings.verifierNetworkStatements),
      },
    },
    // The regional verifiers are the state machines of the regional verifier
    // stacks, one per region of sandbox.regions other than the stack's
    // (regionalVerifierStateMachineArns, from infra/settings.ts). Without any,
    // there is nothing to start or follow: no such statement at all.
    {
      task: startRegionalVerificationTask,
      description:
        'Starts the verification of a sandbox of another region by the regional verifier of that region',
      timeout: 30,
      environment: regionalVerifierEnvironment,
      role: 'start-regional-verification starts executions of the regional verifiers only',
      policies: {
        '': [],
        executions: onlyIf('HasRegionalVerifiers', [
          allow(
            'StartRegionalVerifications',
            'states:StartExecution',
            settings.regionalVerifierStateMachineArns,
          ),
        ]),
      },
    },
    {
      task: checkRegionalVerificationTask,
      description: 'Polls a regional verification and stores its result',
      timeout: 30,
      environment: regionalVerifierEnvironment,
      role: 'check-regional-verification follows executions of the regional verifiers and stores their verification results',
      policies: {
        '': [writeVerificationResults, encryptReports],
        executions: onlyIf('HasRegionalVerifiers', [
          allow(
            'DescribeRegionalVerifications',
            'states:DescribeExecution',
            settings.regionalVerifierExecutionArns,
          ),
        ]),
      },
    },
    // A missing lease (the restore failed before taking it) must read as
    // missing, not as forbidden: listing the leases' prefix makes S3 answer
    // 404 rather than 403.
    {
      task: teardownSandboxTask,
      description: "Deletes the drill's sandbox (tagged rsbx-* only) and releases its snapshot lease",
      timeout: 90,
      role: 'teardown-sandbox deletes rsbx-* sandboxes tagged restorable:sandbox=true and releases drill leases',
      policies: {
        '': [
          describeSandboxes,
          ...deleteSandboxes,
          ...deleteEarlierVersionsSandboxes,
          listDrillLeases,
          readDrillLeases,
          writeDrillLeases,
          decryptDrillLeases,
          encryptReports,
        ],
      },
    },
    {
      task: writeDrillReportTask,
      description: 'Writes the drill report (JSON and HTML) with the verdict',
      timeout: 90,
      role: 'write-drill-report reads verification results and earlier drill reports, and writes drill reports',
      policies: {
        '': [
          listDrillReports,
          allow('ReadDrillReports', 's3:GetObject', reports('drills/*')),
          allow('ReadVerifications', 's3:GetObject', work('work/drills/*')),
          allow('WriteDrillReports', 's3:PutObject', reports('drills/*')),
          useReportsKey,
        ],
      },
    },
    // Tags a snapshot a drill proved bad: only the tool's own snapshots (name,
    // region and ownership tag, as for deletes; not another deployment's,
    // while snapshots of earlier versions carry no deployment tag), and only
    // with the proven-bad tag key, so it can neither mark a foreign snapshot
    // nor change the ownership tags.
    {
      task: markSnapshotProvenBadTask,
      description: 'Tags a snapshot a drill proved bad, so the prune never keeps it as the last good copy',
      timeout: 30,
      role: 'mark-snapshot-proven-bad tags restorable-* snapshots with restorable:proven-bad, nothing else',
      policies: {
        ...vaultDrills,
        '': [
          describeAnySnapshots,
          ...(
            [
              ['Snapshots', 'snapshot', settings.ownSnapshotArns],
              ['ClusterSnapshots', 'cluster-snapshot', settings.ownClusterSnapshotArns],
            ] as const
          ).map(([type, key, resource]) =>
            allow(`TagOwn${type}ProvenBad`, 'rds:AddTagsToResource', resource, {
              StringEquals: { [`rds:${key}-tag/restorable:managed`]: 'true' },
              StringEqualsIfExists: onDeployment,
              'ForAllValues:StringEquals': { 'aws:TagKeys': ['restorable:proven-bad'] },
            }),
          ),
        ],
      },
    },
    {
      task: summarizeDrillsTask,
      description: 'Summarises a drill run as OK or FAILED',
      timeout: 30,
      role: "summarize-drills computes a drill run's status; it calls no AWS API",
      policies: { '': [] },
    },
    // The first step of the compliance report workflow: seals the closed
    // days' evidence into daily manifests, a week of days per call, reading
    // each evidence document once; a fleet's week is tens of thousands of
    // reads. Read-only on RDS: the source region's databases (whose drill
    // reports it seals). In the reports bucket it reads the evidence and the
    // drill reports (listing their prefixes, so that a missing file reads as
    // missing, 404, not as forbidden), and writes only the daily manifests
    // (evidence/manifests/). It deletes nothing.
    {
      task: sealEvidenceTask,
      description:
        'Seals the evidence of the closed days into daily manifests, each linked to the one before',
      timeout: 840,
      memorySize: 1024,
      role: 'seal-evidence reads the protected databases and the stored evidence, and writes the daily evidence manifests',
      policies: {
        '': [
          describeDatabases,
          listPrefix('ListEvidence', 'ReportsBucket', ['evidence/*', 'drills/*']),
          allow('ReadEvidence', 's3:GetObject', [reports('evidence/*'), reports('drills/*')]),
          allow('WriteManifests', 's3:PutObject', reports('evidence/manifests/*')),
          useReportsKey,
        ],
      },
    },
    // The compliance report (workflows/report.asl.json): one invocation reads
    // the period's manifests, the unsealed days' evidence, the drill reports
    // and the previous compliance report (hashing again a sample of what it
    // relied on), so it gets more memory, and time, than the other functions:
    // its Task allows 900 seconds. Read-only on RDS: the source region's
    // databases, and the manual snapshots and the sandboxes of every region
    // the tool writes to (listing is authorised on all of a region's
    // instances, clusters and snapshots, not on a name pattern). In the
    // reports bucket it reads the evidence, the drill reports and the earlier
    // compliance reports (listing their prefixes), and writes only the
    // inventory it takes (evidence/inventories/) and the report itself
    // (compliance/). Object Lock keeps what it writes; it deletes nothing.
    {
      task: writeComplianceReportTask,
      description:
        'Writes the compliance report of a period from the stored evidence and the current inventory',
      timeout: 840,
      memorySize: 1024,
      role: 'write-compliance-report reads RDS and the stored evidence, and writes inventories and compliance reports',
      policies: {
        '': [
          // The protected databases (source region) and the sandboxes (every
          // region the tool writes to, the source region included).
          { ...describeSandboxes, Sid: 'DescribeDatabasesAndSandboxes' },
          { ...describeSnapshotsAndSources, Sid: 'ListSnapshots' },
          listPrefix('ListEvidenceAndReports', 'ReportsBucket', ['evidence/*', 'drills/*', 'compliance/*']),
          allow('ReadEvidenceAndReports', 's3:GetObject', [
            reports('evidence/*'),
            reports('drills/*'),
            reports('compliance/*'),
          ]),
          allow('WriteInventoriesAndComplianceReports', 's3:PutObject', [
            reports('evidence/inventories/*'),
            reports('compliance/*'),
          ]),
          useReportsKey,
        ],
      },
    },
  ];
}
