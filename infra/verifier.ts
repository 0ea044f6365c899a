// restorable's regional verifier: the stack deployed in each region drills
// restore in besides the main stack's region (each region of sandbox.regions
// other than the stack region). A sandbox is never publicly accessible, so
// only a verifier in its own region's VPC reaches it; and a Step Functions
// Task cannot invoke a Lambda function of another region, so this stack has a
// state machine of its own, which the main stack's drill workflow starts and
// follows (start-regional-verification, check-regional-verification in
// infra/functions.ts). serverless reads serverless-verifier.mjs, which is
// this module.
//
// Build with `npm run bundle` (the same configuration and build as the main
// stack), then package or deploy once per region, with the main stack's stage:
//   npx serverless package --config serverless-verifier.mjs --region eu-central-1
//   npx serverless deploy --config serverless-verifier.mjs --region eu-central-1
// The region's settings come from dist/stack-settings.json
// (regionalVerifiers.<region>, from sandbox.regions.<region> of the
// configuration), chosen by serverless from --region: a region the
// configuration does not name fails the packaging.
//
// The function ships no configuration file and no write access to anything:
// the request carries the drill's verification settings, and the result goes
// back gzip-compressed as the execution's output (at most 256 KiB, the Step
// Functions limit on a state's output: src/tasks/verification-result.ts),
// which the main stack stores as its own verifier's.
import { type LambdaFunction, VERIFIER_TIMEOUT, verifierReads } from './functions.ts';
import {
  lambdaFunction,
  PACKAGE,
  PROVIDER,
  powertoolsLayerParameter,
  workflowResources,
} from './generate.ts';
import type { RegionalVerifierSettings } from './settings.ts';
import { readBuildOutput, readStackSettings } from './settings.ts';

const settings = readStackSettings();
const definitions = readBuildOutput<Record<string, string>>('regional-workflows.json');

/** A setting of the region being packaged (`--region`), which serverless resolves. */
const ofRegion = (key: keyof RegionalVerifierSettings) => `\${self:custom.region.${key}}` as const;

// As verify-sandbox of the main stack: in this region's VPC
// (sandbox.regions.<region>.verifierSubnetIds and verifierSecurityGroupIds),
// trusting the RDS CA bundle for its TLS connections. In the VPC it needs a
// way to RDS and Secrets Manager of this region only (NAT, or the two
// interface endpoints).
const verifySandboxInRegion: LambdaFunction = {
  task: { name: 'verify-sandbox-in-region' },
  description:
    'Verifies a restored sandbox of this region for the restorable drill workflow of another region',
  timeout: VERIFIER_TIMEOUT,
  vpc: ofRegion('vpc'),
  environment: ofRegion('environment'),
  files: ['dist/rds-ca-bundle.pem'],
  role: 'verify-sandbox-in-region reads the RDS-managed secret of rsbx-* sandboxes of its region',
  policies: {
    '': verifierReads({
      rdsSecretArns: ofRegion('rdsSecretArns'),
      sandboxInstanceArns: ofRegion('sandboxInstanceArns'),
      sandboxClusterArns: ofRegion('sandboxClusterArns'),
    }),
    'secret-keys': ofRegion('rdsSecretKeyStatements'),
    network: ofRegion('networkStatements'),
  },
};

const fn = lambdaFunction(verifySandboxInRegion, { bundles: 'dist/functions/regional', shipped: [] });
const definition = definitions['verify-sandbox-in-region'];
if (definition === undefined)
  throw new Error('dist/regional-workflows.json has no verify-sandbox-in-region workflow');
const workflow = workflowResources(
  {
    name: 'verify-sandbox-in-region',
    role: 'The regional verifier workflow invokes its one function',
    invokes: [verifySandboxInRegion.task],
    // Its log holds the errors without the executions' data (the
    // verification request and its result), which the main stack keeps.
    logsExecutionData: false,
    output: "The regional verifier the main stack's drills start",
  },
  definition,
  settings,
);

export default {
  service: 'restorable-verifier',
  frameworkVersion: '4',
  configValidationMode: 'error',
  custom: {
    stage: settings.stage,
    regionalVerifiers: settings.regionalVerifiers,
    region: '${self:custom.regionalVerifiers.${opt:region}}',
  },
  provider: { ...PROVIDER, region: '${opt:region}', stage: '${opt:stage, self:custom.stage}' },
  package: PACKAGE,
  functions: { [fn.key]: fn.declaration },
  resources: {
    Parameters: powertoolsLayerParameter(settings),
    Resources: { ...fn.resources, ...workflow.resources },
    Outputs: workflow.outputs,
  },
};
