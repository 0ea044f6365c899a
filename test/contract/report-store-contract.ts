// The behaviour every ReportStore implementation must show, whatever is behind
// it: run against the local folder store (local-report-store.contract.test.ts)
// and the S3 store over an in-memory fake of S3 at the SDK boundary
// (s3-report-store.contract.test.ts). It asserts only what the port promises,
// never how an implementation keeps its objects. Every test gets a fresh, empty
// store.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.ts';
import type { ReportStore } from '../../src/ports/report-store.ts';

export interface ReportStoreContractFixture {
  /** An empty store. */
  readonly store: ReportStore;
  cleanup(): Promise<void>;
}

/** What a caller computes itself to check a stored object: the hex SHA-256 of the bytes. */
function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export function describeReportStoreContract(
  name: string,
  setup: () => Promise<ReportStoreContractFixture>,
): void {
  describe(`ReportStore contract: ${name}`, () => {
    let fixture: ReportStoreContractFixture;
    let store: ReportStore;

    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('put and get', () => {
      it('round-trips a text body as UTF-8, with the SHA-256 the caller computes', async () => {
        // Prepare
        const key = 'drills/orders/2026-03-01T02-00-00Z.json';
        const text = '{"database":"orders","result":"passed","note":"Zürich ✓"}\n';

        // Act
        const stored = await store.put(key, text, 'application/json');
        const read = await store.get(key);

        // Assess
        expect(stored.key).toBe(key);
        expect(stored.sha256).toBe(sha256Hex(utf8(text)));
        expect(stored.location).toContain('2026-03-01T02-00-00Z.json');
        expect(read).toEqual(utf8(text));
        expect(read === undefined ? undefined : sha256Hex(read)).toBe(stored.sha256);
      });

      it('round-trips a byte body unchanged, including bytes that are not UTF-8', async () => {
        // Prepare
        const key = 'evidence/orders/dump.bin';
        const bytes = new Uint8Array([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a, 0x7f]);

        // Act
        const stored = await store.put(key, bytes, 'application/octet-stream');
        const read = await store.get(key);

        // Assess
        expect(stored.sha256).toBe(sha256Hex(bytes));
        expect(read).toEqual(bytes);
      });

      it('round-trips an empty body', async () => {
        // Act
        const stored = await store.put('leases/empty.json', '', 'application/json');
        const read = await store.get('leases/empty.json');

        // Assess
        expect(stored.sha256).toBe(sha256Hex(new Uint8Array()));
        expect(read).toEqual(new Uint8Array());
      });

      it('answers get of a missing key with undefined', async () => {
        // Prepare: objects exist around it.
        await store.put('drills/orders/a.json', '{}', 'application/json');

        // Act
        const missing = await store.get('drills/orders/b.json');
        const neverWritten = await store.get('nothing/here.json');
        const folder = await store.get('drills/orders');

        // Assess
        expect(missing).toBeUndefined();
        expect(neverWritten).toBeUndefined();
        expect(folder).toBeUndefined();
      });

      it('returns the new content after a key is overwritten', async () => {
        // Prepare
        const key = 'leases/drill-42.json';
        const first = await store.put(key, '{"state":"held"}', 'application/json');

        // Act
        const second = await store.put(key, '{"state":"released"}', 'application/json');
        const read = await store.get(key);

        // Assess
        expect(second.sha256).toBe(sha256Hex(utf8('{"state":"released"}')));
        expect(second.sha256).not.toBe(first.sha256);
        expect(read).toEqual(utf8('{"state":"released"}'));
        expect(await store.list('leases/')).toEqual([key]);
      });
    });

    describe('putIfAbsent', () => {
      it('writes a key that holds nothing, with the SHA-256 the caller computes', async () => {
        // Prepare
        const key = 'evidence/manifests/2026-03-01.json';
        const text = '{"day":"2026-03-01"}\n';

        // Act
        const result = await store.putIfAbsent(key, text, 'application/json');

        // Assess
        expect(result).toEqual({
          written: true,
          object: {
            key,
            sha256: sha256Hex(utf8(text)),
            location: expect.stringContaining('2026-03-01.json'),
          },
        });
        expect(await store.get(key)).toEqual(utf8(text));
      });

      it('leaves an existing object as it is and gives back its bytes', async () => {
        // Prepare
        const key = 'evidence/manifests/2026-03-01.json';
        await store.put(key, '{"first":true}', 'application/json');

        // Act
        const result = await store.putIfAbsent(key, '{"second":true}', 'application/json');

        // Assess
        expect(result).toEqual({ written: false, existing: utf8('{"first":true}') });
        expect(await store.get(key)).toEqual(utf8('{"first":true}'));
        expect(await store.list('evidence/manifests/')).toEqual([key]);
      });

      it('of several writers at once, lets exactly one write, and the others read what it wrote', async () => {
        // Prepare
        const key = 'evidence/manifests/2026-03-02.json';
        const bodies = ['{"writer":0}', '{"writer":1}', '{"writer":2}', '{"writer":3}'];

        // Act
        const results = await Promise.all(
          bodies.map((body) => store.putIfAbsent(key, body, 'application/json')),
        );

        // Assess
        const winners = results.filter((result) => result.written);
        expect(winners).toHaveLength(1);
        const stored = await store.get(key);
        expect(stored).toBeDefined();
        expect(winners[0]?.written === true ? winners[0].object.sha256 : undefined).toBe(
          sha256Hex(stored ?? new Uint8Array()),
        );
        for (const result of results) {
          if (!result.written) expect(result.existing).toEqual(stored);
        }
      });

      it('writes again a key whose object was deleted', async () => {
        // Prepare
        const key = 'leases/drills/2026-03-01/drill-1.json';
        await store.put(key, '{"old":true}', 'application/json');
        await store.delete(key);

        // Act
        const result = await store.putIfAbsent(key, '{"new":true}', 'application/json');

        // Assess
        expect(result.written).toBe(true);
        expect(await store.get(key)).toEqual(utf8('{"new":true}'));
      });

      it('refuses a key that could leave the store, and stores nothing', async () => {
        await expect(
          store.putIfAbsent('drills/../escaped.json', '{}', 'application/json'),
        ).rejects.toBeInstanceOf(InvalidInputError);
        expect(await store.list('')).toEqual([]);
      });
    });

    describe('delete', () => {
      it('removes an object: it no longer reads or lists, and its neighbours stay', async () => {
        // Prepare
        await store.put('leases/drills/2026-03-01/drill-1.json', '{}', 'application/json');
        await store.put('leases/drills/2026-03-01/drill-2.json', '{}', 'application/json');

        // Act
        await store.delete('leases/drills/2026-03-01/drill-1.json');

        // Assess
        expect(await store.get('leases/drills/2026-03-01/drill-1.json')).toBeUndefined();
        expect(await store.list('leases/drills/')).toEqual(['leases/drills/2026-03-01/drill-2.json']);
      });

      it('does nothing for a key with no object', async () => {
        await expect(store.delete('leases/drills/2026-03-01/none.json')).resolves.toBeUndefined();
      });

      it('refuses a key that could leave the store', async () => {
        await expect(store.delete('leases/../evidence/x.json')).rejects.toBeInstanceOf(InvalidInputError);
      });
    });

    describe('list', () => {
      const keys = [
        'drills/orders/2026-03-03.json',
        'drills/orders/2026-03-01.json',
        'drills/billing/2026-03-01.json',
        'drills/orders-archive/2026-01-01.json',
        'drills/orders/2026-03-02.json',
        'drills/orders/nested/2026-03-04.json',
        'leases/drill-1.json',
      ];

      beforeEach(async () => {
        for (const key of keys) await store.put(key, `{"key":"${key}"}`, 'application/json');
      });

      it('returns only the keys under a folder prefix, sorted', async () => {
        // Act
        const listed = await store.list('drills/orders/');

        // Assess
        expect(listed).toEqual([
          'drills/orders/2026-03-01.json',
          'drills/orders/2026-03-02.json',
          'drills/orders/2026-03-03.json',
          'drills/orders/nested/2026-03-04.json',
        ]);
      });

      it('matches a prefix as a string, not as a whole folder name', async () => {
        // Act
        const listed = await store.list('drills/orders');

        // Assess
        expect(listed).toEqual([
          'drills/orders-archive/2026-01-01.json',
          'drills/orders/2026-03-01.json',
          'drills/orders/2026-03-02.json',
          'drills/orders/2026-03-03.json',
          'drills/orders/nested/2026-03-04.json',
        ]);
      });

      it('returns every key, sorted, for the empty prefix', async () => {
        // Act
        const listed = await store.list('');

        // Assess
        expect(listed).toEqual([...keys].sort());
      });

      it('returns an empty list for a prefix nothing is under', async () => {
        // Act
        const listed = await store.list('reports/');

        // Assess
        expect(listed).toEqual([]);
      });
    });

    describe('keys that could leave the store', () => {
      const badKeys = [
        '../outside.json',
        'drills/../../outside.json',
        '/etc/passwd',
        'drills\\orders\\a.json',
      ];

      it.each(badKeys)('put refuses %j', async (key) => {
        await expect(store.put(key, '{}', 'application/json')).rejects.toBeInstanceOf(InvalidInputError);
      });

      it.each(badKeys)('get refuses %j', async (key) => {
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidInputError);
      });

      it.each(['../', 'drills/../', '/etc/', 'drills\\'])('list refuses the prefix %j', async (prefix) => {
        await expect(store.list(prefix)).rejects.toBeInstanceOf(InvalidInputError);
      });

      it('stores nothing for a refused key', async () => {
        // Act
        await store.put('drills/../escaped.json', '{}', 'application/json').catch(() => undefined);

        // Assess
        expect(await store.list('')).toEqual([]);
        expect(await store.get('escaped.json')).toBeUndefined();
      });
    });
  });
}
