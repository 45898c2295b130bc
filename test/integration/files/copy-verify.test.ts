import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  copyAndVerify,
  isTemporaryName,
  removeTemporariesOf,
  temporaryName,
} from '../../../src/adapters/files/copy-verify.js';
import type { CopyRequest } from '../../../src/adapters/files/copy-verify.js';
import { createHashPool } from '../../../src/adapters/files/hash-pool.js';
import type { HashPool } from '../../../src/adapters/files/hash-pool.js';
import { NonRetryableError } from '../../../src/errors.js';

let pool: HashPool;
let base: string;
let targetFolder: string;

beforeAll(() => {
  pool = createHashPool({ size: 2 });
});

afterAll(async () => {
  await pool.close();
});

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'holdfast-copy-'));
  targetFolder = join(base, 'FILES', '10.5072', 'FK2', 'ABC123');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function sourceWith(bytes: Buffer, name = 'source.bin'): Promise<CopyRequest> {
  const source = join(base, name);
  await writeFile(source, bytes);
  return {
    source,
    target: join(targetFolder, '18f3a5c2b11-1a2b3c4d5e6f'),
    expectedMd5: createHash('md5').update(bytes).digest('hex'),
    expectedSize: bytes.length,
  };
}

const context = { idempotencyKey: 'datafile-1:copy', attempt: 1 };

async function leftovers(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [])).filter(isTemporaryName);
}

describe('copyAndVerify', () => {
  it('copies into new folders, verifies the copy and leaves no temporary file', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const request = await sourceWith(bytes);
    const result = await copyAndVerify(request, context, pool);
    expect(result).toEqual({ md5: request.expectedMd5, size: bytes.length, reused: false });
    expect((await readFile(request.target)).equals(bytes)).toBe(true);
    expect(await readdir(targetFolder)).toEqual(['18f3a5c2b11-1a2b3c4d5e6f']);
  });

  it('reuses a target that already matches, without writing it again', async () => {
    const request = await sourceWith(Buffer.from('same bytes'));
    await copyAndVerify(request, context, pool);
    const before = await stat(request.target);
    const again = await copyAndVerify(request, { ...context, attempt: 2 }, pool);
    expect(again).toEqual({ md5: request.expectedMd5, size: 10, reused: true });
    const after = await stat(request.target);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('rewrites a target of the right size but wrong content', async () => {
    const request = await sourceWith(Buffer.from('the right content'));
    await mkdir(targetFolder, { recursive: true });
    await writeFile(request.target, 'the wrong content');
    const result = await copyAndVerify(request, context, pool);
    expect(result.reused).toBe(false);
    expect(await readFile(request.target, 'utf8')).toBe('the right content');
  });

  it('copies an empty file', async () => {
    const request = await sourceWith(Buffer.alloc(0));
    expect(await copyAndVerify(request, context, pool)).toEqual({
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      size: 0,
      reused: false,
    });
  });

  it('fails a vanished source with a non-retryable SOURCE_MISSING and leaves no temporary file', async () => {
    const request = await sourceWith(Buffer.from('soon gone'));
    await rm(request.source);
    const failure = copyAndVerify(request, context, pool);
    await expect(failure).rejects.toBeInstanceOf(NonRetryableError);
    await expect(failure).rejects.toMatchObject({ code: 'SOURCE_MISSING' });
    expect(await readdir(targetFolder)).toEqual([]);
  });

  it('fails a source that is a folder with a non-retryable SOURCE_UNREADABLE', async () => {
    const request = await sourceWith(Buffer.from('x'));
    await rm(request.source);
    await mkdir(request.source);
    await expect(copyAndVerify(request, context, pool)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'SOURCE_UNREADABLE',
    });
    expect(await leftovers(targetFolder)).toEqual([]);
  });

  it('deletes a copy that does not match and throws a retryable CHECKSUM_MISMATCH', async () => {
    const request = await sourceWith(Buffer.from('changed since it was prepared'));
    const failure = copyAndVerify({ ...request, expectedMd5: '0'.repeat(32) }, context, pool);
    await expect(failure).rejects.toMatchObject({ name: 'HoldfastError', code: 'CHECKSUM_MISMATCH' });
    await expect(failure).rejects.not.toBeInstanceOf(NonRetryableError);
    expect(await readdir(targetFolder)).toEqual([]);
  });

  it('treats a size mismatch as a CHECKSUM_MISMATCH too', async () => {
    const request = await sourceWith(Buffer.from('twelve bytes'));
    await expect(copyAndVerify({ ...request, expectedSize: 13 }, context, pool)).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: expect.objectContaining({ size: 12, expectedSize: 13, attempt: 1 }),
    });
  });

  it('rejects with the abort reason before touching the target', async () => {
    const request = await sourceWith(Buffer.from('x'));
    const signal = AbortSignal.abort(new Error('shutting down'));
    await expect(copyAndVerify(request, { ...context, signal }, pool)).rejects.toThrow('shutting down');
    await expect(stat(targetFolder)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('throws a retryable STORAGE_FULL on a full disk and leaves no temporary file', async (test) => {
    const mountPoint = join(base, 'tiny');
    await mkdir(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      test.skip('mounting a tmpfs needs privileges this run lacks');
    }
    try {
      const request = await sourceWith(randomBytes(1024 * 1024));
      const target = join(mountPoint, 'FK2', '18f3a5c2b11-1a2b3c4d5e6f');
      const failure = copyAndVerify({ ...request, target }, context, pool);
      await expect(failure).rejects.toMatchObject({ name: 'HoldfastError', code: 'STORAGE_FULL' });
      expect(await readdir(join(mountPoint, 'FK2'))).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

describe('temporary files', () => {
  it('names a copy the same way on every retry and differently for another key', () => {
    const name = temporaryName('18f3a5c2b11-1a2b3c4d5e6f', 'datafile-1:copy');
    expect(name).toMatch(/^\.18f3a5c2b11-1a2b3c4d5e6f\.[0-9a-f]{12}\.holdfast-tmp$/);
    expect(temporaryName('18f3a5c2b11-1a2b3c4d5e6f', 'datafile-1:copy')).toBe(name);
    expect(temporaryName('18f3a5c2b11-1a2b3c4d5e6f', 'datafile-2:copy')).not.toBe(name);
    expect(isTemporaryName(name)).toBe(true);
    expect(isTemporaryName('18f3a5c2b11-1a2b3c4d5e6f')).toBe(false);
    expect(isTemporaryName('.holdfast-tmp')).toBe(false);
  });

  it('keeps a temporary name under 255 bytes for a very long target name', () => {
    expect(Buffer.byteLength(temporaryName('x'.repeat(255), 'key'))).toBeLessThan(255);
  });

  it("removes a copy's leftover temporary files after a crash, and neither the copies nor another copy's temporaries", async () => {
    await mkdir(targetFolder, { recursive: true });
    const leftover = temporaryName('18f3a5c2b11-1a2b3c4d5e6f', 'k');
    const anotherLoads = temporaryName('18f3a5c2b11-bbbbbbbbbbbb', 'k');
    await writeFile(join(targetFolder, leftover), 'partial');
    await writeFile(join(targetFolder, anotherLoads), 'being copied');
    await writeFile(join(targetFolder, '18f3a5c2b11-aaaaaaaaaaaa'), 'complete');
    expect(await removeTemporariesOf(targetFolder, ['18f3a5c2b11-1a2b3c4d5e6f', '18f3a5c2b11-aaaaaaaaaaaa'])).toEqual([leftover]);
    expect((await readdir(targetFolder)).sort()).toEqual([anotherLoads, '18f3a5c2b11-aaaaaaaaaaaa'].sort());
    expect(await removeTemporariesOf(join(base, 'missing'), ['18f3a5c2b11-1a2b3c4d5e6f'])).toEqual([]);
  });
});
