/**
 * Crash: `holdfast watch` SIGKILLed at random instants while a burst of files
 * is being dropped into its folder, and restarted each time (issue 4;
 * RELIABILITY.md, Files and folders: "storms ... a kill, files added while
 * down: each surviving file loaded exactly once"). A final graceful run
 * finishes every batch; then every file is registered with the Dataverse
 * stand-in exactly once and has exactly one copy in the file store, no batch
 * is left open and every batch is final. Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { verifyStore } from '../../src/runtime/verify-store.js';
import { countViolations, md5Of, verifyLoad, type SampleFile } from '../helpers/dataload.js';
import { fullScale, seededRandom } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { fileStoreMd5Counts, readStore, startWatch, viewWatch, watchSettled, waitUntil, watchIdOf, type WatchSetup } from '../helpers/watch.js';

const TOKEN = 'token-watch-crash-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const PID = 'doi:10.5072/FK2/WATCHK';
const FILES = fullScale ? 5_000 : 600;
const KILLS = fullScale ? 16 : 6;

describe('crash: holdfast watch SIGKILLed during a burst of files', () => {
  it(`ends with each of ${FILES} files loaded exactly once and no batch left open after ${KILLS} kills`, async () => {
    const seed = Number(process.env.HOLDFAST_CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const root = tempFolder('holdfast-watch-crash-');
    const filesDir = join(root, 'files');
    await using standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
    const setup: WatchSetup = {
      dir: join(root, 'inbox'), store: join(root, 'store'), filesDir, dataset: PID, dataverse: standin.url, token: TOKEN,
      settleMs: 200, batchIdleMs: 300, extra: ['--batch-files', String(Math.ceil(FILES / 12))],
    };
    mkdirSync(setup.dir);
    for (let group = 0; group < 8; group++) mkdirSync(join(setup.dir, `g${group}`));

    // The burst: written by the test in waves, whether or not holdfast is running at the moment.
    const files: SampleFile[] = [];
    const drop = async (count: number) => {
      for (let i = 0; i < count && files.length < FILES; i++) {
        const index = files.length;
        const relativePath = `g${index % 8}/file-${String(index).padStart(5, '0')}.bin`;
        const content = randomBytes(200 + Math.floor(random() * 2_000));
        files.push({ relativePath, size: content.length, md5: md5Of(content) });
        await writeFile(join(setup.dir, relativePath), content);
      }
    };
    const wave = Math.ceil(FILES / (KILLS + 1));
    let id: string | undefined;
    let kills = 0;
    /** What each killed run was doing when killed, for the log. */
    const phases: string[] = [];
    for (let run = 0; kills < KILLS; run++) {
      const watch = startWatch(setup);
      const started = await watch.waitForLine((l) => l.event === 'watch.started', `seed ${seed}: run ${run} started`);
      id ??= watchIdOf(started);
      const dropping = drop(wave);
      // Kill at a random instant: during the scan, the acceptance of the wave, or a batch's copies and registration.
      const killAfterMs = Math.floor(random() * 2_000);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      const printed = watch.lines();
      const closed = printed.filter((l) => l.event === 'batch.closed').length;
      const finished = printed.filter((l) => l.event === 'batch.finished').length;
      phases.push(closed > finished ? 'batch' : printed.some((l) => l.event === 'watch.accepted') ? 'accepting' : 'scanning');
      watch.child.kill('SIGKILL');
      expect((await watch.exited).signal, `seed ${seed}: run ${run} ended before it was killed:\n${watch.errors()}`).toBe('SIGKILL');
      kills++;
      await dropping;
    }
    await drop(FILES); // the rest of the burst, dropped while holdfast is down

    const last = startWatch(setup);
    await last.waitForLine((l) => l.event === 'watch.scanned', `seed ${seed}: final run scanned`);
    await waitUntil(() => standin.registered(PID).length >= FILES, `seed ${seed}: ${FILES} files registered`, fullScale ? 300_000 : 60_000, 200);
    await waitUntil(
      () => readStore(setup.store, (store) => {
        const view = viewWatch(store, id!, PID);
        return watchSettled(view) && view.loaded.size >= FILES;
      }),
      `seed ${seed}: every batch final and none open`,
      30_000,
    );
    expect(await last.stop(), `seed ${seed}: the final run stops gracefully`).toEqual({ code: 0, signal: null });

    const view = await readStore(setup.store, async (store) => ({
      ...viewWatch(store, id!, PID),
      report: await verifyStore(store, { checks: countViolations }),
    }));
    expect(view.report.violations, `seed ${seed}`).toEqual([]);
    expect(view.context?.open, `seed ${seed}: no batch left open`).toBe(0);
    // The watch waits on no batch timer. (Its stale, superseded timer entries may stay in the store until a restart
    // drops them: LmdbStore.commit applies a group commit's removals before its puts.)
    expect(view.watch?.timers, `seed ${seed}: no batch timer left`).toEqual({});
    expect(view.watch?.state, `seed ${seed}`).toBe('idle');
    expect(view.batches.filter((batch) => batch.status !== 'done').map((b) => `${b.id} ${b.state}`), `seed ${seed}`).toEqual([]);
    expect(view.batches.every((batch) => batch.state === 'completed'), `seed ${seed}`).toBe(true);
    // Each relative path registered once, and one copy per file in the file store.
    const registered = standin.registered(PID).map((f) => `${f.directoryLabel ?? ''}/${f.fileName}`);
    expect(registered.length, `seed ${seed}`).toBe(FILES);
    expect(new Set(registered).size, `seed ${seed}: a path registered twice`).toBe(FILES);
    const copies = await fileStoreMd5Counts(filesDir);
    const expectedCopies = new Map<string, number>();
    for (const file of files) expectedCopies.set(file.md5, (expectedCopies.get(file.md5) ?? 0) + 1);
    expect(copies, `seed ${seed}: the file store holds one copy per file`).toEqual(expectedCopies);
    expect(await verifyLoad({ store: setup.store, filesDir, dataset: PID, expected: files, standin }), `seed ${seed}`).toEqual([]);
    expect(view.taken.size, `seed ${seed}`).toBe(FILES);
    console.log(`watch crash seed ${seed}: ${kills} kills (${phases.join(', ')}), ${FILES} files, ${view.batches.length} batches`);
  });
});
