// What reading the deployed stack's outputs can fail with (stack.ts). Kept
// apart from the CloudFormation client, so that the command line can tell
// these errors apart without loading the AWS SDK for a local command.
const HOW_TO_FIX =
  'Deploy the stack first (npm run package, then serverless deploy with the same stage and region), ' +
  'or set aws.stage and aws.region in the configuration to those of the deployed stack.';

/** No stack of that name in the region: it is not deployed, or the configuration points elsewhere. */
export class StackNotFoundError extends Error {
  readonly stackName: string;
  readonly region: string;

  constructor(stackName: string, region: string, options?: ErrorOptions) {
    super(`stack ${stackName} not found in region ${region}. ${HOW_TO_FIX}`, options);
    this.name = 'StackNotFoundError';
    this.stackName = stackName;
    this.region = region;
  }
}

/**
 * The stack exists but has no outputs to use: it is being created, its
 * creation failed (CloudFormation rolls such a stack back and keeps it,
 * outputless, in ROLLBACK_COMPLETE until it is deleted), or it is being
 * deleted. A stack whose update failed keeps the outputs of its last
 * deployment, and is used.
 */
export class StackNotReadyError extends Error {
  readonly stackName: string;
  readonly status: string;

  constructor(stackName: string, status: string) {
    super(`stack ${stackName} is ${status}: ${whyNotReady(status)}`);
    this.name = 'StackNotReadyError';
    this.stackName = stackName;
    this.status = status;
  }
}

function whyNotReady(status: string): string {
  if (status === 'CREATE_IN_PROGRESS' || status === 'REVIEW_IN_PROGRESS') {
    return 'it is being created and has no outputs yet; run the command again once it is CREATE_COMPLETE.';
  }
  if (status.startsWith('DELETE_')) {
    return 'it is being deleted, or its deletion failed; deploy it again once it is gone.';
  }
  return (
    'its creation failed, so it has no outputs; see its events for why (CloudFormation console or ' +
    '`aws cloudformation describe-stack-events`), delete it, and deploy again.'
  );
}

/** The statuses of a stack with no outputs to use: everything but a completed creation and what follows it. */
export const isNotReady = (status: string) =>
  status === 'REVIEW_IN_PROGRESS' ||
  (status !== 'CREATE_COMPLETE' && status.startsWith('CREATE_')) ||
  status.startsWith('ROLLBACK_') ||
  status.startsWith('DELETE_');

/** The stack lacks an output the command needs, or has one that is not what it should be: a stack deployed by another version. */
export class StackOutputMissingError extends Error {
  readonly stackName: string;
  readonly output: string;

  constructor(stackName: string, output: string, problem = 'has no output') {
    super(
      `stack ${stackName} ${problem} ${output}; it was deployed by another version of restorable. ` +
        'Deploy this version (npm run package, then serverless deploy with the same stage and region).',
    );
    this.name = 'StackOutputMissingError';
    this.stackName = stackName;
    this.output = output;
  }
}
