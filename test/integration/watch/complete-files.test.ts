/**
 * `holdfast watch` takes only complete files (issue 4; RELIABILITY.md, Files
 * and folders): a file written slowly with pauses shorter than --settle, or
 * preallocated to its final size and then filled, is taken once and whole;
 * files written under a temporary name and renamed are taken under their
 * final name only. Copy-only watches (no --dataverse): the copy in the file
 * store is compared with the final file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFiles, md5OfFile, pidFolder } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { md5, readStore, startWatch, viewWatch, waitUntil, watchIdOf, writePreallocated, writeSlowly, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const PID = 'doi:10.5072/FK2/WATCH1';
const SETTLE_MS = 300;

let setup: WatchSetup;
let running: WatchProcess | undefined;

beforeEach(() => {
  const root = tempFolder('holdfast-watch-');
  setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: SETTLE_MS, batchIdleMs: 500 };
  mkdirSync(setup.dir);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});

/** Starts the watch and waits until its initial scan is done. */
async function watching(): Promise<{ watch: WatchProcess; id: string }> {
  const watch = (running = startWatch(setup));
  const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
  await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
  return { watch, id };
}

/** Waits until every named file is recorded as loaded, then stops the watch gracefully. */
async function loadedThenStopped(watch: WatchProcess, id: string, paths: string[]) {
  await waitUntil(
    () => readStore(setup.store, (store) => paths.every((path) => viewWatch(store, id, PID).loaded.has(path))),
    `${paths.join(', ')} loaded`,
  );
  expect(await watch.stop()).toEqual({ code: 0, signal: null });
  return readStore(setup.store, (store) => viewWatch(store, id, PID));
}

const acceptedPaths = (watch: WatchProcess) => watch.lines().filter((l) => l.event === 'watch.accepted' || l.event === 'watch.replaced').map((l) => l.file);

/** The copy a loaded file has in the file store. */
const copyOf = (storageIdentifier: string) => join(setup.filesDir, ...pidFolder(PID), storageIdentifier);

describe('holdfast watch takes only complete files', () => {
  it('takes a file written slowly in chunks, with pauses shorter than --settle, once and whole', async () => {
    const { watch, id } = await watching();
    const content = randomBytes(256 * 1024);

    await writeSlowly(join(setup.dir, 'slow.bin'), content, 8, Math.round(SETTLE_MS * 0.6));
    const view = await loadedThenStopped(watch, id, ['slow.bin']);

    expect(acceptedPaths(watch)).toEqual(['slow.bin']);
    const loaded = view.loaded.get('slow.bin')!;
    expect(loaded).toMatchObject({ size: content.length, md5: md5(content) });
    expect(await md5OfFile(copyOf(loaded.storageIdentifier))).toBe(md5(content));
    expect(await listFiles(setup.filesDir)).toHaveLength(1);
  });

  it('takes a file preallocated to its final size and then filled, once and whole', async () => {
    const { watch, id } = await watching();
    const content = randomBytes(512 * 1024);

    await writePreallocated(join(setup.dir, 'prealloc.bin'), content, 6, Math.round(SETTLE_MS * 0.6));
    const view = await loadedThenStopped(watch, id, ['prealloc.bin']);

    expect(acceptedPaths(watch)).toEqual(['prealloc.bin']);
    const loaded = view.loaded.get('prealloc.bin')!;
    expect(loaded).toMatchObject({ size: content.length, md5: md5(content) });
    expect(await md5OfFile(copyOf(loaded.storageIdentifier))).toBe(md5(content));
    expect(await listFiles(setup.filesDir)).toHaveLength(1);
  });

  it('takes files written as temporaries (.part, .tmp, ~, .crdownload) and renamed only under their final names', async () => {
    const { watch, id } = await watching();
    const finals = ['a.csv', 'nested/b.dat', 'c.txt', 'd.zip'];
    const temporaries = ['a.csv.part', 'nested/b.dat.tmp', 'c.txt~', 'd.zip.crdownload'];
    mkdirSync(join(setup.dir, 'nested'));
    const contents = finals.map(() => randomBytes(64 * 1024));

    // Each temporary stays unchanged for longer than --settle before its rename: only its name keeps it from being taken.
    await Promise.all(temporaries.map((name, index) => writeSlowly(join(setup.dir, name), contents[index]!, 2, SETTLE_MS * 2)));
    await Promise.all(temporaries.map((name, index) => rename(join(setup.dir, name), join(setup.dir, finals[index]!))));
    const view = await loadedThenStopped(watch, id, finals);

    expect(acceptedPaths(watch).sort()).toEqual([...finals].sort());
    expect([...view.taken.keys()].sort()).toEqual([...finals].sort());
    expect([...view.loaded.keys()].sort()).toEqual([...finals].sort());
    for (const [index, name] of finals.entries()) {
      const loaded = view.loaded.get(name)!;
      expect(loaded.md5, name).toBe(md5(contents[index]!));
      expect(await md5OfFile(copyOf(loaded.storageIdentifier)), name).toBe(md5(contents[index]!));
    }
    expect(await listFiles(setup.filesDir)).toHaveLength(finals.length);
  });
});
