// The names of snapshots and copies, checked for every legal database id:
// any length RDS allows, any day, every attempt, both kinds, the default
// deployment and others. The oracle is RDS's own rule, written out here
// rather than imported, so that it shares no code with what it checks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  copySnapshotId,
  dailySnapshotId,
  MAX_SNAPSHOT_ATTEMPTS_PER_DAY,
} from '../../../src/domain/backup.ts';
import { type Deployment, deploymentOf } from '../../../src/domain/deployment.ts';
import type { DatabaseKind } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

// CreateDBSnapshot / CopyDBSnapshot: 1 to 255 letters, numbers or hyphens;
// CreateDBClusterSnapshot / CopyDBClusterSnapshot: 1 to 63. Either: a letter
// first, no trailing hyphen, no two consecutive hyphens.
const SNAPSHOT_ID_LIMIT: Record<DatabaseKind, number> = { instance: 255, cluster: 63 };
const RDS_IDENTIFIER = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DATABASE_ID_MAX_LENGTH = 63;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ID_CHARACTERS = [...`${LETTERS}0123456789-`];

/** Any string of identifier characters made a legal RDS identifier of the same length. */
function legalize(raw: string): string {
  return [...raw]
    .map((character, index, all) => {
      if (index === 0 && !LETTERS.includes(character)) return 'd';
      if (character === '-' && (index === all.length - 1 || all[index - 1] === '-')) return '0';
      return character;
    })
    .join('');
}

/** Strings of identifier characters, of every length from `minLength` to `maxLength` alike. */
const rawId = (minLength: number, maxLength: number) =>
  fc
    .integer({ min: minLength, max: maxLength })
    .chain((length) =>
      fc.string({ unit: fc.constantFrom(...ID_CHARACTERS), minLength: length, maxLength: length }),
    );

/** A legal database identifier of any length from 1 to 63 (RDS reports them lower-cased). */
const databaseId = rawId(1, DATABASE_ID_MAX_LENGTH).map(legalize);

/**
 * Database ids of 41 to 63 characters that share their first 40 and differ
 * only after: past the cut of a cluster snapshot's name, where only the hash
 * can tell them apart.
 */
const databaseIdsSharingAPrefix = fc
  .tuple(
    rawId(40, 40).map(legalize),
    fc.uniqueArray(rawId(1, DATABASE_ID_MAX_LENGTH - 40), { minLength: 2, maxLength: 6 }),
  )
  .map(([prefix, endings]) => endings.map((ending) => legalize(`${prefix}${ending}`)));

const DEPLOYMENTS: readonly Deployment[] = [
  DEFAULT_DEPLOYMENT,
  STAGING_DEPLOYMENT,
  deploymentOf({ sourceRegion: 'eu-west-1', aws: { stage: 'prod', region: 'eu-central-1' } }),
];

const kind = fc.constantFrom<DatabaseKind>('instance', 'cluster');
const deployment = fc.constantFrom(...DEPLOYMENTS);
const attempt = fc.integer({ min: 1, max: MAX_SNAPSHOT_ATTEMPTS_PER_DAY });
const day = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T00:00:00Z'),
  noInvalidDate: true,
});

interface NameInput {
  readonly databaseId: string;
  readonly startedAt: Date;
  readonly deployment: Deployment;
  readonly attempt: number;
  /** Undefined for the snapshot itself; else the attempt of its copy (2 and up: the first keeps its name). */
  readonly recopy: number | undefined;
}

const recopy = fc.option(fc.integer({ min: 2, max: MAX_SNAPSHOT_ATTEMPTS_PER_DAY }), { nil: undefined });

function nameOf(kindOfDatabase: DatabaseKind, input: NameInput): string {
  const snapshotId = dailySnapshotId(
    { kind: kindOfDatabase, id: input.databaseId },
    input.startedAt,
    input.deployment,
    input.attempt,
  );
  return input.recopy === undefined
    ? snapshotId
    : copySnapshotId({ kind: kindOfDatabase, id: snapshotId }, input.recopy);
}

/** What follows the database id in the name: its day, deployment and attempts. */
function tailOf(input: NameInput): string {
  const utcDay = input.startedAt.toISOString().slice(0, 10);
  const discriminator =
    input.deployment.discriminator === undefined ? '' : `-${input.deployment.discriminator}`;
  const retake = input.attempt === 1 ? '' : `-retake-${input.attempt}`;
  const copy = input.recopy === undefined ? '' : `-recopy-${input.recopy}`;
  return `-${utcDay}${discriminator}${retake}${copy}`;
}

/** The name earlier versions gave, with no regard for the length limit. */
function earlierName(input: NameInput): string {
  return `restorable-${input.databaseId}${tailOf(input)}`;
}

const nameInput = (databaseIds: fc.Arbitrary<string>) =>
  fc.record<NameInput>({ databaseId: databaseIds, startedAt: day, deployment, attempt, recopy });

describe('naming snapshots and copies, for every legal database id', () => {
  it('gives a valid identifier within the limit of its kind', () => {
    fc.assert(
      fc.property(kind, nameInput(databaseId), (kindOfDatabase, input) => {
        const name = nameOf(kindOfDatabase, input);
        expect(name).toMatch(RDS_IDENTIFIER);
        expect(name.length).toBeLessThanOrEqual(SNAPSHOT_ID_LIMIT[kindOfDatabase]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps the name of earlier versions whenever it fits', () => {
    fc.assert(
      fc.property(kind, nameInput(databaseId), (kindOfDatabase, input) => {
        const earlier = earlierName(input);
        fc.pre(earlier.length <= SNAPSHOT_ID_LIMIT[kindOfDatabase]);
        expect(nameOf(kindOfDatabase, input)).toBe(earlier);
      }),
    );
  });

  it('still says which day, deployment and attempts it is when it is cut', () => {
    fc.assert(
      fc.property(kind, nameInput(databaseId), (kindOfDatabase, input) => {
        const name = nameOf(kindOfDatabase, input);
        expect(name.startsWith('restorable-')).toBe(true);
        expect(name.endsWith(tailOf(input))).toBe(true);
      }),
    );
  });

  it('gives the same name at any time of the same UTC day', () => {
    fc.assert(
      fc.property(
        kind,
        nameInput(databaseId),
        fc.integer({ min: 0, max: 86_399_999 }),
        (kindOfDatabase, input, millisecondOfDay) => {
          const midnight = Date.parse(`${input.startedAt.toISOString().slice(0, 10)}T00:00:00Z`);
          const later = { ...input, startedAt: new Date(midnight + millisecondOfDay) };
          expect(nameOf(kindOfDatabase, later)).toBe(nameOf(kindOfDatabase, input));
        },
      ),
    );
  });

  it('gives distinct names to distinct snapshots and copies, even of databases sharing a long prefix', () => {
    const key = (input: NameInput) =>
      JSON.stringify([
        input.databaseId,
        input.startedAt.toISOString().slice(0, 10),
        input.deployment.id,
        input.attempt,
        input.recopy,
      ]);
    fc.assert(
      fc.property(
        kind,
        databaseIdsSharingAPrefix.chain((ids) =>
          fc.uniqueArray(nameInput(fc.constantFrom(...ids)), { minLength: 2, maxLength: 30, selector: key }),
        ),
        (kindOfDatabase, inputs) => {
          const names = inputs.map((input) => nameOf(kindOfDatabase, input));
          expect(new Set(names).size).toBe(inputs.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
