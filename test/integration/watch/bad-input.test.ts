/**
 * `holdfast watch` given bad input (issue 4; RELIABILITY.md, hostile files):
 * a missing folder is a usage error; a folder that disappears while watched
 * stops the watch with a clear error, exit 1 and a consistent store; FIFOs,
 * sockets and symbolic links (to files or folders outside) are never read or
 * followed, each refused with a recorded reason, while the other files load;
 * a watch that cannot be resumed is a usage error, not a hang.
 * (Tests run as root, for whom permissions do not block reads: the unreadable
 * files here are special files and links.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHoldfast } from '../../../src/cli/assembly.js';
import { verifyStore } from '../../../src/runtime/verify-store.js';
import { countViolations, listFiles, md5Of, verifyLoad } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { readStore, startCli, startWatch, viewWatch, waitUntil, watchSettled, watchArgs, watchIdOf, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const PID = 'doi:10.5072/FK2/WATCH4';

let root: string;
let setup: WatchSetup;
let running: WatchProcess | undefined;
let server: Server | undefined;

beforeEach(() => {
  root = tempFolder('holdfast-watch-bad-');
  setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: 300, batchIdleMs: 500 };
  mkdirSync(setup.dir);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function watching(): Promise<{ watch: WatchProcess; id: string }> {
  const watch = (running = startWatch(setup));
  const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
  await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
  return { watch, id };
}

describe('holdfast watch given bad input', () => {
  it('exits 2 with a usage error when the folder is missing, creating no watch', async () => {
    const watch = (running = startCli(watchArgs({ ...setup, dir: join(root, 'no-such-folder') })));

    expect(await watch.exited).toEqual({ code: 2, signal: null });
    expect(watch.errors()).toMatch(/no-such-folder is missing/);
    expect(watch.lines().some((l) => l.event === 'watch.started')).toBe(false);
  });

  it('exits 2 when the path is a file, not a folder', async () => {
    writeFileSync(join(root, 'plain.txt'), 'not a folder');
    const watch = (running = startCli(watchArgs({ ...setup, dir: join(root, 'plain.txt') })));

    expect(await watch.exited).toEqual({ code: 2, signal: null });
    expect(watch.errors()).toMatch(/plain\.txt is not a folder/);
  });

  it('stops with a clear error and exit 1 when the folder disappears while watched, leaving the store consistent', async () => {
    const { watch, id } = await watching();
    writeFileSync(join(setup.dir, 'before.txt'), 'loaded before the folder vanished\n');
    await waitUntil(() => readStore(setup.store, (store) => viewWatch(store, id, PID).loaded.has('before.txt')), 'before.txt loaded');

    rmSync(setup.dir, { recursive: true, force: true });

    expect(await watch.exited).toEqual({ code: 1, signal: null });
    expect(watch.errors()).toMatch(/inbox disappeared while watched/);
    // With --json, the last line on stdout is the one that holds the error, as for every command.
    const summary = watch.lines().filter((l) => l.event !== 'workload.exit').at(-1)!; // the test workload's own last line aside
    expect(summary).toMatchObject({ error: { code: 'SOURCE_MISSING', message: expect.stringContaining('disappeared while watched') }, stopped: true });
    expect(watch.lines().filter((l) => 'error' in l)).toHaveLength(1);
    const report = await readStore(setup.store, (store) => verifyStore(store, { checks: countViolations }));
    expect(report.violations).toEqual([]);
    const view = await readStore(setup.store, (store) => viewWatch(store, id, PID));
    expect(view.context?.open).toBe(0);
    expect([...view.loaded.keys()]).toEqual(['before.txt']);
  });

  it('stops with exit 1 when the folder is replaced by another folder at the same path, whose changes it would miss', async () => {
    const { watch } = await watching();

    rmSync(setup.dir, { recursive: true, force: true });
    mkdirSync(setup.dir);
    writeFileSync(join(setup.dir, 'after.txt'), 'in the new folder\n');

    expect(await watch.exited).toEqual({ code: 1, signal: null });
    expect(watch.errors()).toMatch(/inbox (was replaced by another folder|disappeared) while watched/);
    expect((await readStore(setup.store, (store) => verifyStore(store, { checks: countViolations }))).violations).toEqual([]);
  });

  it('exits 2 without hanging when the watch of the folder was stopped for good', async () => {
    const first = await watching();
    expect(await first.watch.stop()).toEqual({ code: 0, signal: null });
    const holdfast = await openHoldfast({ store: setup.store, listen: false });
    try {
      await holdfast.runtime.send(first.id, { type: 'watch.stop' });
    } finally {
      await holdfast.close();
    }

    const again = (running = startWatch(setup));

    expect(await again.exited).toEqual({ code: 2, signal: null });
    expect(again.errors()).toMatch(/is done; delete it to start over/);
  });

  it('refuses FIFOs, sockets and symbolic links with a recorded reason, never reading or following them, and loads the other files', async () => {
    const outside = join(root, 'outside');
    mkdirSync(join(outside, 'folder'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'must never be copied\n');
    writeFileSync(join(outside, 'folder', 'inner.txt'), 'must never be copied either\n');
    const { watch, id } = await watching();

    execFileSync('mkfifo', [join(setup.dir, 'pipe.fifo')]);
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(join(setup.dir, 'socket.sock'), resolve));
    symlinkSync(join(outside, 'secret.txt'), join(setup.dir, 'link-out.txt'));
    symlinkSync(join(outside, 'folder'), join(setup.dir, 'folder-out'));
    symlinkSync('../outside/secret.txt', join(setup.dir, 'relative-out.txt'));
    writeFileSync(join(setup.dir, 'good.txt'), 'a good file\n');
    mkdirSync(join(setup.dir, 'sub'));
    writeFileSync(join(setup.dir, 'sub', 'good2.txt'), 'another good file\n');
    const refused = ['pipe.fifo', 'socket.sock', 'link-out.txt', 'folder-out', 'relative-out.txt'];

    // Loaded, and the watch has taken its batches' last messages (verifyLoad below finds none waiting).
    await waitUntil(() => readStore(setup.store, (store) => {
      const view = viewWatch(store, id, PID);
      return ['good.txt', 'sub/good2.txt'].every((p) => view.loaded.has(p)) && watchSettled(view);
    }), 'the good files loaded');
    const records = await waitUntil(
      () => readStore(setup.store, (store) => {
        const found = new Map([...store.scanRecords<{ reason: string }>('watch.refused', [id])].map((r) => [String((r.key as unknown[])[1]), r.value.reason]));
        return refused.every((p) => found.has(p)) && found;
      }),
      'every special file and link refused',
    );
    expect(await watch.stop()).toEqual({ code: 0, signal: null });

    expect(records.get('pipe.fifo')).toBe('not a regular file');
    expect(records.get('socket.sock')).toBe('not a regular file');
    for (const link of ['link-out.txt', 'folder-out', 'relative-out.txt']) expect(records.get(link), link).toMatch(/symbolic link/);
    for (const path of refused) expect(watch.lines()).toContainEqual(expect.objectContaining({ event: 'file.refused', file: path }));
    const taken = watch.lines().filter((l) => l.event === 'watch.accepted').map((l) => l.file).sort();
    expect(taken).toEqual(['good.txt', 'sub/good2.txt']);
    const expected = [
      { relativePath: 'good.txt', size: 12, md5: md5Of('a good file\n') },
      { relativePath: 'sub/good2.txt', size: 18, md5: md5Of('another good file\n') },
    ];
    expect(await verifyLoad({ store: setup.store, filesDir: setup.filesDir, dataset: PID, expected })).toEqual([]);
    expect(await listFiles(setup.filesDir)).toHaveLength(2);
  });
});
