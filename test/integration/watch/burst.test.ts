/**
 * Storms and rolling batches (issue 4): a burst of small files dropped at once
 * into a watched folder is registered with the Dataverse stand-in exactly once
 * each, with the watching process's peak memory bounded (printed); and
 * --batch-files closes batches by count. Open handles are bounded by the
 * folders watched, not the files. Sizes: 1,000 files by default, 10,000
 * under HOLDFAST_TEST_SCALE=full.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import { makeSampleFolder, verifyLoad } from '../../helpers/dataload.js';
import { fullScale } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { handlesOf, readStore, startWatch, viewWatch, watchSettled, waitUntil, watchIdOf, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const TOKEN = 'token-watch-0c1d2e3f-4a5b-6c7d-8e9f-001122334455';
const PID = 'doi:10.5072/FK2/WATCH2';
const BURST = fullScale ? 10_000 : 1_000;
// Measured: 226-253 MB for 1,000 files, 468-602 MB for 10,000 (about 40 MB of it live after GC; the
// rest is garbage V8 has not collected yet). The bound catches growth per file, not V8's laziness.
const MAX_RSS_MB = fullScale ? 800 : 600;

let root: string;
let setup: WatchSetup;
let standin: DataverseStandin;
let running: WatchProcess | undefined;

beforeEach(async () => {
  root = tempFolder('holdfast-watch-burst-');
  const filesDir = join(root, 'files');
  standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
  setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir, dataset: PID, dataverse: standin.url, token: TOKEN, settleMs: 300, batchIdleMs: 500 };
  mkdirSync(setup.dir);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
  await standin.close();
});

describe('holdfast watch under a storm of files', () => {
  it(
    `registers a burst of ${BURST.toLocaleString('en')} small files exactly once each, with peak RSS under ${MAX_RSS_MB} MB`,
    async () => {
      const watch = (running = startWatch(setup)); // default --batch-files (1,000)
      const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
      await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
      const started = Date.now();

      const files = await makeSampleFolder(setup.dir, { awkward: false, smallFiles: BURST });
      await waitUntil(() => standin.registered(PID).length >= BURST, `${BURST} files registered`, fullScale ? 600_000 : 60_000, 200);
      await waitUntil(
        () => readStore(setup.store, (store) => {
          const view = viewWatch(store, id, PID);
          return watchSettled(view);
        }),
        'every batch finished',
      );
      const elapsedMs = Date.now() - started;
      // One watch per folder (12 here), never one per file; and a few dozen descriptors, whatever the file count.
      const handles = await handlesOf(watch.child.pid!);
      expect(await watch.stop()).toEqual({ code: 0, signal: null });
      if (handles) {
        console.log(`watch burst: ${handles.inotifyWatches} inotify watches, ${handles.fds} open descriptors`);
        expect(handles.inotifyWatches).toBeLessThanOrEqual(12);
        expect(handles.fds).toBeLessThan(100);
      }

      const exit = watch.lines().find((l) => l.event === 'workload.exit')!;
      const peakMb = exit.maxRssKb! / 1024;
      console.log(`watch burst: ${BURST} files registered in ${(elapsedMs / 1000).toFixed(1)} s; peak RSS of holdfast watch ${peakMb.toFixed(0)} MB`);
      expect(peakMb).toBeLessThan(MAX_RSS_MB);
      expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected: files, standin })).toEqual([]);
      const accepted = watch.lines().filter((l) => l.event === 'watch.accepted');
      expect(accepted).toHaveLength(BURST);
      expect(new Set(accepted.map((l) => l.file)).size).toBe(BURST);
      const summary = watch.lines().find((l) => l.stopped === true)!;
      expect(summary.counts).toMatchObject({ accepted: BURST, replaced: 0, loaded: BURST, failed: 0, skipped: 0 });
    },
    fullScale ? 900_000 : 90_000,
  );

  it('closes a batch after --batch-files files, before --batch-idle has passed', async () => {
    const watch = (running = startWatch({ ...setup, batchIdleMs: 600_000, extra: ['--batch-files', '10'] }));
    const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
    await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');

    for (let i = 0; i < 25; i++) await writeFile(join(setup.dir, `f-${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    for (const batch of ['b1', 'b2']) await watch.waitForLine((l) => l.event === 'batch.finished' && l.batch === `${id}/${batch}`, `batch ${batch} finished`);
    await waitUntil(() => watch.lines().filter((l) => l.event === 'watch.accepted').length === 25, '25 files accepted');
    const beforeStop = await readStore(setup.store, (store) => viewWatch(store, id, PID));

    expect(beforeStop.context).toMatchObject({ batch: 3, open: 5 });
    expect(beforeStop.batches.map((b) => b.id).sort()).toEqual([`${id}/b1`, `${id}/b2`]);
    for (const batch of beforeStop.batches) expect((batch.snapshot!.context as DataLoadContext).counts).toMatchObject({ total: 10, copied: 10, registered: 10 });
    expect(standin.registered(PID)).toHaveLength(20);
    // Stopping closes the open batch of 5 (a graceful stop hands it to a load).
    expect(await watch.stop()).toEqual({ code: 0, signal: null });
    const afterStop = await readStore(setup.store, (store) => ({ ...viewWatch(store, id, PID), third: [...store.scanRecords('watch.batch', [id, 3])].length }));
    expect(afterStop.context).toMatchObject({ batch: 4, open: 0 });
    expect(afterStop.third).toBe(5);
  });
});
