import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { localRegionalVerifierProvider } from '../../../src/adapters/local/regional-verifier.ts';
import type { ConnectionSettings, SandboxPort } from '../../../src/ports/sandbox.ts';
import type { VerificationRequest } from '../../../src/tasks/verification-request.ts';

const REGION = 'eu-central-1';
const REQUEST: VerificationRequest = {
  sandbox: { region: REGION, kind: 'instance', id: 'rsbx-orders-20261102060000' },
  databaseId: 'orders',
  consistencyTimeBudgetSeconds: 300,
  assertions: [],
};

/** Sandboxes whose connection is handed out only once the test says so: a verification that takes its time. */
function slowSandboxes() {
  let release: (error: Error) => void = () => {};
  const connecting = new Promise<ConnectionSettings>((_, reject) => {
    release = reject;
  });
  const unused = () => Promise.reject(new Error('not used by a verification'));
  const port: SandboxPort = {
    region: REGION,
    restoreSandbox: unused,
    describeSandbox: unused,
    listSandboxes: unused,
    deleteSandbox: unused,
    connectionFor: () => connecting,
  };
  return { sandboxes: () => port, release };
}

describe('the local regional verifier', () => {
  it('starts a verification without waiting for it, as StartExecution does, and reports it running, then ended', async () => {
    // Prepare: start-regional-verification and check-regional-verification
    // each run under a Task TimeoutSeconds of 60 (drill-database.asl.json),
    // and a verification may take longer than that (its consistency checks
    // alone are given consistencyTimeBudgetSeconds, 300 by default).
    const { sandboxes, release } = slowSandboxes();
    const verifier = localRegionalVerifierProvider(sandboxes, () => new Date('2026-11-02T06:30:00Z'), {
      describeWaitMs: 10,
    })(REGION);

    // Act
    const started = await Promise.race([
      verifier.startVerification('rsbx-orders-20261102060000', REQUEST).then(() => 'started'),
      sleep(200).then(() => 'still starting'),
    ]);
    const meanwhile = await verifier.describeVerification('rsbx-orders-20261102060000');
    release(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    await sleep(0);
    const ended = await verifier.describeVerification('rsbx-orders-20261102060000');

    // Assess
    expect(started).toBe('started');
    expect(meanwhile).toEqual({ status: 'running' });
    expect(ended).toEqual({ status: 'failed', error: 'Error', cause: 'connect ECONNREFUSED 127.0.0.1:5432' });
  });
});
