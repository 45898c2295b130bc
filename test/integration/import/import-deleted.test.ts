/**
 * An import in the foreground whose batch another command deletes, through the
 * import's owner socket (pause, then delete), ends with exit 1 and JOB_DELETED
 * (issue 17, item 2). The service holds every request, so the import is mid-run.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, holdfastChild, killChildren } from '../../helpers/cli-child.js';
import { runCli, withStore } from '../../helpers/dataload.js';
import { dependent, object, writeImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

afterEach(killChildren);

describe('import whose batch is deleted', () => {
  it('ends with exit 1 and JOB_DELETED, not a hang or a summary of nothing', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const { file, linkTags } = writeImport(folder, { objects: [object('a1', 'author'), object('b1', 'book')], links: [dependent('b1', 'a1', 'writtenBy')] });
    const held: ServerResponse[] = [];
    const service = createServer((req, res) => {
      held.push(res); // never answered: the import stays mid-run
      req.resume();
    });
    await new Promise<void>((done) => service.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    try {
      const importing = holdfastChild(['import', file, '--service', url, '--link-tags', linkTags, '--store', store]);
      for (let tries = 0; held.length === 0 && tries < 600; tries++) await new Promise((done) => setTimeout(done, 50));
      expect(held.length, importing.output()).toBeGreaterThan(0);
      const id = /import (import-[0-9a-z]+):/.exec(importing.output())?.[1];
      expect(id, importing.output()).toBeDefined();

      const running = await runCli(['delete', id!, '--store', store]);
      expect(running.code).toBe(1);
      expect(running.stderr).toMatch(/JOB_RUNNING/);
      expect((await runCli(['pause', id!, '--store', store])).code).toBe(0);
      const deleted = await runCli(['delete', id!, '--store', store, '--json']);
      expect(deleted.code, `${deleted.stderr}\n--- import:\n${importing.output()}`).toBe(0);

      expect(await exitWithin(importing, 5_000), importing.output()).toMatchObject({ code: 1 });
      expect(importing.errors()).toMatch(/JOB_DELETED.*import .* was deleted before it ended/);
      await withStore(store, (s) => expect(s.getActor(id as never)).toBeUndefined());
    } finally {
      for (const res of held) res.destroy();
      await new Promise((done) => service.close(done));
    }
  }, 60_000);
});
