/**
 * An ingest in the foreground whose load another command deletes, through the
 * ingest's owner socket (pause, then delete), ends with exit 1 and a message
 * saying so, instead of waiting for ever (issue 17, item 2). Registration is
 * held by a proxy in front of the Dataverse stand-in, so the load is mid-run.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { exitWithin, holdfastChild, killChildren } from '../../helpers/cli-child.js';
import { makeSampleFolder, runCli, withStore } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-3b9d7c1e-5a2f-4e8b-9c0d-112233445566';
const PID = 'doi:10.5072/FK2/DEL123';

afterEach(killChildren);

describe('ingest whose load is deleted', () => {
  it('ends with exit 1 and JOB_DELETED, not a hang', async () => {
    const root = tempFolder('holdfast-ingest-deleted-');
    const dir = join(root, 'source');
    const filesDir = join(root, 'files');
    const store = join(root, 'store');
    await makeSampleFolder(dir, { smallFiles: 3 });
    const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
    const held: ServerResponse[] = [];
    let registering = false;
    const upstream = new URL(standin.url);
    const proxy = createServer((req, res) => {
      if (req.url?.includes('addFiles')) {
        registering = true;
        held.push(res); // never answered: the load stays `registering`
        req.resume();
        return;
      }
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const ingest = holdfastChild(['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', proxyUrl, '--token', TOKEN, '--store', store]);
      for (let tries = 0; !registering && tries < 600; tries++) await new Promise((done) => setTimeout(done, 50));
      expect(registering, ingest.output()).toBe(true);
      const id = /load (load-[0-9a-z]+):/.exec(ingest.output())?.[1];
      expect(id, ingest.output()).toBeDefined();

      const running = await runCli(['delete', id!, '--store', store]);
      expect(running.code).toBe(1);
      expect(running.stderr).toMatch(/JOB_RUNNING/);
      expect((await runCli(['pause', id!, '--store', store])).code).toBe(0);
      const deleted = await runCli(['delete', id!, '--store', store, '--json']);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(deleted.json).toMatchObject({ id, done: 'delete', owner: ingest.child.pid });

      expect(await exitWithin(ingest, 5_000), ingest.output()).toMatchObject({ code: 1 });
      expect(ingest.errors()).toMatch(/JOB_DELETED.*load .* was deleted before it ended/);
      expect(ingest.output()).not.toMatch(/holdfast resume/);
      await withStore(store, (s) => expect(s.getActor(id as never)).toBeUndefined());
    } finally {
      for (const res of held) res.destroy();
      await new Promise((done) => proxy.close(done));
      await standin.close();
    }
  }, 60_000);
});
