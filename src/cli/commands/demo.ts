// `restorable demo` (what `npm start` runs): a fresh local cloud, seeded demo
// databases, and several simulated days of the lifecycle replayed on the
// virtual clock: each day's business activity, then the daily backup and the
// prune, so the replay ends with the retention period's snapshots and no more.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEMO_DATABASES, seedDemoDatabases, simulateBusinessDay } from '../../local-cloud/demo-data.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { cloudExists, openLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { backupResult, runLocalBackup } from './backup.ts';
import { type PruneRunResult, pruneResult, runLocalPrune } from './prune.ts';
import { collectStatus, printStatus } from './status.ts';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 10;

/** The demo starts from scratch, but only ever deletes a state directory that is a local cloud. */
async function resetStateDir(context: CommandContext): Promise<string> {
  const stateDir = resolve(context.stateDir);
  if (cloudExists(stateDir)) {
    context.output.progress(`resetting the local cloud in ${stateDir}`);
    await rm(stateDir, { recursive: true, force: true });
  } else if (existsSync(stateDir) && readdirSync(stateDir).length > 0) {
    throw new UsageError(
      `--state-dir ${stateDir} exists and is not a restorable local cloud; refusing to reset it`,
    );
  }
  return stateDir;
}

export async function runDemoCommand(context: CommandContext): Promise<number> {
  if (context.target !== 'local')
    throw new UsageError('the demo runs on the local cloud only; use --target local');
  const started = performance.now();
  const end = context.clock();
  const days = context.flags.days ?? DEFAULT_DAYS;
  const stateDir = await resetStateDir(context);
  const firstBackup = new Date(end.getTime() - (days - 1) * DAY_MS);
  let now = new Date(firstBackup.getTime() - DAY_MS);
  const environment = await openLocalEnvironment(context, { create: true, clock: () => now });
  try {
    context.output.say(`restorable demo: ${days} days of daily backups on the local cloud in ${stateDir}`);
    context.output.progress(
      `seeding ${DEMO_DATABASES.map((database) => database.id).join(', ')} (PostgreSQL in PGlite)…`,
    );
    await seedDemoDatabases(environment.cloud, context.config.sourceRegion, now);
    const runs = [];
    const pruned: PruneRunResult['deleted'] = [];
    for (let day = 0; day < days; day++) {
      const backupAt = new Date(firstBackup.getTime() + day * DAY_MS);
      await simulateBusinessDay(
        environment.cloud,
        context.config.sourceRegion,
        new Date(backupAt.getTime() - DAY_MS),
        new Date(backupAt.getTime() - 10 * 60_000),
        day,
      );
      now = backupAt;
      const date = backupAt.toISOString().slice(0, 10);
      const summary = await runLocalBackup(environment, [], `backup-${date}`);
      const prune = await runLocalPrune(environment, false, `prune-${date}`);
      runs.push({ date, backup: backupResult(summary), prune: pruneResult(prune) });
      pruned.push(...prune.deleted);
      context.output.progress(
        `day ${day + 1}/${days} ${date}: backup ${summary.status} ` +
          `(${summary.databases.map((database) => `${database.id} ${database.status}`).join(', ')}), ` +
          `pruned ${prune.deleted.length}, kept ${prune.kept}`,
      );
    }
    now = end;
    const statuses = await collectStatus(
      context.config,
      environment.dependencies.rds,
      environment.dependencies.reports,
      end,
    );
    context.output.say('');
    context.output.say(`protected databases as of ${end.toISOString()}:`);
    printStatus(context, statuses);
    context.output.say('');
    context.output.say(
      `pruned ${pruned.length} snapshots older than ${context.config.retention.days} days over the replay ` +
        `(deletion logs under reports/evidence/prunes/)`,
    );
    context.output.say(
      `state: ${stateDir} (snapshots under regions/<region>/snapshots/, evidence under reports/)`,
    );
    context.output.say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    context.output.result({ stateDir, days: runs, status: { databases: statuses } });
    const healthy = runs.every((run) => run.backup.status === 'OK' && run.prune.findings.length === 0);
    return healthy ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await environment.close();
  }
}
