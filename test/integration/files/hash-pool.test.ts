import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createHashPool } from '../../../src/adapters/files/hash-pool.js';
import type { HashPool } from '../../../src/adapters/files/hash-pool.js';

let folder: string;
let pool: HashPool;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'holdfast-hash-'));
  pool = createHashPool({ size: 2 });
});

afterEach(async () => {
  await pool.close();
  await rm(folder, { recursive: true, force: true });
});

async function fileWith(name: string, bytes: Buffer): Promise<{ path: string; md5: string }> {
  const path = join(folder, name);
  await writeFile(path, bytes);
  return { path, md5: createHash('md5').update(bytes).digest('hex') };
}

describe('createHashPool', () => {
  it('computes the same MD5 and size as node:crypto for empty, small and 20 MB files', async () => {
    const files = await Promise.all([
      fileWith('empty', Buffer.alloc(0)),
      fileWith('one-byte', Buffer.from('x')),
      fileWith('chunk-plus-one', randomBytes(1024 * 1024 + 1)),
      fileWith('twenty-mb', randomBytes(20 * 1024 * 1024)),
    ]);
    const results = await Promise.all(files.map((file) => pool.md5File(file.path)));
    expect(results).toEqual([
      { md5: files[0]?.md5, size: 0 },
      { md5: files[1]?.md5, size: 1 },
      { md5: files[2]?.md5, size: 1024 * 1024 + 1 },
      { md5: files[3]?.md5, size: 20 * 1024 * 1024 },
    ]);
    expect(files[0]?.md5).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('queues more jobs than workers and answers each with its own file', async () => {
    const files = await Promise.all(
      Array.from({ length: 12 }, (_, index) => fileWith(`f${index}`, Buffer.from(`content ${index}`))),
    );
    const results = await Promise.all(files.map((file) => pool.md5File(file.path)));
    expect(results.map((result) => result.md5)).toEqual(files.map((file) => file.md5));
  });

  it('rejects a missing file with its errno code, and keeps working', async () => {
    await expect(pool.md5File(join(folder, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
    const file = await fileWith('present', Buffer.from('still here'));
    await expect(pool.md5File(file.path)).resolves.toEqual({ md5: file.md5, size: 10 });
  });

  it('rejects with the abort reason, for a running job and an already aborted signal, and frees the worker', async () => {
    const big = await fileWith('big', randomBytes(20 * 1024 * 1024));
    const single = createHashPool({ size: 1 });
    try {
      const controller = new AbortController();
      const running = single.md5File(big.path, controller.signal);
      const queued = single.md5File(big.path);
      controller.abort(new Error('stop hashing'));
      await expect(running).rejects.toThrow('stop hashing');
      // The queued job gets the one worker once the aborted job lets go of it.
      await expect(queued).resolves.toEqual({ md5: big.md5, size: 20 * 1024 * 1024 });
      await expect(single.md5File(big.path, AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    } finally {
      await single.close();
    }
  });

  it('drops an aborted job from the queue before it starts', async () => {
    const single = createHashPool({ size: 1 });
    try {
      const file = await fileWith('small', Buffer.from('small'));
      const first = single.md5File(file.path);
      const controller = new AbortController();
      const second = single.md5File(file.path, controller.signal);
      controller.abort(new Error('not needed'));
      await expect(second).rejects.toThrow('not needed');
      await expect(first).resolves.toEqual({ md5: file.md5, size: 5 });
    } finally {
      await single.close();
    }
  });

  it('closes idempotently and refuses work after close with RUNTIME_CLOSED', async () => {
    const file = await fileWith('a', Buffer.from('a'));
    await pool.md5File(file.path);
    const first = pool.close();
    expect(pool.close()).toBe(first);
    await first;
    await pool.close();
    await expect(pool.md5File(file.path)).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' });
  });

  it('rejects jobs still pending when closed', async () => {
    const big = await fileWith('big', randomBytes(8 * 1024 * 1024));
    const pending = Promise.allSettled(Array.from({ length: 4 }, () => pool.md5File(big.path)));
    await pool.close();
    const outcomes = await pending;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'RUNTIME_CLOSED' });
    }
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createHashPool({ size: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => createHashPool({ size: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
