// The RdsPort contract, run against the embedded local cloud in a temporary
// state directory. A small page size makes the listings span several pages.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCloud } from '../../src/local-cloud/cloud.ts';
import { describeRdsPortContract } from './rds-port-contract.ts';

const LIST_PAGE_SIZE = 3;

describeRdsPortContract('local cloud', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'restorable-contract-'));
  // A virtual clock that moves one second per reading.
  let now = Date.parse('2026-03-01T02:00:00Z');
  const clock = () => {
    now += 1000;
    return new Date(now);
  };
  const cloud = await LocalCloud.open({ stateDir, clock, limits: { listPageSize: LIST_PAGE_SIZE } });
  const copyRegion = 'eu-central-1';
  const copyKmsKeyId = 'alias/restorable-copies';
  await cloud.ensureKmsKey(copyRegion, copyKmsKeyId);
  return {
    port: (region) => cloud.rds(region),
    seedDatabase: async (spec) => {
      await cloud.createDatabase({
        ...spec,
        engine: spec.kind === 'cluster' ? 'aurora-postgresql' : 'postgres',
      });
      await cloud.withDatabase(spec.region, spec.id, (db) =>
        db.exec(`create table items (id int primary key, name text not null);
                 insert into items select g, 'item ' || g from generate_series(1, 50) g;`),
      );
    },
    sourceRegion: 'eu-west-1',
    copyRegion,
    copyKmsKeyId,
    listPageSize: LIST_PAGE_SIZE,
    cleanup: async () => {
      await cloud.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
});
