import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createHashPool } from '../../../src/adapters/files/hash-pool.js';

// A worker body that misbehaves on purpose for paths naming a crash, and
// hashes every other file as the real one does.
vi.mock('../../../src/adapters/files/md5-worker.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/adapters/files/md5-worker.js')>();
  const saboteur = `
parentPort.on('message', (request) => {
  if (request.type !== 'hash') return;
  if (request.path.endsWith('exit-worker')) process.exit(7);
  if (request.path.endsWith('throw-in-worker')) setImmediate(() => { throw new Error('worker blew up'); });
});`;
  return { ...original, md5WorkerSource: original.md5WorkerSource + saboteur };
});

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'holdfast-hash-crash-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('createHashPool when a worker crashes', () => {
  it.each([['exit-worker'], ['throw-in-worker']])(
    'rejects the job of a worker that dies (%s) and replaces the worker for queued jobs',
    async (name) => {
      const pool = createHashPool({ size: 1 });
      try {
        await writeFile(join(folder, name), 'x');
        await writeFile(join(folder, 'fine'), 'fine');
        const crashed = pool.md5File(join(folder, name));
        const queued = pool.md5File(join(folder, 'fine'));
        await expect(crashed).rejects.toMatchObject({ code: 'EFFECT_FAILED' });
        await expect(queued).resolves.toEqual({ md5: createHash('md5').update('fine').digest('hex'), size: 4 });
      } finally {
        await pool.close();
      }
    },
  );
});
