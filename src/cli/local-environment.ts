// Opens the embedded local cloud for a command and wires the workflows to it:
// the same tasks and workflow definitions as on AWS, with the local cloud's
// RDS, the state directory's report store and the virtual clock.

import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { localRegionalVerifierProvider } from '../adapters/local/regional-verifier.ts';
import { LocalReportStore } from '../adapters/local/report-store.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { LocalCloud } from '../local-cloud/cloud.ts';
import { type MissingKey, missingKeysError } from '../local-cloud/kms.ts';
import { StateLayout } from '../local-cloud/layout.ts';
import { localVaultAccess, prepareLocalVault } from '../local-cloud/vault-account.ts';
import type { TaskDependencies } from '../runtime/task.ts';
import { LocalWorkflowRunner, type WorkflowEvent } from '../workflow-runner/local-runner.ts';
import { UsageError } from './errors.ts';
import type { CommandContext } from './main.ts';

export interface LocalEnvironment {
  readonly stateDir: string;
  readonly cloud: LocalCloud;
  readonly dependencies: Omit<TaskDependencies, 'logger'>;
  readonly runner: LocalWorkflowRunner;
  /** Keys missing under snapshots of the configured regions; only ever non-empty with `reportMissingKeys`. */
  readonly missingKeys: readonly MissingKey[];
  close(): Promise<void>;
}

export interface LocalEnvironmentOptions {
  /** Create the local cloud if the state directory has none (else a UsageError says how to). */
  readonly create?: boolean;
  /** Start from an empty local cloud, deleting what the existing one holds (the demo). */
  readonly reset?: boolean;
  /**
   * Open even when key files are missing, and list them in `missingKeys`
   * instead of failing (status). Such an environment creates no region or key.
   */
  readonly reportMissingKeys?: boolean;
  readonly clock?: () => Date;
  readonly onEvent?: (event: WorkflowEvent) => void;
}

export function regionsOf(context: Pick<CommandContext, 'config'>): string[] {
  return [context.config.sourceRegion, ...context.config.copyRegions.map((copy) => copy.region)];
}

export function cloudExists(stateDir: string): boolean {
  return existsSync(new StateLayout(stateDir).cloudFile);
}

export async function openLocalEnvironment(
  context: CommandContext,
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  if (context.target !== 'local') {
    throw new UsageError('this command runs on the local cloud only; use --target local');
  }
  const stateDir = resolve(context.stateDir);
  if (!options.create && !options.reset && !cloudExists(stateDir)) {
    throw new UsageError(
      `no local cloud in ${stateDir}: run \`restorable local init\` and \`restorable local seed\` first, or \`restorable demo\``,
    );
  }
  const clock = options.clock ?? context.clock;
  const { lockSeconds } = context.flags.wait;
  const cloud = await LocalCloud.open({
    stateDir,
    clock,
    reset: options.reset === true,
    interruption: context.interruption,
    lockWait: {
      ...(lockSeconds === undefined ? {} : { seconds: lockSeconds }),
      signal: context.interruption,
      onWait: (busy) =>
        context.output.warn(
          `restorable: the state directory ${busy.stateDir} is in use by process ${busy.holderPid}; waiting for it` +
            (Number.isFinite(lockSeconds) ? ` (at most ${lockSeconds} s)` : ''),
        ),
    },
  });
  let missingKeys: MissingKey[];
  try {
    // Missing key files are checked here, up front, for every command, rather
    // than when a step first needs a key: a command then fails before doing
    // anything, naming every missing file, instead of half way through a run
    // (ensuring the keys below would refuse too, the cloud never replaces a
    // key that snapshots need, but only for the keys it is asked about).
    // Status instead opens with reportMissingKeys and reports the snapshots
    // those keys lock away.
    missingKeys = await cloud.findMissingKeys(regionsOf(context));
    if (!options.reportMissingKeys) {
      if (missingKeys.length > 0) throw missingKeysError(missingKeys);
      for (const region of regionsOf(context)) await cloud.ensureRegion(region);
      for (const copy of context.config.copyRegions) await cloud.ensureKmsKey(copy.region, copy.kmsKeyId);
      if (context.config.vault !== undefined) await prepareLocalVault(cloud, context.config);
    }
  } catch (error) {
    await cloud.close();
    throw error;
  }
  const sandboxes = cloud.sandboxProvider();
  const dependencies = {
    config: context.config,
    rds: cloud.rdsProvider(),
    sandboxes,
    regionalVerifiers: localRegionalVerifierProvider(sandboxes, clock),
    reports: new LocalReportStore(stateDir, deploymentOf(context.config)),
    ...(context.config.vault === undefined ? {} : { vault: localVaultAccess(cloud, context.config.vault) }),
    clock,
  };
  const alertsFile = new StateLayout(stateDir).alertsFile;
  const runner = new LocalWorkflowRunner({
    dependencies,
    interruption: context.interruption,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    onAlert: async (alert) => {
      await appendFile(alertsFile, `${JSON.stringify({ at: clock().toISOString(), ...alert })}\n`);
      context.output.warn(`alert: ${alert.subject} (recorded in ${alertsFile})`);
    },
  });
  // Interrupted, the executions stopped where they were: the sandboxes of the
  // drills they ran are torn down here, before the lock is released.
  const close = async () => {
    if (context.interruption.aborted) {
      for (const sandbox of await cloud.tearDownForInterruption()) {
        context.output.warn(`restorable: deleted the sandbox ${sandbox} of the interrupted drill`);
      }
    }
    await cloud.close();
  };
  return { stateDir, cloud, dependencies, runner, missingKeys, close };
}

/** Runs `work` with the local cloud open, and always closes it (releasing the state directory). */
export async function withLocalEnvironment<T>(
  context: CommandContext,
  options: LocalEnvironmentOptions,
  work: (environment: LocalEnvironment) => Promise<T>,
): Promise<T> {
  const environment = await openLocalEnvironment(context, options);
  try {
    return await work(environment);
  } finally {
    await environment.close();
  }
}

/** A local execution's name, like Step Functions': unique, readable, sortable. */
export function executionName(workflow: string, now: Date): string {
  return `${workflow}-${now.toISOString().replace(/[:.]/g, '-')}`;
}
