// The Lambda bundles' figures, per handler: bundle bytes, zipped bytes, and
// the time a fresh Node process takes to import the bundle (a cold start's
// share that the code controls). Run alone with `npm run bench:bundles`;
// `npm run bench` prints it first.
//
// Zipped bytes are the bundle deflated at level 9 (zlib's raw deflate, the
// method of the zip `serverless package` writes): the package also holds the
// configuration (a few KB), left out here so the figure is the code's own.
// Import time is measured inside each child process, from before the
// `import()` to its end, so Node's own start is left out; the median of five
// fresh processes is printed.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type BundleReport,
  bundleHandlers,
  FUNCTIONS_DIST,
  handlerEntryPoints,
  ROOT,
  regionalHandlerEntryPoints,
} from '../scripts/bundle.ts';

const RUNS = 5;

const IMPORT_PROBE = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

/** Milliseconds to import the bundle in a fresh `node` process: the median of RUNS processes. */
export function coldImportMilliseconds(file: string): number {
  const samples = Array.from({ length: RUNS }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, pathToFileURL(file).href], {
        encoding: 'utf8',
        // The handlers build their clients on the first invocation, not at
        // import: no AWS settings are needed, and none are read.
        env: { PATH: process.env.PATH ?? '' },
      }),
    ),
  ).sort((left, right) => left - right);
  return samples[Math.floor(RUNS / 2)] ?? Number.NaN;
}

export interface BundleFigures extends BundleReport {
  readonly importMilliseconds: number;
}

export async function measureBundles(): Promise<BundleFigures[]> {
  const reports = await bundleHandlers({ ...handlerEntryPoints(), ...regionalHandlerEntryPoints() });
  return reports.map((report) => ({ ...report, importMilliseconds: coldImportMilliseconds(report.file) }));
}

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatBundleFigures(figures: readonly BundleFigures[]): string {
  const width = Math.max(...figures.map((figure) => figure.name.length), 'handler'.length);
  const row = (name: string, bytes: string, zipped: string, imported: string) =>
    `${name.padEnd(width)}  ${bytes.padStart(10)}  ${zipped.padStart(10)}  ${imported.padStart(10)}`;
  return [
    `handler bundles (${relative(ROOT, FUNCTIONS_DIST)}/): size, deflated as in the zip, median cold import of ${RUNS} fresh node processes`,
    // Import times scale with the machine's load: say what it was.
    `load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores`,
    row('handler', 'bundle', 'zipped', 'import'),
    ...figures.map((figure) =>
      row(
        figure.name,
        kilobytes(figure.bytes),
        kilobytes(figure.zippedBytes),
        `${figure.importMilliseconds.toFixed(0)} ms`,
      ),
    ),
  ].join('\n');
}

if (import.meta.main) {
  console.log(formatBundleFigures(await measureBundles()));
}
