// The ReportStore contract, run against the local folder store in a temporary
// state directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import { describeReportStoreContract } from './report-store-contract.ts';

describeReportStoreContract('local folder', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'restorable-report-store-'));
  return {
    store: new LocalReportStore(stateDir),
    cleanup: () => rm(stateDir, { recursive: true, force: true }),
  };
});
