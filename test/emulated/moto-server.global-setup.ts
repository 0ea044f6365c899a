// Global setup of `npm run test:emulated`: starts one moto_server (an
// independent emulator of the AWS APIs) on a free loopback port, waits until
// it answers, provides its endpoint to the test files (`inject('motoEndpoint')`)
// and stops it when the run ends. The test files run one at a time and each
// resets the emulator before it starts (see moto.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

const HOST = '127.0.0.1';
/** moto starts in about 2 s; a busy machine gets ten times that. */
const START_TIMEOUT_MS = 30_000;

export default async function startMotoServer(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const endpoint = `http://${HOST}:${port}`;
  const server = spawn('moto_server', ['-H', HOST, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    // Only the start of its log is worth showing when it fails to come up.
    if (output.length < 4000) output += chunk.toString('utf8');
  });
  const exited = new Promise<Error>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'ENOENT'
          ? new Error(
              'npm run test:emulated needs moto_server on the PATH (pip install "moto[server]"); it was not found',
              { cause: error },
            )
          : new Error(`moto_server could not be started: ${error.message}`, { cause: error }),
      );
    });
    server.once('exit', (code, signal) => {
      resolve(new Error(`moto_server exited (code ${code}, signal ${signal}) before answering:\n${output}`));
    });
  });
  const failed = new AbortController();
  const ready = await Promise.race([
    waitUntilAnswering(endpoint, failed.signal),
    exited.then((error) => {
      failed.abort();
      return error;
    }),
  ]);
  if (ready instanceof Error) {
    failed.abort();
    await stop(server);
    throw ready;
  }
  project.provide('motoEndpoint', endpoint);
  return () => stop(server);
}

/** A port the kernel hands out for 0, free when it is closed again. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no TCP port was assigned'));
        else resolve(address.port);
      });
    });
  });
}

/** Polls the server until it answers, it has not in time, or `stopped` aborts (it exited). */
async function waitUntilAnswering(endpoint: string, stopped: AbortSignal): Promise<true | Error> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !stopped.aborted) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: stopped });
      await response.body?.cancel();
      return true;
    } catch {
      // Not listening yet.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s`);
}

async function stop(server: ChildProcess): Promise<void> {
  server.stderr?.destroy();
  if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  await exited;
}
