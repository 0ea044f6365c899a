// `restorable demo` (what `npm start` runs): a fresh local cloud, seeded demo
// databases, and several simulated days of the lifecycle replayed on the
// virtual clock: each day's business activity, then the daily backup and the
// prune, so the replay ends with the retention period's snapshots and no more;
// restore drills of every protected database as often as the drill interval
// asks and at the end, and the compliance report of the replayed period.
import { formatDuration } from '../../domain/drill.ts';
import { DEMO_DATABASES, seedDemoDatabases, simulateBusinessDay } from '../../local-cloud/demo-data.ts';
import { DELETION_LOG_PREFIX, PRUNE_LOGS_PREFIX } from '../../reports/store/layout.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { cloudExists, openLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { backupResult, runLocalBackup } from '../services/backup.ts';
import { readFullReport, reportResult, runLocalReport } from '../services/compliance-report.ts';
import { type DrillRunSummary, drillsResult, runLocalDrills } from '../services/drill.ts';
import { type PruneRunResult, pruneResult, runLocalPrune } from '../services/prune.ts';
import { collectStatus, printStatus } from '../services/status.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DEFAULT_DAYS = 10;

/**
 * When the demo drills every protected database, as offsets from the first
 * backup: three hours after it, then every drill interval less half a day,
 * and at the end of the replay (the last offset, the last day's backup time).
 * The drills run on the real clock, so two of them differ by their durations;
 * half a day of slack keeps every gap within the interval whatever those are.
 * The compliance report then finds every database restore-tested in time.
 */
export function demoDrillSchedule(days: number, intervalDays: number): number[] {
  const end = (days - 1) * DAY_MS;
  const step = intervalDays * DAY_MS - DAY_MS / 2;
  const times: number[] = [];
  for (let time = 3 * HOUR_MS; time < end; time += step) times.push(time);
  return [...times, end];
}

/** The shortest drill interval configured: drilling every database that often keeps them all in time. */
export function shortestDrillInterval(drills: {
  readonly intervalDays: number;
  readonly databases: Readonly<Record<string, { readonly intervalDays?: number | undefined }>>;
}): number {
  return Math.min(
    drills.intervalDays,
    ...Object.values(drills.databases).map((settings) => settings.intervalDays ?? drills.intervalDays),
  );
}

export async function runDemoCommand(context: CommandContext): Promise<number> {
  if (context.target !== 'local')
    throw new UsageError('the demo runs on the local cloud only; use --target local');
  const started = performance.now();
  const end = context.clock();
  const days = context.flags.days ?? DEFAULT_DAYS;
  const existed = cloudExists(context.stateDir);
  const firstBackup = new Date(end.getTime() - (days - 1) * DAY_MS);
  // The virtual clock stands still on each replayed day, so the day's backup
  // and prune happen at one instant (the prune then keeps exactly the snapshot
  // taken the retention period ago); for the drills at the end it runs at real
  // speed, so they measure real restore times.
  let now = new Date(firstBackup.getTime() - DAY_MS);
  let runningSince: number | undefined;
  const clock = () =>
    runningSince === undefined
      ? new Date(now.getTime())
      : new Date(now.getTime() + Math.round(performance.now() - runningSince));
  const setNow = (time: Date, running = false) => {
    now = time;
    runningSince = running ? performance.now() : undefined;
  };
  // The demo starts from scratch: the reset deletes only what the local cloud
  // holds, refuses a directory that is not one, and runs with the lock held,
  // so a cloud another process is using is never reset under it.
  const environment = await openLocalEnvironment(context, { reset: true, clock });
  const { stateDir } = environment;
  try {
    if (existed) context.output.progress(`reset the local cloud in ${stateDir}`);
    context.output.say(`restorable demo: ${days} days of daily backups on the local cloud in ${stateDir}`);
    context.output.progress(
      `seeding ${DEMO_DATABASES.map((database) => database.id).join(', ')} (PostgreSQL in PGlite)…`,
    );
    await seedDemoDatabases(environment.cloud, context.config.sourceRegion, clock());
    // Every drill but the last runs during the replay; the last one at the end.
    const midwayDrills = demoDrillSchedule(days, shortestDrillInterval(context.config.drills)).slice(0, -1);
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
      setNow(backupAt);
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
      for (const offset of midwayDrills.filter((time) => Math.floor(time / DAY_MS) === day)) {
        const drillAt = new Date(firstBackup.getTime() + offset);
        setNow(drillAt, true);
        const midway = await runLocalDrills(
          environment,
          { all: true },
          `drill-${drillAt.toISOString().replace(/[-:]/g, '').slice(0, 13)}`,
        );
        context.output.progress(
          `day ${day + 1}/${days} ${date}: drills ${midway.drills.map((drill) => `${drill.database} ${drill.verdict}`).join(', ')}`,
        );
      }
    }
    setNow(end, true);
    context.output.progress('restore drill of every protected database (newest copy in the copy region)…');
    const drills = await runLocalDrills(
      environment,
      { all: true },
      `drill-${end.toISOString().slice(0, 10)}`,
    );
    // And from the vault account's copies, the copies an attacker of this
    // account cannot reach (a minute later: each drill has its own sandbox).
    let vaultDrills: DrillRunSummary | undefined;
    if (context.config.vault !== undefined) {
      setNow(new Date(end.getTime() + 60_000), true);
      context.output.progress("restore drill of every protected database from the vault account's copy…");
      vaultDrills = await runLocalDrills(
        environment,
        { all: true, vault: true },
        `drill-vault-${end.toISOString().slice(0, 10)}`,
      );
    }
    context.output.progress('compliance report of the replayed period…');
    const compliance = await runLocalReport(
      environment,
      { from: firstBackup.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) },
      `report-${end.toISOString().slice(0, 10)}`,
    );
    const statuses = await collectStatus(
      context.config,
      environment.dependencies.rds,
      environment.dependencies.reports,
      end,
      [],
      [],
      environment.dependencies.vault,
    );
    context.output.say('');
    context.output.say(`protected databases as of ${end.toISOString()}:`);
    printStatus(context, statuses);
    context.output.say('');
    context.output.say(
      `pruned ${pruned.length} snapshots older than ${context.config.retention.days} days over the replay ` +
        `(write-ahead deletion log under reports/${DELETION_LOG_PREFIX}, run logs under reports/${PRUNE_LOGS_PREFIX})`,
    );
    for (const [what, run] of [
      ['drill', drills],
      ['vault drill', vaultDrills],
    ] as const) {
      for (const drill of run?.drills ?? []) {
        context.output.say(
          `${what} of ${drill.database}: ${drill.verdict.toUpperCase()} ` +
            `(RTO ${drill.rtoSeconds ?? '-'} s, RPO ${drill.rpoSeconds === null || drill.rpoSeconds === undefined ? '-' : formatDuration(drill.rpoSeconds)}); report ${drill.report?.html ?? 'not written'}`,
        );
      }
    }
    context.output.say(
      `compliance ${compliance.period.from} to ${compliance.period.to}: ${compliance.status.toUpperCase()} ` +
        `(${compliance.controls.filter((control) => control.status === 'pass').length}/${compliance.controls.length} controls pass)`,
    );
    context.output.say(`compliance report (open in a browser): ${compliance.report.html}`);
    context.output.say(
      `state: ${stateDir} (snapshots under regions/<region>/snapshots/, evidence under reports/)`,
    );
    context.output.say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    context.output.result({
      stateDir,
      days: runs,
      drills: drillsResult(drills),
      ...(vaultDrills === undefined ? {} : { vaultDrills: drillsResult(vaultDrills) }),
      compliance: reportResult(
        compliance,
        await readFullReport(environment.dependencies.reports, compliance),
      ),
      status: { databases: statuses },
    });
    const healthy =
      runs.every((run) => run.backup.status === 'OK' && run.prune.findings.length === 0) &&
      drills.status === 'OK' &&
      (vaultDrills === undefined || vaultDrills.status === 'OK') &&
      compliance.status === 'compliant';
    return healthy ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await environment.close();
  }
}
