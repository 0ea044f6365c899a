// The configuration file's schema: the single source of its TypeScript types
// and of the configuration reference in the README (`npm run docs:config`).
import { z } from 'zod';
import {
  arnRegionProblem,
  KMS_KEY_PATTERN,
  parseArn,
  partitionOf,
  REGION_PATTERN,
  SNS_TOPIC_ARN_PATTERN,
} from '../domain/aws-partition.ts';
import { DEFAULT_STAGE } from '../domain/deployment.ts';
import { nearestClause, unknownDrillSettings } from '../domain/drill-settings.ts';
import { steadyDeletionShare } from '../domain/prune.ts';
import {
  longestScheduleGapHours,
  SCHEDULE_EXPRESSION_PATTERN,
  scheduleExpressionProblem,
} from '../domain/schedule.ts';

/**
 * The most drills one run may hold: each drill's outcome in the run's state
 * is bounded (about 1 KB), and 100 of them stay under half the 256 KiB Step
 * Functions payload limit and far under its history limit.
 */
export const MAX_DRILLS_PER_RUN = 100;

const region = z
  .string()
  .regex(new RegExp(REGION_PATTERN), 'must be an AWS region name such as eu-west-1 or us-gov-west-1');

const identifier = z
  .string()
  .regex(
    /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/,
    'must start with a letter and hold only letters, digits and hyphens (at most 63)',
  );

/**
 * EventBridge Scheduler expression: cron(...) with six fields, or rate(...).
 * The pattern is the whole grammar (domain/schedule.ts), so an editor checking
 * the published JSON Schema refuses what the loader refuses; the message says
 * which field is wrong.
 */
const scheduleExpression = z.string().regex(new RegExp(SCHEDULE_EXPRESSION_PATTERN), {
  error: (issue) =>
    scheduleExpressionProblem(String(issue.input)) ??
    'must be an EventBridge Scheduler expression such as cron(0 2 * * ? *) or rate(1 hour)',
});

/**
 * An IANA time zone name, as EventBridge Scheduler takes it: the shape of a
 * name (which the published JSON Schema checks), known to this runtime's time
 * zone database (which JSON Schema cannot check), in the database's own case.
 * UTC offsets such as +01:00, which JavaScript also takes, are refused.
 */
const timeZone = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/,
    'is not an IANA time zone name such as Europe/Paris or UTC',
  )
  .superRefine((name, context) => {
    let canonical: string;
    try {
      canonical = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      context.addIssue({
        code: 'custom',
        message: `${name} is not an IANA time zone such as Europe/Paris or UTC`,
      });
      return;
    }
    if (canonical !== name && canonical.toLowerCase() === name.toLowerCase()) {
      context.addIssue({ code: 'custom', message: `${name} is written ${canonical}` });
    }
  });

const copyRegion = z
  .object({
    region: region.describe('Region that receives a copy of every snapshot.'),
    kmsKeyId: z
      .string()
      .regex(new RegExp(KMS_KEY_PATTERN), 'must be a KMS key id, alias/<name>, or the ARN of either')
      .describe(
        'KMS key (key id, alias/<name>, or the ARN of either) of that region that encrypts the copies.',
      ),
  })
  .strict();

/**
 * The vault account's key of one vault region. Named by ARN: the copies are
 * made in the vault account, by a role the source account assumes there, and
 * an ARN says whose key it is (an alias or a bare key id would be looked up
 * in whichever account makes the call).
 */
const vaultRegion = z
  .object({
    region: region.describe("Region of the vault account that keeps a copy of every day's snapshot."),
    kmsKeyArn: z
      .string()
      .regex(new RegExp(KMS_KEY_PATTERN), 'must be the ARN of a KMS key or alias of the vault account')
      .refine((key) => key.startsWith('arn:'), 'must be the ARN of a KMS key or alias of the vault account')
      .describe(
        "ARN of the vault account's KMS key (or alias) of that region that encrypts the vault copies: a customer-managed key of the vault account, which the source account never holds.",
      ),
  })
  .strict();

/** A separate AWS account that keeps copies the source account cannot delete. */
const vaultSchema = z
  .object({
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quoted in YAML, so that leading zeros stay)')
      .describe("The vault account's id."),
    sourceAccountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quoted in YAML, so that leading zeros stay)')
      .optional()
      .describe(
        "The source account's id (the account of the main stack), which the vault stack's writer role trusts: needed to package the vault stack (serverless-vault.mjs), not the main stack.",
      ),
    regions: z
      .array(vaultRegion)
      .min(1)
      .describe('Regions of the vault account that keep a copy of every snapshot, each with its key.'),
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .optional()
      .describe(
        "Vault copies are kept this many days by the vault stack's own prune; default: retention.days.",
      ),
    roleName: z
      .string()
      .regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, 'must be an IAM role name')
      .default('restorable-vault-writer')
      .describe(
        'The role of the vault account the source account assumes to copy into the vault: it may describe, copy and tag, and delete nothing (the vault stack creates it).',
      ),
    drillRoleName: z
      .string()
      .regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, 'must be an IAM role name')
      .default('restorable-vault-drills')
      .describe(
        "The role of the vault account the source account assumes for drills from the vault: it may describe the vault's copies, share them with the source account and tag one a drill proved bad, and delete nothing (the vault stack creates it).",
      ),
  })
  .strict();

const selection = z
  .object({
    tags: z
      .record(z.string(), z.string())
      .default({})
      .describe('Databases carrying all of these tags are protected.'),
    ids: z.array(identifier).default([]).describe('Databases protected by identifier.'),
    kinds: z
      .array(z.enum(['instance', 'cluster']))
      .min(1)
      .default(['instance', 'cluster'])
      .describe('Which kinds of database may be selected: DB instances, DB clusters (Aurora and Multi-AZ).'),
  })
  .strict()
  .refine((value) => Object.keys(value.tags).length > 0 || value.ids.length > 0, {
    message: 'must name at least one tag or one database id, or nothing would be protected',
  })
  // The same rule for the published JSON Schema, which holds no refinement
  // (metadata is not carried over by describe(): the description is set here).
  .meta({
    description: 'Which databases are protected: by tags, by ids, or both.',
    anyOf: [
      { required: ['tags'], properties: { tags: { type: 'object', minProperties: 1 } } },
      { required: ['ids'], properties: { ids: { type: 'array', minItems: 1 } } },
    ],
  });

const retention = z
  .object({
    days: z
      .number()
      .int()
      .min(1)
      .max(35)
      .default(7)
      .describe('Snapshots are kept this many days and deleted after: a minimum and a maximum.'),
    maxDeletionsPerRun: z
      .union([z.number().int().min(1), z.literal('auto')])
      .default('auto')
      .describe(
        'At most this many deletions per prune run; the rest waits for the next run, and the run alerts. auto: twice the steady state (one per protected database and region), at least 50.',
      ),
    maxDeletionShare: z
      .union([z.number().gt(0).max(1), z.literal('auto')])
      .default('auto')
      .describe(
        "A prune run that would delete more than this share of the deployment's own snapshots deletes none of them, and alerts. auto: twice the share a normal day's run deletes (1 / (retention.days + 1)), at least 0.25.",
      ),
  })
  .strict();

const schedules = z
  .object({
    timezone: timeZone.default('UTC').describe('Time zone of the schedules (IANA name).'),
    backup: scheduleExpression.default('cron(0 2 * * ? *)').describe('When the daily backup runs.'),
    prune: scheduleExpression.default('cron(0 4 * * ? *)').describe('When the prune runs: after the backup.'),
    drill: scheduleExpression
      .default('cron(0 6 * * ? *)')
      .describe(
        'When due restore drills run: daily, so that each run drills a share of the fleet and every database is drilled within drills.intervalDays.',
      ),
    sweeper: scheduleExpression.default('rate(1 hour)').describe('How often expired sandboxes are removed.'),
    seal: scheduleExpression
      .default('cron(0 5 * * ? *)')
      .describe("When the closed days' evidence is sealed into daily manifests: after the prune."),
    report: scheduleExpression
      .default('cron(0 7 1 * ? *)')
      .describe('When the compliance report is written.'),
  })
  .strict();

const backup = z
  .object({
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(40)
      .default(10)
      .describe('RDS calls a backup step makes at the same time.'),
    concurrentCopiesPerRegion: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(20)
      .describe(
        'Copies a backup run keeps in flight into each copy region: RDS allows 20 concurrent copy requests per destination region.',
      ),
    snapshotTimeoutMinutes: z
      .number()
      .int()
      .min(5)
      .default(240)
      .describe('A snapshot or copy not available after this long fails the database.'),
    maxAgeHours: z
      .number()
      .positive()
      .max(168)
      .default(26)
      .describe(
        'A protected database whose newest snapshot in a region is older than this is overdue; with no OK backup run of the whole fleet for this long, the fleet-backup-overdue alarm fires (at most 168: an alarm looks back 7 days).',
      ),
  })
  .strict();

const subnetId = z
  .string()
  .regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id such as subnet-0123456789abcdef0');
const securityGroupId = z
  .string()
  .regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0123456789abcdef0');

// Subnet groups, security groups and subnets are regional: an id of one region
// means nothing (or something else) in another. So a region's network is given
// whole, for that region only, and never borrowed from another region.
const regionalNetwork = z
  .object({
    subnetGroup: z.string().min(1).describe('DB subnet group of the sandboxes restored in this region.'),
    securityGroupIds: z
      .array(securityGroupId)
      .min(1)
      .describe('VPC security groups of the sandboxes restored in this region.'),
    verifierSubnetIds: z
      .array(subnetId)
      .min(1)
      .describe(
        "Subnets of this region's verifier function, which must reach the sandboxes (and RDS, Secrets Manager).",
      ),
    verifierSecurityGroupIds: z
      .array(securityGroupId)
      .min(1)
      .describe(
        "Security groups of this region's verifier function; the sandbox security groups must admit them.",
      ),
  })
  .strict();

const sandbox = z
  .object({
    subnetGroup: z
      .string()
      .min(1)
      .default('restorable-sandbox')
      .describe(
        'DB subnet group of the sandboxes restored in the stack region (unless sandbox.regions names it).',
      ),
    securityGroupIds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'VPC security groups of the sandboxes restored in the stack region (unless sandbox.regions names it).',
      ),
    instanceClass: z
      .string()
      .min(1)
      .default('db.t4g.medium')
      .describe('Instance class of a restored sandbox (of its one instance, for an Aurora cluster).'),
    multiAzClusterInstanceClass: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Instance class of the writer and readers of a Multi-AZ DB cluster's sandbox; by default the source cluster's own (DBClusterInstanceClass).",
      ),
    verifierSubnetIds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'AWS: subnets of the verifier function of the stack region, which must reach the sandboxes (and RDS, Secrets Manager, S3).',
      ),
    verifierSecurityGroupIds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'AWS: security groups of the verifier function of the stack region; the sandbox security groups must admit them.',
      ),
    regions: z
      .record(region, regionalNetwork)
      .default({})
      .describe(
        'AWS: the network of each other region drills restore in (the source region or a copy region), by region; a region named here uses these settings only, the stack region included.',
      ),
    ttlMinutes: z
      .number()
      .int()
      .min(15)
      .default(180)
      .describe('A sandbox older than this is deleted by the sweeper.'),
  })
  .strict();

export const drillAssertion = z
  .object({
    name: z.string().min(1).describe('Shown in the drill report.'),
    sql: z.string().min(1).describe('Read-only SQL returning one row with one numeric column.'),
    database: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Database the SQL runs in; default: the DBName of the instance, else the first user database by name.',
      ),
    expect: z
      .object({
        min: z.number().optional(),
        max: z.number().optional(),
        equals: z.number().optional(),
      })
      .strict()
      .refine((value) => Object.keys(value).length > 0, { message: 'must set min, max or equals' })
      .meta({ description: 'Bounds on the value: min, max and/or equals.', minProperties: 1 }),
  })
  .strict();

const databaseDrill = z
  .object({
    intervalDays: z.number().int().min(1).optional().describe('Overrides drills.intervalDays.'),
    freshnessQuery: z
      .string()
      .min(1)
      .optional()
      .describe(
        'SQL returning the newest row time; with the snapshot time it gives the RPO. Without it: the newest value of the timestamp columns of the user tables.',
      ),
    assertions: z.array(drillAssertion).default([]).describe('Read-only SQL checks with an expected value.'),
    shrinkThresholdPercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Overrides drills.shrinkThresholdPercent.'),
    rtoTargetMinutes: z.number().positive().optional().describe('Overrides drills.rtoTargetMinutes.'),
    rpoTargetHours: z.number().positive().optional().describe('Overrides drills.rpoTargetHours.'),
  })
  .strict();

const drills = z
  .object({
    intervalDays: z
      .number()
      .int()
      .min(1)
      .default(7)
      .describe('Each database is drilled at least this often.'),
    maxConcurrency: z.number().int().min(1).max(10).default(2).describe('Drills running at the same time.'),
    maxPerRun: z
      .number()
      .int()
      .min(1)
      .max(MAX_DRILLS_PER_RUN)
      .default(50)
      .describe(
        'At most this many drills per run, the most overdue first; the rest waits for the next run and is reported.',
      ),
    rtoTargetMinutes: z
      .number()
      .positive()
      .default(60)
      .describe('A restore slower than this fails the drill.'),
    rpoTargetHours: z
      .number()
      .positive()
      .default(26)
      .describe(
        'Data older than this at snapshot time fails the drill, unless the database was idle since the previous passing drill.',
      ),
    shrinkThresholdPercent: z
      .number()
      .min(0)
      .max(100)
      .default(10)
      .describe('A table that lost more than this share of its rows since the last drill fails it.'),
    consistencyTimeBudgetSeconds: z
      .number()
      .int()
      .min(1)
      .default(300)
      .describe('Time allowed for amcheck / CHECK TABLE; what was covered is reported.'),
    region: region
      .optional()
      .describe(
        'Region scheduled drills restore in: the source region or a copy region; default: the first copy region.',
      ),
    fromVault: z
      .boolean()
      .default(false)
      .describe(
        "Scheduled drills restore the vault account's copy (in the first vault region) instead of this account's: the proof that the copy an attacker of this account cannot reach is restorable. Needs vault, and a sandbox network in that region.",
      ),
    databases: z
      .record(identifier, databaseDrill)
      .default({})
      .describe('Per-database drill settings, by database id.'),
  })
  .strict();

const alerts = z
  .object({
    topicArn: z
      .string()
      .regex(new RegExp(SNS_TOPIC_ARN_PATTERN), {
        error: (issue) =>
          String(issue.input).endsWith('.fifo')
            ? 'is a FIFO topic, which needs a message group id that alerts do not carry: use a standard topic'
            : 'must be the ARN of an SNS topic: arn:<partition>:sns:<region>:<account>:<name>',
      })
      .optional()
      .describe(
        "AWS: an existing standard SNS topic of the stack region that alerts go to (the workflows' alerts and the alarms), instead of a topic the stack creates.",
      ),
    email: z
      .email()
      .optional()
      .describe('AWS: subscribed to the alert topic the stack creates (not with alerts.topicArn).'),
  })
  .strict();

const aws = z
  .object({
    stage: z
      .string()
      .min(1)
      .default(DEFAULT_STAGE)
      .describe(
        'Serverless stage: the stack is restorable-<stage>, whose outputs name the state machines and the report bucket. With the stack region, it identifies the deployment, which touches only what it made.',
      ),
    region: region.optional().describe('Region of the deployed stack; defaults to sourceRegion.'),
  })
  .strict();

const local = z
  .object({
    stateDir: z
      .string()
      .min(1)
      .default('.restorable')
      .describe('State directory of the embedded local cloud.'),
  })
  .strict();

/**
 * Scheduled drills keep every database within its interval only if the
 * schedule runs at least once an interval: a run further apart than the
 * shortest interval leaves that database late by design.
 */
function checkDrillSchedule(
  schedule: string,
  settings: { intervalDays: number; databases: Record<string, { intervalDays?: number | undefined }> },
  context: z.RefinementCtx,
): void {
  let gapHours: number;
  try {
    gapHours = longestScheduleGapHours(schedule);
  } catch (error) {
    context.addIssue({
      code: 'custom',
      path: ['schedules', 'drill'],
      message: `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  const shortest = Math.min(
    settings.intervalDays,
    ...Object.values(settings.databases).map((database) => database.intervalDays ?? settings.intervalDays),
  );
  if (gapHours > shortest * 24) {
    context.addIssue({
      code: 'custom',
      path: ['schedules', 'drill'],
      message: `runs up to ${gapHours} hours apart, longer than the shortest drill interval (${shortest} days): run it at least daily`,
    });
  }
}

/**
 * An existing topic replaces the stack's own: the stack's alarms notify it,
 * and they notify topics of their own region only. The stack then creates no
 * topic that alerts.email could subscribe to.
 */
function checkAlertTopic(
  alerts: { topicArn?: string | undefined; email?: string | undefined },
  stackRegion: string,
  context: z.RefinementCtx,
): void {
  if (alerts.topicArn === undefined) return;
  if (alerts.email !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['alerts', 'email'],
      message: `subscribes to the topic the stack creates, and with alerts.topicArn it creates none: subscribe ${alerts.email} to ${alerts.topicArn} where that topic is managed, or leave out alerts.topicArn`,
    });
  }
  const problem = arnRegionProblem(alerts.topicArn, stackRegion, `the stack region ${stackRegion}`);
  if (problem !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['alerts', 'topicArn'],
      message: `${alerts.topicArn} ${problem}: the stack's alarms notify a topic of their own region only`,
    });
  }
}

function checkVault(
  vault: z.infer<typeof vaultSchema> | undefined,
  partition: string,
  context: z.RefinementCtx,
): void {
  if (vault === undefined) return;
  if (vault.sourceAccountId === vault.accountId) {
    context.addIssue({
      code: 'custom',
      path: ['vault', 'sourceAccountId'],
      message: `${vault.sourceAccountId} is the vault account itself: the vault is a separate account, which the source account cannot delete from`,
    });
  }
  const seen = new Set<string>();
  vault.regions.forEach((vaultRegion, index) => {
    if (partitionOf(vaultRegion.region) !== partition) {
      context.addIssue({
        code: 'custom',
        path: ['vault', 'regions', index, 'region'],
        message: `${vaultRegion.region} is in partition ${partitionOf(vaultRegion.region)}, and sourceRegion in ${partition}: snapshots are copied within a partition only`,
      });
    }
    if (seen.has(vaultRegion.region)) {
      context.addIssue({
        code: 'custom',
        path: ['vault', 'regions', index, 'region'],
        message: `${vaultRegion.region} is listed twice`,
      });
    }
    seen.add(vaultRegion.region);
    const keyProblem = arnRegionProblem(
      vaultRegion.kmsKeyArn,
      vaultRegion.region,
      `its vault region ${vaultRegion.region}`,
    );
    const keyAccount = parseArn(vaultRegion.kmsKeyArn)?.account;
    if (keyProblem !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['vault', 'regions', index, 'kmsKeyArn'],
        message: `${vaultRegion.kmsKeyArn} ${keyProblem}: a vault copy is encrypted with a key of its own region`,
      });
    } else if (keyAccount !== undefined && keyAccount !== vault.accountId) {
      context.addIssue({
        code: 'custom',
        path: ['vault', 'regions', index, 'kmsKeyArn'],
        message: `${vaultRegion.kmsKeyArn} is a key of account ${keyAccount}, not of the vault account ${vault.accountId}: the vault's copies must be encrypted with a key the source account does not hold`,
      });
    }
  });
}

export const configSchema = z
  .object({
    sourceRegion: region.describe('Region of the protected databases.'),
    copyRegions: z.array(copyRegion).min(1).describe('Regions that keep a copy of every snapshot.'),
    selection,
    retention: retention.prefault({}),
    schedules: schedules.prefault({}),
    backup: backup.prefault({}),
    sandbox: sandbox.prefault({}),
    drills: drills.prefault({}),
    alerts: alerts.prefault({}),
    vault: vaultSchema
      .optional()
      .describe(
        "A separate AWS account that keeps a copy of every day's snapshot, which the source account can create but never delete (see the README, Vault account).",
      ),
    target: z
      .enum(['local', 'aws'])
      .default('local')
      .describe('Where commands run: the embedded local cloud, or the deployed stack.'),
    aws: aws.prefault({}),
    local: local.prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    const partition = partitionOf(config.sourceRegion);
    config.copyRegions.forEach((copy, index) => {
      if (partitionOf(copy.region) !== partition) {
        context.addIssue({
          code: 'custom',
          path: ['copyRegions', index, 'region'],
          message: `${copy.region} is in partition ${partitionOf(copy.region)}, and sourceRegion ${config.sourceRegion} in ${partition}: snapshots are copied within a partition only`,
        });
      }
      const keyProblem = arnRegionProblem(copy.kmsKeyId, copy.region, `its copy region ${copy.region}`);
      if (keyProblem !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['copyRegions', index, 'kmsKeyId'],
          message: `${copy.kmsKeyId} ${keyProblem}: a copy is encrypted with a key of its own region`,
        });
      }
      if (copy.region === config.sourceRegion) {
        context.addIssue({
          code: 'custom',
          path: ['copyRegions', index, 'region'],
          message: `must differ from sourceRegion (${config.sourceRegion})`,
        });
      }
      if (seen.has(copy.region)) {
        context.addIssue({
          code: 'custom',
          path: ['copyRegions', index, 'region'],
          message: `${copy.region} is listed twice`,
        });
      }
      seen.add(copy.region);
    });
    const drillable = [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    if (config.drills.region !== undefined && !drillable.includes(config.drills.region)) {
      context.addIssue({
        code: 'custom',
        path: ['drills', 'region'],
        message: `${config.drills.region} holds no snapshot to drill: use the source region or a copy region (${drillable.join(', ')})`,
      });
    }
    checkDrillSchedule(config.schedules.drill, config.drills, context);
    const stackRegion = config.aws.region ?? config.sourceRegion;
    if (partitionOf(stackRegion) !== partition) {
      context.addIssue({
        code: 'custom',
        path: ['aws', 'region'],
        message: `${stackRegion} is in partition ${partitionOf(stackRegion)}, and sourceRegion ${config.sourceRegion} in ${partition}: a stack reaches its databases within its partition only`,
      });
    }
    checkAlertTopic(config.alerts, stackRegion, context);
    checkVault(config.vault, partition, context);
    if (config.drills.fromVault && config.vault === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['drills', 'fromVault'],
        message:
          'drills restore from the vault, and no vault is configured: add vault, or leave out drills.fromVault',
      });
    }
    if (config.vault !== undefined && stackRegion !== config.sourceRegion) {
      context.addIssue({
        code: 'custom',
        path: ['aws', 'region'],
        message: `${stackRegion} is not the source region ${config.sourceRegion}: a stack with a vault account runs in the source region, where it keeps the key of the copies it shares with the vault`,
      });
    }
    // Selected by ids alone, the protected databases are among those ids: a
    // key outside them can never apply. Selected by tags too, which databases
    // are protected is known only from RDS, when drills are planned.
    if (Object.keys(config.selection.tags).length === 0) {
      for (const unknown of unknownDrillSettings(
        Object.keys(config.drills.databases),
        config.selection.ids,
      )) {
        context.addIssue({
          code: 'custom',
          path: ['drills', 'databases', unknown.key],
          message: `names no protected database: the selection protects ${config.selection.ids.join(', ')} by id ${nearestClause(unknown)}`,
        });
      }
    }
    const share = config.retention.maxDeletionShare;
    const steadyShare = steadyDeletionShare(config.retention.days);
    if (share !== 'auto' && share <= steadyShare) {
      context.addIssue({
        code: 'custom',
        path: ['retention', 'maxDeletionShare'],
        message: `${share} would refuse every normal prune: with retention.days ${config.retention.days} a day's run deletes about ${steadyShare.toFixed(3)} of the snapshots (1 / (days + 1)); set it above that, or auto`,
      });
    }
    // Drills from the vault restore in a vault region.
    const restorable = [...drillable, ...(config.vault?.regions.map((vault) => vault.region) ?? [])];
    for (const networkRegion of Object.keys(config.sandbox.regions)) {
      if (!restorable.includes(networkRegion)) {
        context.addIssue({
          code: 'custom',
          path: ['sandbox', 'regions', networkRegion],
          message: `drills never restore in ${networkRegion}: name the source region, a copy region or a vault region (${[...new Set(restorable)].join(', ')})`,
        });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type CopyRegion = Config['copyRegions'][number];
export type DrillAssertion = z.infer<typeof drillAssertion>;
export type RegionalNetwork = z.infer<typeof regionalNetwork>;
export type VaultConfig = NonNullable<Config['vault']>;
