/**
 * Nothing twice, nothing missed (issue 4): files added while `holdfast watch`
 * was down are loaded after a restart and the loaded ones are not taken again;
 * a file replaced by different content is loaded as a new version with the
 * replacement recorded; a file deleted before it was copied is skipped with a
 * recorded reason; SIGTERM stops gracefully, closing the open batch, which a
 * restart then loads. Against the Dataverse stand-in.
 */
import { mkdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import type { DataFileContext } from '../../../src/machines/datafile.machine.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import { verifyStore } from '../../../src/runtime/verify-store.js';
import { countViolations, verifyLoad, type SampleFile } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { md5, readStore, startWatch, viewWatch, watchSettled, waitUntil, watchIdOf, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const TOKEN = 'token-watch-restart-99887766-5544-3322-1100-aabbccddeeff';
const PID = 'doi:10.5072/FK2/WATCH3';

let setup: WatchSetup;
let standin: DataverseStandin;
let running: WatchProcess | undefined;

beforeEach(async () => {
  const root = tempFolder('holdfast-watch-restart-');
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

async function watching(extra: Partial<WatchSetup> = {}): Promise<{ watch: WatchProcess; id: string }> {
  const watch = (running = startWatch({ ...setup, ...extra }));
  const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
  await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
  return { watch, id };
}

async function put(relativePath: string, content: string): Promise<SampleFile> {
  const path = join(setup.dir, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return { relativePath, size: Buffer.byteLength(content), md5: md5(content) };
}

/** Waits until the store says every batch of the watch is final and none is open. */
const batchesSettled = (id: string) =>
  waitUntil(
    () => readStore(setup.store, (store) => {
      const view = viewWatch(store, id, PID);
      return view.batches.length > 0 && watchSettled(view);
    }),
    'every batch of the watch final',
  );

const accepted = (watch: WatchProcess) => watch.lines().filter((l) => l.event === 'watch.accepted' || l.event === 'watch.replaced').map((l) => l.file!);

describe('holdfast watch across restarts', () => {
  it('loads files added while it was down after a restart, and does not take the loaded ones again', async () => {
    const first = await watching();
    const before = [await put('early.txt', 'loaded in the first run\n'), await put('sub/early2.txt', 'also first\n')];
    await waitUntil(() => standin.registered(PID).length === 2, 'the first two files registered');
    await batchesSettled(first.id);
    expect(await first.watch.stop()).toEqual({ code: 0, signal: null });

    const whileDown = [await put('late.txt', 'dropped while holdfast was down\n'), await put('sub/deeper/late2.csv', 'a,b\n1,2\n'), await put('sub/late3.txt', 'third\n')];
    // No token on the command line: the one kept by the first run is used.
    const second = await watching({ token: undefined });

    expect(second.id).toBe(first.id);
    await waitUntil(() => standin.registered(PID).length === 5, 'the files added while down registered');
    await batchesSettled(second.id);
    expect(await second.watch.stop()).toEqual({ code: 0, signal: null });
    expect(accepted(second.watch).sort()).toEqual(whileDown.map((f) => f.relativePath).sort());
    expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected: [...before, ...whileDown], standin })).toEqual([]);
  });

  it('loads a file replaced by different content under the same name as a new version and records the replacement', async () => {
    const { watch, id } = await watching();
    const first = await put('data/report.csv', 'version,1\n');
    await waitUntil(() => standin.registered(PID).length === 1, 'the first version registered');
    await batchesSettled(id);

    const second = await put('data/report.csv', 'version,2,with more bytes\n');
    await watch.waitForLine((l) => l.event === 'watch.replaced' && l.file === 'data/report.csv', 'the replacement reported');
    await waitUntil(() => standin.registered(PID).length === 2, 'the second version registered');
    await batchesSettled(id);
    expect(await watch.stop()).toEqual({ code: 0, signal: null });

    const registered = standin.registered(PID);
    // Dataverse files a second file under a path already taken as `report-1.csv`
    // (IngestUtil.checkForDuplicateFileNamesFinal), and the stand-in does as it does.
    expect(registered.map((f) => [f.directoryLabel, f.fileName, f.checksum.value])).toEqual([
      ['data', 'report.csv', first.md5],
      ['data', 'report-1.csv', second.md5],
    ]);
    const view = await readStore(setup.store, (store) => ({
      ...viewWatch(store, id, PID),
      batchRecords: [...store.scanRecords<{ relativePath: string; replaced: boolean }>('watch.batch', [id])].map((r) => r.value),
    }));
    expect(view.loaded.get('data/report.csv')).toMatchObject({ md5: second.md5, size: second.size });
    expect(view.context?.counts).toMatchObject({ accepted: 2, replaced: 1, loaded: 2 });
    expect(view.batchRecords).toEqual([
      expect.objectContaining({ relativePath: 'data/report.csv', replaced: false }),
      expect.objectContaining({ relativePath: 'data/report.csv', replaced: true }),
    ]);
    expect(view.taken.get('data/report.csv')).toMatchObject({ size: second.size, replaced: true });
  });

  it('loads a file replaced while holdfast was down as a new version after a restart', async () => {
    const first = await watching();
    const v1 = await put('r.txt', 'first version\n');
    const other = await put('other.txt', 'unchanged\n');
    await waitUntil(() => standin.registered(PID).length === 2, 'the first versions registered');
    await batchesSettled(first.id);
    expect(await first.watch.stop()).toEqual({ code: 0, signal: null });

    const v2 = await put('r.txt', 'second version, written while down\n');
    const second = await watching();
    await second.watch.waitForLine((l) => l.event === 'watch.replaced' && l.file === 'r.txt', 'the replacement reported');
    await waitUntil(() => standin.registered(PID).length === 3, 'the second version registered');
    await batchesSettled(first.id);
    expect(await second.watch.stop()).toEqual({ code: 0, signal: null });

    expect(accepted(second.watch)).toEqual(['r.txt']);
    const registered = standin.registered(PID).map((f) => [f.fileName, f.checksum.value]);
    expect(registered.slice(0, 2).sort()).toEqual([[other.relativePath, other.md5], [v1.relativePath, v1.md5]]);
    expect(registered[2]).toEqual(['r-1.txt', v2.md5]); // renamed by Dataverse: the path was taken
    const view = await readStore(setup.store, (store) => viewWatch(store, first.id, PID));
    expect(view.loaded.get('r.txt')).toMatchObject({ md5: v2.md5 });
    expect(view.context?.counts).toMatchObject({ accepted: 3, replaced: 1 });
  });

  it('skips a file deleted after it was taken but before it was copied, recording why, and loads the others', async () => {
    const { watch, id } = await watching({ batchIdleMs: 3_000 });
    const kept = await put('keep.txt', 'stays\n');
    await put('gone.txt', 'deleted before the batch runs\n');
    await watch.waitForLine((l) => l.event === 'watch.accepted' && l.file === 'gone.txt', 'gone.txt accepted');
    await watch.waitForLine((l) => l.event === 'watch.accepted' && l.file === 'keep.txt', 'keep.txt accepted');
    await rm(join(setup.dir, 'gone.txt'));
    expect(watch.lines().some((l) => l.event === 'batch.closed'), 'the batch closed before the file was deleted').toBe(false);

    await watch.waitForLine((l) => l.event === 'batch.finished', 'the batch finished', 20_000);
    await batchesSettled(id);
    expect(await watch.stop()).toEqual({ code: 0, signal: null });

    const view = await readStore(setup.store, (store) => {
      const batch = viewWatch(store, id, PID).batches[0]!;
      const files = [...store.queryActors({ parent: batch.id })].map((r) => ({ state: r.state, context: r.snapshot!.context as DataFileContext }));
      return { ...viewWatch(store, id, PID), batch: batch.snapshot!.context as DataLoadContext, files };
    });
    expect(view.batch.counts).toMatchObject({ total: 2, copied: 1, skipped: 1, registered: 1, failed: 0 });
    expect(view.batch.problems).toEqual([expect.objectContaining({ relativePath: 'gone.txt', code: 'SOURCE_MISSING' })]);
    const gone = view.files.find((f) => f.context.relativePath === 'gone.txt')!;
    expect(gone.state).toBe('skipped');
    expect(gone.context.problem).toMatchObject({ code: 'SOURCE_MISSING', reason: expect.stringContaining('no longer exists') });
    expect(view.context?.counts).toMatchObject({ accepted: 2, loaded: 1, skipped: 1 });
    expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected: [kept], standin })).toEqual([]);
  });

  it('on SIGTERM exits 0 with the open batch closed and the store clean; a restart loads that batch', async () => {
    const { watch, id } = await watching({ batchIdleMs: 600_000 });
    const files = [await put('a.txt', 'alpha\n'), await put('b/b.txt', 'beta\n'), await put('c.txt', 'gamma\n')];
    await waitUntil(() => watch.lines().filter((l) => l.event === 'watch.accepted').length === 3, 'three files accepted');

    expect(await watch.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    expect(watch.lines()).toContainEqual(expect.objectContaining({ event: 'batch.closed', batch: `${id}/b1` }));
    expect(watch.lines()).toContainEqual(expect.objectContaining({ id, stopped: true }));
    const stopped = await readStore(setup.store, async (store) => ({ view: viewWatch(store, id, PID), report: await verifyStore(store, { checks: countViolations }) }));
    expect(stopped.report.violations).toEqual([]);
    expect(stopped.view.context).toMatchObject({ open: 0, batch: 2 });
    expect(stopped.view.watch?.state).toBe('idle');
    expect(stopped.view.batches.map((b) => b.id)).toEqual([`${id}/b1`]);

    const again = await watching({ batchIdleMs: 600_000 });
    await waitUntil(() => standin.registered(PID).length === 3, 'the batch closed at the stop registered after the restart');
    await batchesSettled(id);
    expect(await again.watch.stop()).toEqual({ code: 0, signal: null });
    expect(accepted(again.watch)).toEqual([]);
    expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });
});
