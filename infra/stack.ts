// restorable: the deployed stack. Build and package with `npm run package`
// (bundle, then `serverless package`); deploy with `npx serverless deploy`.
// serverless reads serverless.mjs, which is this module.
//
// Where the settings come from: the stack and the functions read the same
// configuration file. `npm run bundle` (scripts/bundle.ts) picks it
// ($RESTORABLE_CONFIG, else restorable.yml, else config/demo.yml), validates
// it and writes it as JSON to dist/config.json, which every function's
// package ships and loads at start (no YAML parser in the functions), and
// writes dist/stack-settings.json (infra/settings.ts): that configuration
// validated by the config schema, with the schema's defaults filled in (a
// default such as the backup schedule is then defined once, in
// src/config/schema.ts), plus the IAM statements and ARNs that depend on it
// (infra/iam.ts), and dist/workflows.json, the workflow definitions. This
// module reads both from dist/ of the directory serverless runs in. The
// drills' verifier also takes an input of the build, the RDS CA bundle
// (certs/rds-ca-bundle.pem), and its subnets from the configuration
// (sandbox.verifierSubnetIds); see verify-sandbox in infra/functions.ts.
// Drills in the other regions of sandbox.regions are verified by the
// regional verifier stack (infra/verifier.ts, serverless-verifier.mjs),
// deployed in each of them from the same build. Reading local files keeps
// `serverless package` offline: no ${ssm:} or ${aws:} lookups;
// account-specific values are CloudFormation references (Fn::Sub, Ref,
// Fn::GetAtt).
//
// What is where: the functions and their roles, one entry each, in
// infra/functions.ts; the state machines with their schedules and alarms,
// one entry each, in infra/workflows.ts; what is generated from an entry in
// infra/generate.ts; the buckets, keys, topic, dashboard, conditions and
// outputs in infra/resources.ts.
import { ref } from './cfn.ts';
import { lambdaFunctions } from './functions.ts';
import {
  lambdaFunction,
  PACKAGE,
  PROVIDER,
  powertoolsLayerParameter,
  workflowResources,
} from './generate.ts';
import { conditions, oneOffOutputs, oneOffResources } from './resources.ts';
import { readBuildOutput, readStackSettings } from './settings.ts';
import { WORKFLOWS } from './workflows.ts';

const settings = readStackSettings();
const definitions = readBuildOutput<Record<string, string>>('workflows.json');

const functions = lambdaFunctions(settings).map((fn) =>
  lambdaFunction(fn, { bundles: 'dist/functions', shipped: ['dist/config.json'] }),
);
const workflows = WORKFLOWS.map((workflow) => {
  const definition = definitions[workflow.name];
  if (definition === undefined) throw new Error(`dist/workflows.json has no ${workflow.name} workflow`);
  return workflowResources(workflow, definition, settings);
});

export default {
  service: 'restorable',
  frameworkVersion: '4',
  configValidationMode: 'error',
  // The configuration's stage (aws.stage), which --stage overrides.
  custom: { stage: settings.stage },
  provider: {
    ...PROVIDER,
    // aws.region of the configuration, else its sourceRegion.
    region: settings.region,
    // --stage overrides aws.stage; the CLI looks for the stage of the configuration.
    stage: '${opt:stage, self:custom.stage}',
    environment: {
      // Relative to LAMBDA_TASK_ROOT: the package keeps the repository layout.
      RESTORABLE_CONFIG_PATH: 'dist/config.json',
      REPORT_BUCKET: ref('ReportsBucket'),
      // Work documents (work/...): see WorkBucket.
      WORK_BUCKET: ref('WorkBucket'),
      // The stack's stage, which --stage may set apart from aws.stage: with
      // the region, the deployment the functions tag and match with.
      RESTORABLE_STAGE: '${sls:stage}',
    },
  },
  package: PACKAGE,
  functions: Object.fromEntries(functions.map(({ key, declaration }) => [key, declaration])),
  resources: {
    Parameters: powertoolsLayerParameter(settings),
    Resources: Object.assign(
      {},
      ...functions.map(({ resources }) => resources),
      oneOffResources(settings),
      ...workflows.map(({ resources }) => resources),
    ),
    Conditions: conditions(settings),
    Outputs: Object.assign({}, oneOffOutputs(settings), ...workflows.map(({ outputs }) => outputs)),
  },
};
