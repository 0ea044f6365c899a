import { describe, expect, it } from 'vitest';
import {
  describeExpectation,
  meetsExpectation,
  type ScalarResult,
  type ScalarValue,
  singleNumber,
  singleTime,
  sqlTimeToIso,
} from '../../src/verifier/assertions.ts';
import { errorMessage } from '../../src/verifier/index.ts';
import { mysqlScalar } from '../../src/verifier/mysql.ts';
import { postgresScalar } from '../../src/verifier/postgres.ts';

const one = (first: ScalarValue): ScalarResult => ({ rows: 1, columns: 1, first });

describe('an assertion value against its expectation', () => {
  it('meets min and max inclusively', () => {
    expect(meetsExpectation(1, { min: 1, max: 10 })).toBe(true);
    expect(meetsExpectation(10, { min: 1, max: 10 })).toBe(true);
    expect(meetsExpectation(0.999, { min: 1 })).toBe(false);
    expect(meetsExpectation(10.5, { max: 10 })).toBe(false);
  });

  it('requires equals exactly, together with any bounds', () => {
    expect(meetsExpectation(0, { equals: 0 })).toBe(true);
    expect(meetsExpectation(1, { equals: 0 })).toBe(false);
    expect(meetsExpectation(5, { equals: 5, min: 6 })).toBe(false);
  });

  it('never meets an expectation without bounds, nor with a value that is not finite', () => {
    expect(meetsExpectation(3, {})).toBe(false);
    expect(meetsExpectation(Number.NaN, { min: 0 })).toBe(false);
    expect(meetsExpectation(Number.POSITIVE_INFINITY, { min: 0 })).toBe(false);
  });

  it('describes the expectation as a reviewer reads it', () => {
    expect(describeExpectation({ equals: 0 })).toBe('= 0');
    expect(describeExpectation({ min: 1, max: 10 })).toBe('>= 1 and <= 10');
    expect(describeExpectation({ max: 5 })).toBe('<= 5');
    expect(describeExpectation({})).toBe('no bounds (invalid)');
  });
});

describe('the single number an assertion returns', () => {
  it('takes one numeric cell of one row', () => {
    expect(singleNumber(one({ kind: 'number', value: 42 }))).toEqual({ ok: true, value: 42 });
  });

  it('refuses other shapes and kinds, naming the kind and never the value', () => {
    expect(singleNumber({ rows: 1, columns: 2, first: { kind: 'number', value: 1 } })).toEqual({
      ok: false,
      reason: 'returned 2 columns, expected exactly one',
    });
    expect(singleNumber({ rows: 0, columns: 1, first: undefined })).toEqual({
      ok: false,
      reason: 'returned 0 rows, expected exactly one',
    });
    expect(singleNumber(one({ kind: 'text', text: 'alice@example.com' }))).toEqual({
      ok: false,
      reason: 'returned text, expected a number',
    });
    expect(singleNumber(one({ kind: 'other', type: 'oid 16' }))).toEqual({
      ok: false,
      reason: 'returned a value of type oid 16, expected a number',
    });
    expect(singleNumber(one({ kind: 'number', value: Number.NaN }))).toEqual({
      ok: false,
      reason: 'returned NaN, expected a finite number',
    });
  });
});

describe('the newest row time the freshness query returns', () => {
  it('takes a timestamp, date or ISO text as an ISO string', () => {
    expect(singleTime(one({ kind: 'time', text: '2026-10-31 16:40:00+00' }))).toEqual({
      ok: true,
      value: '2026-10-31T16:40:00.000Z',
    });
    expect(singleTime(one({ kind: 'text', text: '2026-10-31T16:40:00Z' }))).toEqual({
      ok: true,
      value: '2026-10-31T16:40:00.000Z',
    });
  });

  it('refuses NULL, numbers and text that is not a time', () => {
    expect(singleTime(one({ kind: 'null' }))).toEqual({
      ok: false,
      reason: 'returned NULL (is the table empty?)',
    });
    expect(singleTime(one({ kind: 'number', value: 1 }))).toEqual({
      ok: false,
      reason: 'returned a number, expected a timestamp, date or ISO string',
    });
    expect(singleTime(one({ kind: 'text', text: 'yesterday' }))).toEqual({
      ok: false,
      reason: 'returned text that is not a valid timestamp',
    });
  });
});

describe('a timestamp as a SQL server prints it', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01 01:02:03', '2026-11-01T01:02:03.000Z'],
    ['2026-11-01 01:02', '2026-11-01T01:02:00.000Z'],
    ['2026-11-01 01:02:03.123456+00', '2026-11-01T01:02:03.123Z'],
    ['2026-11-01 01:02:03.5', '2026-11-01T01:02:03.500Z'],
    ['2026-11-01T01:02:03+05:30', '2026-10-31T19:32:03.000Z'],
    ['2026-11-01 01:02:03-08', '2026-11-01T09:02:03.000Z'],
    ['2026-11-01T01:02:03Z', '2026-11-01T01:02:03.000Z'],
  ])('reads %s as %s (no offset means UTC)', (text, iso) => {
    expect(sqlTimeToIso(text)).toBe(iso);
  });

  it.each([
    'infinity',
    '0000-00-00 00:00:00',
    '2026-02-30',
    '2026-02-30 00:00:00+00',
    '2026-11-01 25:00:00',
    'soon',
  ])('refuses %s', (text) => {
    expect(sqlTimeToIso(text)).toBeUndefined();
  });
});

describe('classifying result cells by column type', () => {
  it('reads PostgreSQL numbers, times and text by type OID', () => {
    expect(postgresScalar(20, '12345678')).toEqual({ kind: 'number', value: 12345678 });
    expect(postgresScalar(1700, '750750.00')).toEqual({ kind: 'number', value: 750750 });
    expect(postgresScalar(1184, '2026-11-01 00:00:00+00')).toEqual({
      kind: 'time',
      text: '2026-11-01 00:00:00+00',
    });
    expect(postgresScalar(25, 'x')).toEqual({ kind: 'text', text: 'x' });
    expect(postgresScalar(16, 't')).toEqual({ kind: 'other', type: 'oid 16' });
    expect(postgresScalar(23, null)).toEqual({ kind: 'null' });
  });

  it('reads MySQL numbers, times and text by type name', () => {
    expect(mysqlScalar('NEWDECIMAL', '750750.00')).toEqual({ kind: 'number', value: 750750 });
    expect(mysqlScalar('LONGLONG', '1000')).toEqual({ kind: 'number', value: 1000 });
    expect(mysqlScalar('DATETIME', '2026-11-01 00:00:00')).toEqual({
      kind: 'time',
      text: '2026-11-01 00:00:00',
    });
    expect(mysqlScalar('VAR_STRING', 'x')).toEqual({ kind: 'text', text: 'x' });
    expect(mysqlScalar('JSON', '{}')).toEqual({ kind: 'other', type: 'JSON' });
    expect(mysqlScalar('LONG', null)).toEqual({ kind: 'null' });
  });
});

describe('error messages in check details', () => {
  it.each([
    [
      'invalid input syntax for type numeric: "alice@example.com"',
      'invalid input syntax for type numeric: "…"',
    ],
    [
      'invalid input value for enum order_status: "refunded-secret"',
      'invalid input value for enum order_status: "…"',
    ],
    ['value "99999999999" is out of range for type integer', 'value "…" is out of range for type integer'],
    ['Key (email)=(alice@example.com) already exists.', 'Key (email)=(…) already exists.'],
    [
      "Incorrect integer value: 'alice' for column 'age' at row 1",
      "Incorrect integer value: '…' for column 'age' at row 1",
    ],
    ["Duplicate entry 'alice@example.com' for key 'email'", "Duplicate entry '…' for key 'email'"],
    ['relation "public.orders" does not exist', 'relation "public.orders" does not exist'],
  ])('never quote a value from a row: %s', (message, expected) => {
    expect(errorMessage(new Error(message))).toBe(expected);
  });
});
