// What the stack definitions (infra/stack.ts, infra/verifier.ts) generate
// from one entry of the tables: a function and its role (infra/functions.ts),
// a state machine and what it comes with (infra/workflows.ts).
import { type CfnIf, getAtt, LOG_RETENTION_DAYS, onlyIf, PREFIX, pascalCase, ref, sub } from './cfn.ts';
import type { LambdaFunction, PolicyStatements } from './functions.ts';
import {
  allow,
  type IamPolicy,
  LAMBDA_TRUST,
  type PolicyStatement,
  policy,
  SCHEDULER_TRUST,
  STATES_TRUST,
  XRAY_WRITE,
} from './iam.ts';
import type { StackSettings } from './settings.ts';
import type { Workflow } from './workflows.ts';

export type Resources = Record<string, { readonly Type: string; readonly [key: string]: unknown }>;

/** What every function of both stacks runs with. */
export const PROVIDER = {
  name: 'aws',
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  // The bundles are some 300 KB of JavaScript, plus the AWS SDK clients the
  // runtime ships: more memory (and so more CPU) shortens their cold start; a
  // daily backup invokes them only a few times per database, so the cost
  // stays negligible.
  memorySize: 512,
  logRetentionInDays: LOG_RETENTION_DAYS,
  // X-Ray active tracing of every function (each role allows writing traces:
  // AWSXRayDaemonWriteAccess); the state machines trace too
  // (TracingConfiguration), so a run's trace spans its steps.
  tracing: { lambda: true },
  // Powertools (logger, metrics, tracer) at the release package.json pins,
  // from its public layer: the bundles leave it out (scripts/bundle.ts).
  layers: [ref('PowertoolsLayerArn')],
  logs: { lambda: { logFormat: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'WARN' } },
  deploymentBucket: { blockPublicAccess: true },
  versionFunctions: false,
  stackTags: { application: 'restorable' },
} as const;

/**
 * Each function ships only what its entry lists. Source maps stay in dist/
 * (enabling them in Lambda would parse megabytes of JSON at every cold
 * start; keepNames already gives stack traces real names).
 */
export const PACKAGE = { individually: true, excludeDevDependencies: false, patterns: ['!**'] } as const;

/**
 * The ARN of the Powertools layer of the release package.json pins, read
 * from the public parameter AWS publishes in each region (infra/settings.ts,
 * powertoolsLayerParameter). A partition without it deploys with a parameter
 * of its own naming the same release's layer.
 */
export function powertoolsLayerParameter(settings: Pick<StackSettings, 'powertoolsLayerParameter'>) {
  return {
    PowertoolsLayerArn: {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: settings.powertoolsLayerParameter,
    },
  };
}

const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * A function as serverless declares it, and its role. `bundles` is where its
 * bundle is (dist/functions/<task>.mjs), `shipped` what every function of the
 * stack ships besides.
 */
export function lambdaFunction(
  fn: LambdaFunction,
  { bundles, shipped }: { readonly bundles: string; readonly shipped: readonly string[] },
): { key: string; declaration: Record<string, unknown>; resources: Resources } {
  const { name } = fn.task;
  const id = pascalCase(name);
  const writeOwnLogs = allow(
    'WriteOwnLogs',
    ['logs:CreateLogStream', 'logs:PutLogEvents'],
    getAtt(`${id}LogGroup`),
  );
  const policies = Object.entries(fn.policies).map(([suffix, statements], index) => {
    const policyName = suffix === '' ? name : `${name}-${suffix}`;
    if (index === 0) {
      if (typeof statements === 'string' || isConditional(statements)) {
        throw new Error(
          `${name}: the role's first policy, which writes its logs, must be a list of statements`,
        );
      }
      return policy(policyName, [writeOwnLogs, ...statements]);
    }
    if (!isConditional(statements)) return policy(policyName, statements);
    const [condition, whenTrue] = statements['Fn::If'];
    return onlyIf(condition, policy(policyName, whenTrue));
  });
  return {
    key: camelCase(name),
    declaration: {
      name: `${PREFIX}-${name}`,
      description: fn.description,
      handler: `${bundles}/${name}.handler`,
      role: `${id}Role`,
      timeout: fn.timeout,
      ...(fn.memorySize === undefined ? {} : { memorySize: fn.memorySize }),
      ...(fn.vpc === undefined ? {} : { vpc: fn.vpc }),
      ...(fn.environment === undefined ? {} : { environment: fn.environment }),
      package: { patterns: [`${bundles}/${name}.mjs`, ...shipped, ...(fn.files ?? [])] },
    },
    resources: {
      [`${id}Role`]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: fn.role,
          AssumeRolePolicyDocument: LAMBDA_TRUST,
          ManagedPolicyArns: XRAY_WRITE,
          Policies: policies satisfies (IamPolicy | CfnIf<IamPolicy>)[],
        },
      },
    },
  };
}

function isConditional(statements: PolicyStatements): statements is CfnIf<readonly PolicyStatement[]> {
  return typeof statements === 'object' && 'Fn::If' in statements;
}

// Step Functions sets up its log delivery with these calls, which support no
// resource-level permissions (Resource "*" is the only form IAM accepts for
// them).
const deliverExecutionLogs = allow(
  'DeliverExecutionLogs',
  [
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ],
  '*',
);

/** The `${…}` placeholders of a definition, in the order of their first use. */
export function placeholdersOf(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] ?? ''))];
}

/**
 * A workflow's state machine, log group and role; for a scheduled one, its
 * schedule and the schedule's role; its alarms; and its output.
 */
export function workflowResources(
  workflow: Workflow,
  definition: string,
  settings: Pick<StackSettings, 'alertTopic' | 'alertKeyStatement' | 'schedules'>,
): { resources: Resources; outputs: Record<string, unknown> } {
  const { name } = workflow;
  const id = `${pascalCase(name)}StateMachine`;
  const title = workflow.title ?? name;
  const child =
    workflow.starts === undefined ? undefined : `${pascalCase(workflow.starts.workflow)}StateMachine`;
  const substitutions: Record<string, unknown> = {
    ...Object.fromEntries(
      workflow.invokes.map((task) => [
        `${pascalCase(task.name)}FunctionArn`,
        getAtt(`${pascalCase(task.name)}LambdaFunction`),
      ]),
    ),
    ...(child === undefined ? {} : { [`${child}Arn`]: ref(child) }),
    ...(workflow.alerts ? { AlertTopicArn: settings.alertTopic } : {}),
  };
  const used = placeholdersOf(definition).sort();
  const substituted = Object.keys(substitutions).sort();
  if (used.join() !== substituted.join()) {
    throw new Error(
      `workflows/${name}.asl.json uses the placeholders ${used.join(', ')}, but infra/workflows.ts substitutes ${substituted.join(', ')}`,
    );
  }
  const statements: PolicyStatement[] = [
    allow(
      'InvokeOwnFunctions',
      'lambda:InvokeFunction',
      workflow.invokes.map((task) => getAtt(`${pascalCase(task.name)}LambdaFunction`)),
    ),
    ...(workflow.starts === undefined || child === undefined
      ? []
      : [
          allow(`Start${workflow.starts.as}`, 'states:StartExecution', ref(child)),
          // startExecution.sync:2 follows the child execution, stops it when
          // the parent stops, and learns of its end through an EventBridge
          // rule that Step Functions manages.
          allow(
            `Follow${workflow.starts.as}`,
            ['states:DescribeExecution', 'states:StopExecution'],
            sub(
              `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${child}.Name}:*`,
            ),
          ),
          allow(
            'ManageSyncExecutionRule',
            ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
            sub(
              'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
            ),
          ),
        ]),
    ...(workflow.alerts
      ? [allow('PublishAlerts', 'sns:Publish', settings.alertTopic), settings.alertKeyStatement]
      : []),
    deliverExecutionLogs,
  ];
  const resources: Resources = {
    [`${id}LogGroup`]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/aws/vendedlogs/states/${PREFIX}-${name}`,
        RetentionInDays: LOG_RETENTION_DAYS,
      },
    },
    [`${id}Role`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: workflow.role,
        AssumeRolePolicyDocument: STATES_TRUST,
        ManagedPolicyArns: XRAY_WRITE,
        Policies: [policy(`${name}-workflow`, statements)],
      },
    },
    [id]: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: `${PREFIX}-${name}`,
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        RoleArn: getAtt(`${id}Role`),
        DefinitionString: definition,
        DefinitionSubstitutions: substitutions,
        LoggingConfiguration: {
          Level: 'ERROR',
          IncludeExecutionData: workflow.logsExecutionData ?? true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(`${id}LogGroup`) } }],
        },
      },
    },
    ...(workflow.schedule === undefined ? {} : scheduleResources(workflow, workflow.schedule, id, settings)),
    ...(workflow.alarms === undefined ? {} : alarmResources(workflow, title, id, workflow.alarms, settings)),
  };
  const outputs =
    workflow.output === undefined ? {} : { [`${id}Arn`]: { Description: workflow.output, Value: ref(id) } };
  return { resources, outputs };
}

/** An EventBridge Scheduler schedule, in the configured time zone, and the role it starts the workflow with. */
function scheduleResources(
  workflow: Workflow,
  schedule: NonNullable<Workflow['schedule']>,
  stateMachine: string,
  settings: Pick<StackSettings, 'schedules'>,
): Resources {
  const { name } = workflow;
  const id = pascalCase(name);
  const expression: string | undefined = (settings.schedules as Readonly<Record<string, string>>)[name];
  if (expression === undefined)
    throw new Error(`the ${name} workflow is scheduled, but schedules.${name} is not set`);
  return {
    [`${id}ScheduleRole`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `The ${name} schedule starts the ${workflow.title ?? name} workflow`,
        AssumeRolePolicyDocument: SCHEDULER_TRUST,
        Policies: [
          policy(`${name}-schedule`, [allow(`Start${id}`, 'states:StartExecution', ref(stateMachine))]),
        ],
      },
    },
    [`${id}Schedule`]: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: `${PREFIX}-${name}`,
        Description: schedule.description,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: settings.schedules.timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: ref(stateMachine),
          RoleArn: getAtt(`${id}ScheduleRole`),
          Input: schedule.input,
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        },
      },
    },
  };
}

function alarmResources(
  workflow: Workflow,
  title: string,
  stateMachine: string,
  { consequence }: NonNullable<Workflow['alarms']>,
  settings: Pick<StackSettings, 'alertTopic'>,
): Resources {
  const id = pascalCase(workflow.name);
  const alarm = (metric: string, suffix: string, happened: string) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${PREFIX}-${workflow.name}-executions-${suffix}`,
      AlarmDescription: `A ${title} workflow execution ${happened}${consequence === undefined ? '' : `; ${consequence}`}`,
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(stateMachine) }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [settings.alertTopic],
    },
  });
  return {
    [`${id}ExecutionsFailedAlarm`]: alarm('ExecutionsFailed', 'failed', 'failed'),
    [`${id}ExecutionsTimedOutAlarm`]: alarm('ExecutionsTimedOut', 'timed-out', 'timed out'),
  };
}
