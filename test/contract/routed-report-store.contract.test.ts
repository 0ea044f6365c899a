// The ReportStore contract, run against the store that sends work documents
// to one store and everything else to another (two local folders here, the
// two buckets on AWS).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoutedReportStore } from '../../src/adapters/aws/routed-report-store.ts';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import { describeReportStoreContract } from './report-store-contract.ts';

describeReportStoreContract('reports and work documents routed to two stores', async () => {
  const reportsDir = await mkdtemp(join(tmpdir(), 'restorable-routed-reports-'));
  const workDir = await mkdtemp(join(tmpdir(), 'restorable-routed-work-'));
  return {
    store: new RoutedReportStore({
      reports: new LocalReportStore(reportsDir),
      work: new LocalReportStore(workDir),
    }),
    cleanup: async () => {
      await rm(reportsDir, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
    },
  };
});
