// What the stack's dashboard and alarms need of the configuration and of the
// metrics' names (src/domain/metrics.ts): the namespace, the hours of the
// dead-man's switch and the dashboard's body. The stack (infra/resources.ts) substitutes
// ${Deployment} (the stack's deployment), ${AWS::Region} and the logical ids
// of the state machines and alarms into the body with Fn::Sub.
import type { Config } from '../src/config/schema.ts';
import { METRIC, METRICS_NAMESPACE } from '../src/domain/metrics.ts';
import { METRICS_SERVICE } from '../src/runtime/metrics.ts';

export interface ObservabilitySettings {
  readonly namespace: string;
  /** The service dimension every metric of the namespace carries. */
  readonly service: string;
  /**
   * backup.maxAgeHours in whole hours, rounded up: the hourly periods of the
   * dead-man's switch, all of which must lack a success of the fleet. An
   * alarm of hourly periods may look back 7 days (168 periods), which
   * bounds backup.maxAgeHours.
   */
  readonly backupOverdueHours: number;
  /** The dashboard's body, for Fn::Sub. */
  readonly dashboardBody: string;
}

/** The state machines and alarms the dashboard shows, by logical id. */
const WORKFLOWS = [
  ['backup', 'BackupStateMachine'],
  ['prune', 'PruneStateMachine'],
  ['drill', 'DrillStateMachine'],
  ['sweeper', 'SweeperStateMachine'],
  ['seal', 'SealStateMachine'],
  ['report', 'ReportStateMachine'],
] as const;
export const DASHBOARD_ALARMS = [
  'FleetBackupOverdueAlarm',
  'BackupExecutionsFailedAlarm',
  'BackupExecutionsTimedOutAlarm',
  'PruneExecutionsFailedAlarm',
  'PruneExecutionsTimedOutAlarm',
  'DrillExecutionsFailedAlarm',
  'DrillExecutionsTimedOutAlarm',
  'SealExecutionsFailedAlarm',
  'SealExecutionsTimedOutAlarm',
  'SweeperExecutionsFailedAlarm',
  'SweeperExecutionsTimedOutAlarm',
  'ReportExecutionsFailedAlarm',
  'ReportExecutionsTimedOutAlarm',
] as const;

const DAY = 86400;

export function observabilitySettings(config: Config): ObservabilitySettings {
  return {
    namespace: METRICS_NAMESPACE,
    service: METRICS_SERVICE,
    backupOverdueHours: Math.ceil(config.backup.maxAgeHours),
    dashboardBody: JSON.stringify(dashboard()),
  };
}

const own = (name: string, stat: string, dimensions: readonly string[] = []) => [
  METRICS_NAMESPACE,
  name,
  'service',
  METRICS_SERVICE,
  'Deployment',
  `\${Deployment}`,
  ...dimensions,
  { stat },
];

/** Every series of a metric with the given extra dimensions, one line each (by database, by region). */
const search = (name: string, dimensions: readonly string[], stat: string, id: string) => ({
  expression: `SEARCH('{${METRICS_NAMESPACE},${['Deployment', ...dimensions, 'service'].sort().join(',')}} MetricName="${name}" Deployment="\${Deployment}"', '${stat}', ${DAY})`,
  id,
});

function graph(title: string, metrics: unknown[], x: number, y: number, width = 12) {
  return {
    type: 'metric',
    x,
    y,
    width,
    height: 6,
    properties: { title, region: `\${AWS::Region}`, view: 'timeSeries', period: DAY, metrics },
  };
}

function dashboard() {
  return {
    widgets: [
      {
        type: 'alarm',
        x: 0,
        y: 0,
        width: 24,
        height: 4,
        properties: {
          title: 'Alarms',
          alarms: DASHBOARD_ALARMS.map((id) => `\${${id}.Arn}`),
        },
      },
      graph(
        'Backup runs: databases by outcome, OK runs of the whole fleet',
        [
          own(METRIC.backupDatabasesOk, 'Sum'),
          own(METRIC.backupDatabasesPartial, 'Sum'),
          own(METRIC.backupDatabasesFailed, 'Sum'),
          own(METRIC.fleetBackupSucceeded, 'Sum'),
        ],
        0,
        4,
      ),
      graph(
        'Age of the newest snapshot (seconds), worst of each region',
        [[{ ...search(METRIC.oldestSnapshotAge, ['Region'], 'Maximum', 'oldest') }]],
        12,
        4,
      ),
      graph(
        'Age of the newest snapshot (seconds) by database and region',
        [[{ ...search(METRIC.snapshotAge, ['Database', 'Region'], 'Maximum', 'age') }]],
        0,
        10,
      ),
      graph(
        'Manual snapshot quota headroom after the next backup',
        [[{ ...search(METRIC.snapshotQuotaHeadroom, ['Quota', 'Region'], 'Minimum', 'headroom') }]],
        12,
        10,
      ),
      graph(
        'Drill RTO (seconds) by database',
        [[{ ...search(METRIC.drillRto, ['Database'], 'Maximum', 'rto') }]],
        0,
        16,
      ),
      graph(
        'Drill RPO (seconds) by database',
        [[{ ...search(METRIC.drillRpo, ['Database'], 'Maximum', 'rpo') }]],
        12,
        16,
      ),
      graph(
        'Drill verdicts and backlog',
        [
          own(METRIC.drillsPassed, 'Sum'),
          own(METRIC.drillsFailed, 'Sum'),
          own(METRIC.drillsSkipped, 'Sum'),
          own(METRIC.drillBacklogOverdue, 'Maximum'),
          own(METRIC.drillBacklogNeverDrilled, 'Maximum'),
        ],
        0,
        22,
      ),
      graph(
        'Prune: deletions planned, made, failed and left for the next run',
        [
          own(METRIC.deletionsPlanned, 'Sum'),
          own(METRIC.snapshotsDeleted, 'Sum'),
          own(METRIC.deletionsFailed, 'Sum'),
          own(METRIC.deletionBacklog, 'Maximum'),
        ],
        12,
        22,
      ),
      graph(
        'Workflow executions failed or timed out',
        WORKFLOWS.flatMap(([name, id]) => [
          [
            'AWS/States',
            'ExecutionsFailed',
            'StateMachineArn',
            `\${${id}}`,
            { stat: 'Sum', label: `${name} failed` },
          ],
          [
            'AWS/States',
            'ExecutionsTimedOut',
            'StateMachineArn',
            `\${${id}}`,
            { stat: 'Sum', label: `${name} timed out` },
          ],
        ]),
        0,
        28,
        24,
      ),
    ],
  };
}
