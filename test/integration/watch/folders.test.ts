/**
 * Folders inside a watched folder (issue 4): a tree moved in at once, or
 * created and filled faster than a watch can be set on each new folder, is
 * loaded whole; a sub-folder removed and made again is watched anew; hidden files and folders and --exclude paths are never taken;
 * --poll (for mounts without change notifications) takes files as well.
 * Copy-only watches (no --dataverse).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFiles, md5Of, verifyLoad, type SampleFile } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { readStore, startWatch, viewWatch, watchSettled, waitUntil, watchIdOf, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const PID = 'doi:10.5072/FK2/WATCH5';

let root: string;
let setup: WatchSetup;
let running: WatchProcess | undefined;

beforeEach(() => {
  root = tempFolder('holdfast-watch-folders-');
  setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: 300, batchIdleMs: 500 };
  mkdirSync(setup.dir);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});

async function watching(extra: Partial<WatchSetup> = {}): Promise<{ watch: WatchProcess; id: string }> {
  const watch = (running = startWatch({ ...setup, ...extra }));
  const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
  await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
  return { watch, id };
}

/** Writes a file under `base` and returns what its load must hold (relative to the watched folder). */
function put(base: string, relativePath: string, content: string, under = ''): SampleFile {
  const path = join(base, relativePath);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return { relativePath: under ? `${under}/${relativePath}` : relativePath, size: Buffer.byteLength(content), md5: md5Of(content) };
}

/** Waits until exactly these files are loaded and every batch is final, stops the watch, and checks the load. */
async function loadedExactly(watch: WatchProcess, id: string, expected: SampleFile[]): Promise<void> {
  await waitUntil(
    () => readStore(setup.store, (store) => {
      const view = viewWatch(store, id, PID);
      return expected.every((f) => view.loaded.has(f.relativePath)) && watchSettled(view);
    }),
    `${expected.length} files loaded`,
  );
  expect(await watch.stop()).toEqual({ code: 0, signal: null });
  expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected })).toEqual([]);
  const accepted = watch.lines().filter((l) => l.event === 'watch.accepted').map((l) => l.file);
  expect(accepted.sort()).toEqual(expected.map((f) => f.relativePath).sort());
}

describe('holdfast watch with folders', () => {
  it('loads a whole folder tree moved into the watched folder at once', async () => {
    const { watch, id } = await watching();
    const staging = join(root, 'staging');
    const files = [
      put(staging, 'top.txt', 'top\n', 'survey'),
      put(staging, 'raw/2024/a.csv', 'a,b\n1,2\n', 'survey'),
      put(staging, 'raw/2024/b.csv', 'a,b\n3,4\n', 'survey'),
      put(staging, 'raw/2025/deep/er/c.bin', 'c'.repeat(5_000), 'survey'),
    ];

    await rename(staging, join(setup.dir, 'survey'));

    await loadedExactly(watch, id, files);
  });

  it('loads files written into new nested folders as soon as the folders are made', async () => {
    const { watch, id } = await watching();
    const files: SampleFile[] = [];
    for (let i = 0; i < 5; i++) {
      const folder = `n${i}/a/b/c`;
      await mkdir(join(setup.dir, folder), { recursive: true });
      for (let j = 0; j < 4; j++) {
        const content = `file ${i}.${j}\n`;
        await writeFile(join(setup.dir, folder, `f${j}.txt`), content);
        files.push({ relativePath: `${folder}/f${j}.txt`, size: Buffer.byteLength(content), md5: md5Of(content) });
      }
    }

    await loadedExactly(watch, id, files);
  });

  it('keeps watching a sub-folder removed and made again at once', async () => {
    const { watch, id } = await watching();
    const first = put(setup.dir, 'sub/first.txt', 'in the first sub-folder\n');
    await waitUntil(() => readStore(setup.store, (store) => viewWatch(store, id, PID).loaded.has(first.relativePath)), 'sub/first.txt loaded');

    rmSync(join(setup.dir, 'sub'), { recursive: true });
    mkdirSync(join(setup.dir, 'sub'));
    const second = put(setup.dir, 'sub/second.txt', 'in the new sub-folder\n');
    // Written a moment later, when only a watch on the new folder can see it.
    await watch.waitForLine((l) => l.event === 'watch.accepted' && l.file === second.relativePath, 'sub/second.txt accepted');
    const third = put(setup.dir, 'sub/third.txt', 'later, in the new sub-folder\n');

    await loadedExactly(watch, id, [first, second, third]);
  });

  it('never takes hidden files, files in hidden folders or --exclude paths', async () => {
    const { watch, id } = await watching({ extra: ['--exclude', '*.log', '--exclude', 'scratch/**'] });
    const kept = [put(setup.dir, 'kept.txt', 'kept\n'), put(setup.dir, 'sub/kept2.txt', 'kept too\n')];
    put(setup.dir, '.hidden.txt', 'hidden\n');
    put(setup.dir, '.git/objects/ab/cdef', 'a git object\n');
    put(setup.dir, 'sub/.DS_Store', 'finder\n');
    put(setup.dir, 'Thumbs.db', 'thumbnails\n');
    put(setup.dir, 'run.log', 'a log\n');
    put(setup.dir, 'scratch/notes.txt', 'scratch\n');

    await loadedExactly(watch, id, kept);
    expect(await listFiles(setup.filesDir)).toHaveLength(kept.length);
  });

  it('with --poll, takes files present at start and files added later', async () => {
    const early = put(setup.dir, 'early.txt', 'there before the watch\n');
    const { watch, id } = await watching({ extra: ['--poll'] });
    const late = [put(setup.dir, 'late.txt', 'added while polling\n'), put(setup.dir, 'dir/late2.txt', 'in a new folder\n')];

    await loadedExactly(watch, id, [early, ...late]);
  });
});
