// The order test files start in. Two workers finish together only if the
// longest files start first: vitest orders by the durations of the previous
// run, which a fresh checkout (CI) does not have, and then by file size, which
// puts the short files of heavy fixtures (local clouds, drills, packaging) last,
// so the run ends with one of them alone on one worker. Without durations for
// every file, the files in the places of those fixtures start first.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Where the files whose fixtures take seconds live (local clouds, CLI runs, packaging). */
const HEAVY_FIXTURES = [
  /\/test\/cli\//,
  /\/test\/workflows\//,
  /\/test\/package\//,
  /\/test\/unit\/local-cloud\//,
  /\/test\/contract\/local-rds\./,
  /\/test\/verifier\//,
];

const isHeavy = (spec: TestSpecification) => HEAVY_FIXTURES.some((place) => place.test(spec.moduleId));

export class HeavyFixturesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const cache = this.ctx.cache;
    if (files.every((spec) => cache.getTestSpecificationResult(spec) !== undefined)) return sorted;
    // Stable: within each part, the order of the base sequencer (larger files first).
    return [...sorted.filter(isHeavy), ...sorted.filter((spec) => !isHeavy(spec))];
  }
}
