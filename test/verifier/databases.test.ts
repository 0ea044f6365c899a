// The rules for the databases of a restored instance: which are verified,
// where assertions run by default, and how their outcomes add up.
import { describe, expect, it } from 'vitest';
import { combineOutcomes, defaultDatabase, userDatabases } from '../../src/verifier/databases.ts';

const maintenance = new Set(['postgres']);

describe('the user databases of an instance', () => {
  it.each([
    [
      'an empty maintenance database is left out',
      [
        ['postgres', 0],
        ['app', 3],
      ],
      ['app'],
    ],
    [
      'a maintenance database with user tables counts',
      [
        ['postgres', 2],
        ['app', 3],
      ],
      ['postgres', 'app'],
    ],
    [
      'an empty user database still counts',
      [
        ['postgres', 0],
        ['app', 0],
      ],
      ['app'],
    ],
    ['one whose tables could not be listed stays (fail closed)', [['postgres', undefined]], ['postgres']],
    ['nothing listed, nothing verified', [], []],
  ] as const)('%s', (_, examined, expected) => {
    expect(
      userDatabases(
        examined.map(([name, tables]) => ({ name, tables })),
        maintenance,
      ),
    ).toEqual(expected);
  });
});

describe('where an assertion without a database runs', () => {
  it.each([
    ['the connected database, the instance DBName, when it holds user data', ['app', 'crm'], 'crm', 'crm'],
    ['the first user database when the connection is a fallback', ['app', 'crm'], 'mysql', 'app'],
    ['the connected one when there is no user database at all', [], 'postgres', 'postgres'],
  ] as const)('%s', (_, users, connected, expected) => {
    expect(defaultDatabase(users, connected)).toBe(expected);
  });
});

describe('one consistency check over every database', () => {
  it('takes the worst status and names every database, failing ones first', () => {
    expect(
      combineOutcomes([
        { database: 'app', status: 'pass', detail: 'checked 2/2' },
        { database: 'crm', status: 'error', detail: 'time budget spent' },
        { database: 'ledger', status: 'fail', detail: 'corruption found' },
      ]),
    ).toEqual({
      status: 'fail',
      detail: 'ledger: corruption found | crm: time budget spent | app: checked 2/2',
    });
    expect(combineOutcomes([{ database: 'app', status: 'pass', detail: 'checked 2/2' }]).status).toBe('pass');
  });

  it('is an error, not a pass, when there is nothing to combine', () => {
    expect(combineOutcomes([]).status).toBe('error');
  });
});
