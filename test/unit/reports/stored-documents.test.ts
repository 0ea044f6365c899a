// Stored documents are read back through one schema-validated path: a damaged
// file is a CorruptEvidenceError naming its key and why, never a SyntaxError
// or a blind cast, and one damaged file never hides the others.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';
import { CorruptEvidenceError } from '../../../src/domain/errors.ts';
import { backupRecordSchema, readVerification } from '../../../src/reports/evidence.ts';
import { readStoredDocument, readStoredDocuments } from '../../../src/reports/json-document.ts';

const schema = z.object({ schemaVersion: z.literal(1), name: z.string() });
let dir: string;
let reports: LocalReportStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'restorable-stored-'));
  reports = new LocalReportStore(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readError(key: string, what = 'test document'): Promise<CorruptEvidenceError> {
  try {
    await readStoredDocument(reports, key, schema, what);
  } catch (error) {
    if (error instanceof CorruptEvidenceError) return error;
    throw error;
  }
  throw new Error('expected a CorruptEvidenceError');
}

describe('reading a stored document', () => {
  it('gives the validated value and the digest of its bytes', async () => {
    const body = '{"schemaVersion": 1, "name": "a"}';
    await reports.put('docs/a.json', body, 'application/json');

    const document = await readStoredDocument(reports, 'docs/a.json', schema, 'test document');

    expect(document).toEqual({
      key: 'docs/a.json',
      sha256: createHash('sha256').update(body).digest('hex'),
      value: { schemaVersion: 1, name: 'a' },
    });
  });

  it('is undefined when there is no such document', async () => {
    expect(await readStoredDocument(reports, 'docs/none.json', schema, 'test document')).toBeUndefined();
  });

  it('names the key and the parse error when the bytes are not JSON', async () => {
    await reports.put('docs/b.json', '{"schemaVersion": 1,', 'application/json');

    const error = await readError('docs/b.json');

    expect(error.name).toBe('CorruptEvidenceError');
    expect(error.path).toBe('docs/b.json');
    expect(error.reason).toMatch(/^test document is not valid JSON: /);
    expect(error.message).toMatch(/^docs\/b\.json is corrupt: test document is not valid JSON: /);
  });

  it('names the key and each wrong field when the JSON is not the document', async () => {
    await reports.put('docs/c.json', '{"schemaVersion": 2}', 'application/json');

    const error = await readError('docs/c.json');

    expect(error.reason).toMatch(
      /^test document is invalid:\n {2}- schemaVersion: .*\n {2}- name: is missing/,
    );
  });

  it('reads many, setting the corrupt ones apart with their digest instead of failing on the first', async () => {
    await reports.put('docs/1.json', 'not json', 'application/json');
    await reports.put('docs/2.json', '{"schemaVersion": 1, "name": "two"}', 'application/json');

    const { documents, corrupt } = await readStoredDocuments(
      reports,
      ['docs/1.json', 'docs/2.json', 'docs/missing.json'],
      schema,
      'test document',
    );

    expect(documents.map((document) => document.value.name)).toEqual(['two']);
    expect(corrupt).toEqual([
      {
        path: 'docs/1.json',
        sha256: createHash('sha256').update('not json').digest('hex'),
        reason: expect.stringMatching(/^test document is not valid JSON: /),
      },
    ]);
  });

  it('holds every evidence document to its schema: a backup record without its snapshots is corrupt', async () => {
    const record = { schemaVersion: 1, runId: 'r', startedAt: '2026-11-20T02:00:00Z', id: 'orders' };
    expect(backupRecordSchema.safeParse(record).success).toBe(false);

    await reports.put('work/drills/d/verification.json', '{"verifiedAt": 5}', 'application/json');
    await expect(readVerification(reports, 'work/drills/d/verification.json')).rejects.toThrow(
      /^work\/drills\/d\/verification\.json is corrupt: verification result is invalid:/,
    );
  });
});
