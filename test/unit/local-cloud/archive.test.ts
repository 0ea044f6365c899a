import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EncryptionKeyError, SnapshotCorruptedError } from '../../../src/domain/errors.ts';
import {
  ARCHIVE_HEADER_BYTES,
  decryptArchive,
  encryptArchive,
  sha256Hex,
  verifyArchiveDigest,
} from '../../../src/local-cloud/archive.ts';

const key = new Uint8Array(randomBytes(32));
const tarball = new Uint8Array(randomBytes(4096));

function flipped(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[offset] = (copy[offset] ?? 0) ^ 0x01;
  return copy;
}

describe('snapshot archives', () => {
  it('given a tarball, when it is encrypted then decrypted with the same key, then the same bytes come back', () => {
    const archive = encryptArchive(tarball, key, 'snap-1');

    expect(Buffer.from(decryptArchive(archive, key, 'snap-1'))).toEqual(Buffer.from(tarball));
  });

  it('given a tarball, when it is encrypted, then the archive is the header then ciphertext that does not reveal the plaintext', () => {
    const archive = encryptArchive(tarball, key, 'snap-1');

    expect(Buffer.from(archive.subarray(0, 4)).toString('ascii')).toBe('RSNP');
    expect(archive[4]).toBe(1);
    expect(archive.length).toBe(ARCHIVE_HEADER_BYTES + tarball.length);
    expect(Buffer.from(archive.subarray(ARCHIVE_HEADER_BYTES)).equals(Buffer.from(tarball))).toBe(false);
  });

  it('given the same tarball encrypted twice, then the archives differ (a fresh IV each time)', () => {
    const first = encryptArchive(tarball, key, 'snap-1');
    const second = encryptArchive(tarball, key, 'snap-1');

    expect(Buffer.from(first.subarray(5, 17)).equals(Buffer.from(second.subarray(5, 17)))).toBe(false);
    expect(sha256Hex(first)).not.toBe(sha256Hex(second));
  });

  it.each([
    ['the IV', 5],
    ['the authentication tag', 20],
    ['the first ciphertext byte', ARCHIVE_HEADER_BYTES],
    ['the last ciphertext byte', ARCHIVE_HEADER_BYTES + tarball.length - 1],
  ])(
    'given an archive with one bit flipped in %s, then decryption fails and the digest no longer matches',
    (_, offset) => {
      const archive = encryptArchive(tarball, key, 'snap-1');
      const damaged = flipped(archive, offset);

      expect(() => decryptArchive(damaged, key, 'snap-1')).toThrow(EncryptionKeyError);
      expect(() => verifyArchiveDigest('snap-1', damaged, sha256Hex(archive))).toThrow(
        SnapshotCorruptedError,
      );
    },
  );

  it('given an archive whose magic is damaged, then decryption reports it corrupted', () => {
    const damaged = flipped(encryptArchive(tarball, key, 'snap-1'), 0);

    expect(() => decryptArchive(damaged, key, 'snap-1')).toThrow(SnapshotCorruptedError);
  });

  it('given a truncated archive, then decryption reports it corrupted', () => {
    const archive = encryptArchive(tarball, key, 'snap-1');

    expect(() => decryptArchive(archive.subarray(0, ARCHIVE_HEADER_BYTES - 1), key, 'snap-1')).toThrow(
      SnapshotCorruptedError,
    );
  });

  it('given another key, when decrypting, then it fails with EncryptionKeyError', () => {
    const archive = encryptArchive(tarball, key, 'snap-1');
    const otherKey = new Uint8Array(randomBytes(32));

    expect(() => decryptArchive(archive, otherKey, 'snap-1')).toThrow(EncryptionKeyError);
  });

  it("given an archive, when decrypting it as another snapshot's, then it fails: archives are bound to their snapshot", () => {
    const archive = encryptArchive(tarball, key, 'snap-1');

    expect(() => decryptArchive(archive, key, 'snap-2')).toThrow(EncryptionKeyError);
  });

  it('given a key that is not 32 bytes, then encryption refuses it', () => {
    expect(() => encryptArchive(tarball, new Uint8Array(16), 'snap-1')).toThrow(EncryptionKeyError);
  });

  it('given the recorded digest, when verifying the intact archive, then it passes, and the error names the snapshot otherwise', () => {
    const archive = encryptArchive(tarball, key, 'snap-1');

    expect(() => verifyArchiveDigest('snap-1', archive, sha256Hex(archive))).not.toThrow();
    const error = (() => {
      try {
        verifyArchiveDigest('snap-1', archive, '0'.repeat(64));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SnapshotCorruptedError);
    expect(error).toMatchObject({ snapshotId: 'snap-1', retryable: false, name: 'SnapshotCorruptedError' });
  });

  it('given bytes, then sha256Hex is their SHA-256 in hex', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
