import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { DatabaseNotFoundError } from '../domain/errors.ts';
import { defineTask } from '../runtime/task.ts';

export const discoverDatabasesTask = defineTask({
  name: 'discover-databases',
  input: z.object({
    /** The workflow's own input: `{}` from the schedule, `{ databaseIds: [...] }` on demand. */
    request: z.object({ databaseIds: z.array(z.string().min(1)).optional() }).loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, clock }) {
    // The run's time is fixed here, once, and passed down: it names the day's
    // snapshots, so every database of a run agrees on the day.
    const startedAt = clock().toISOString();
    const protectedDatabases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    );
    const wanted = input.request.databaseIds;
    let databases = protectedDatabases;
    if (wanted !== undefined && wanted.length > 0) {
      const unknown = wanted.find((id) => !protectedDatabases.some((database) => database.id === id));
      if (unknown !== undefined) throw new DatabaseNotFoundError(unknown);
      databases = protectedDatabases.filter((database) => wanted.includes(database.id));
    }
    return {
      runId: input.executionName,
      startedAt,
      sourceRegion: config.sourceRegion,
      copyRegions: config.copyRegions,
      maxConcurrency: config.backup.maxConcurrency,
      snapshotTimeoutMinutes: config.backup.snapshotTimeoutMinutes,
      databases: databases.map(({ kind, id, engine }) => ({ kind, id, engine })),
    };
  },
});
