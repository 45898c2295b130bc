/**
 * One owner, many commands: while a process owns a store, a second `holdfast
 * ingest` hands its load to the owner over the socket, and read-only commands
 * work beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

describe('a second command beside the store owner', () => {
  it('hands an ingest to the owner, which runs it, while jobs reads beside it', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const source = join(folder, 'source');
    mkdirSync(join(source, 'sub'), { recursive: true });
    writeFileSync(join(source, 'a.txt'), 'alpha');
    writeFileSync(join(source, 'sub', 'b.txt'), 'beta');
    const owner = startWorkload('owner', [store]);
    try {
      expect(await waitForOutput(owner, 'READY')).toBe(true);
      const printed: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
      let code: number;
      try {
        code = await main(['ingest', source, '--dataset', 'doi:10.5072/FK2/OWNER1', '--files-dir', join(folder, 'files'), '--store', store, '--json']);
      } finally {
        spy.mockRestore();
      }
      expect(code).toBe(0);
      const answer = JSON.parse(printed.join('').trim()) as { id: string; owner: number; handedOver: boolean };
      expect(answer).toMatchObject({ handedOver: true, owner: owner.child.pid });
      await expect.poll(() => {
        const readOnly = openLmdbStore(store, { readOnly: true });
        try {
          return readOnly.getActor(answer.id as never)?.state;
        } finally {
          void readOnly.close();
        }
      }, { timeout: 20_000 }).toBe('completed');
      expect(await main(['jobs', '--store', store])).toBe(0);
    } finally {
      owner.child.kill('SIGTERM');
      expect((await owner.exited).code).toBe(0);
    }
  });
});
