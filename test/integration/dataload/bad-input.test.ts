/**
 * A data load given bad input or meeting trouble (issue 3, "Bad input"): bad
 * usage exits 2; a file that cannot be read discards the batch (or, with
 * --allow-partial, is reported while the rest registers); a refused token or
 * refused entries leave the load resumable; a vanished source is skipped; a
 * full file store makes the file wait (STORAGE_FULL), nothing half-written; a short
 * dataset lock is waited out. Misbehaviour is injected at an exact step
 * through the runtime's events, never by timing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileKey } from '../../../src/adapters/dataload/dataload-effects.js';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { openHoldfast, type Holdfast } from '../../../src/cli/assembly.js';
import { describeSummary, summarize } from '../../../src/cli/load-follow.js';
import type { DataFileContext } from '../../../src/machines/datafile.machine.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import type { ActorId } from '../../../src/persistence/store.js';
import {
  listFiles,
  loadInput,
  loadsOf,
  makeSampleFolder,
  runCli,
  settleLoad,
  startLoad,
  verifyLoad,
  withStore,
  writeLargeFile,
  type SampleFile,
  type SummaryJson,
} from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-8e0f3a2b-6c1d-4f5e-a7b8-99aabbccddee';
const PID = 'doi:10.5072/FK2/ABC123';

let root: string;
let dir: string;
let filesDir: string;
let store: string;
let standin: DataverseStandin;
let holdfast: Holdfast | undefined;

beforeEach(async () => {
  root = tempFolder('holdfast-bad-input-');
  dir = join(root, 'source');
  filesDir = join(root, 'files');
  store = join(root, 'store');
  standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
});

afterEach(async () => {
  await holdfast?.close();
  holdfast = undefined;
  await standin.close();
});

const ingestArgs = (extra: string[] = [], token = TOKEN) => [
  'ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', token, '--store', store, '--json', ...extra,
];

/** Opens holdfast on the test's store and starts a load of DIR into PID through it. */
async function startInProcess(extra: Partial<Parameters<typeof loadInput>[0]> = {}): Promise<{ holdfast: Holdfast; id: ActorId }> {
  holdfast = await openHoldfast({ store });
  const id = await startLoad(holdfast, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url, ...extra }), TOKEN);
  return { holdfast, id };
}

/** Replaces a source file by a named pipe the moment its datafile is created: it walked as a file, it cannot be read as one. */
function makeUnreadableWhenSpawned(holdfast: Holdfast, relativePath: string): () => void {
  return holdfast.runtime.subscribe((event) => {
    if (event.type === 'actor.spawned' && event.id.endsWith(`/${fileKey(relativePath)}`)) {
      unlinkSync(join(dir, relativePath));
      execFileSync('mkfifo', [join(dir, relativePath)]);
    }
  });
}

/** Resolves once `condition` holds, looking every few milliseconds (it watches the stand-in, which answers in this process). */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const without = (files: SampleFile[], relativePath: string) => files.filter((f) => f.relativePath !== relativePath);

describe('holdfast ingest given bad usage', () => {
  it('exits 2 and copies nothing when DIR is missing', async () => {
    const run = await runCli(ingestArgs().map((arg) => (arg === dir ? join(root, 'no-such-folder') : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/USAGE.*missing/);
    expect(await listFiles(filesDir)).toEqual([]);
  });

  it('exits 2 when DIR is a file', async () => {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'a-file.txt'), 'not a folder');
    const run = await runCli(ingestArgs().map((arg) => (arg === dir ? join(root, 'a-file.txt') : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a folder/);
  });

  it.each(['10.5072/FK2/ABC123', 'doi:FK2/ABC123', 'doi:10.5072', 'urn:10.5072/FK2/ABC123', 'doi:10.5072/FK2/../../etc'])('exits 2 for the malformed PID %s', async (pid) => {
    await makeSampleFolder(dir);
    const run = await runCli(ingestArgs().map((arg) => (arg === PID ? pid : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('INVALID_PID');
    expect(await listFiles(filesDir)).toEqual([]);
  });

  it('exits 2 for a dataset the Dataverse does not have, and starts no load', async () => {
    await makeSampleFolder(dir);
    const run = await runCli(ingestArgs().map((arg) => (arg === PID ? 'doi:10.5072/FK2/NOSUCH' : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DATAVERSE_NOT_FOUND');
    expect(await listFiles(filesDir)).toEqual([]);
  });
});

describe('a data load meeting a file it cannot read', () => {
  it('fails that datafile, discards the batch with the reason, registers nothing and removes its copies', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });
    const bad = 'with space/file name with spaces.txt';
    const { holdfast, id } = await startInProcess();
    makeUnreadableWhenSpawned(holdfast, bad);

    const record = await settleLoad(holdfast, id);

    expect(record.state).toBe('discarded');
    const context = record.snapshot!.context as DataLoadContext;
    expect(context.counts).toMatchObject({ total: files.length, failed: 1, copied: files.length - 1, registered: 0 });
    expect(context.problems).toEqual([{ relativePath: bad, code: 'SOURCE_UNREADABLE', reason: expect.stringContaining('no longer a regular file') }]);
    const lines = describeSummary(await summarize(holdfast.runtime, id, Date.now()));
    expect(lines.join('\n')).toContain(`failed: ${bad}: SOURCE_UNREADABLE`);
    const states = (await holdfast.runtime.query({ parent: id })).map((child) => child.state);
    expect(states.filter((s) => s === 'failed')).toHaveLength(1);
    expect(states.filter((s) => s === 'discarded')).toHaveLength(files.length - 1);
    await holdfast.close();
    expect(standin.registered(PID)).toEqual([]);
    expect(standin.calls.filter((c) => c.path.endsWith('/addFiles'))).toEqual([]);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: [], standin })).toEqual([]);
  });

  it('with --allow-partial registers every good file and reports the unreadable one', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });
    const bad = 'mesures/résumé des mesures.txt';
    const { holdfast, id } = await startInProcess({ allowPartial: true });
    makeUnreadableWhenSpawned(holdfast, bad);

    const record = await settleLoad(holdfast, id);

    expect(record.state).toBe('completed');
    expect((record.snapshot!.context as DataLoadContext).counts).toMatchObject({ failed: 1, registered: files.length - 1 });
    const summary = await summarize(holdfast.runtime, id, Date.now());
    expect(summary.succeeded, 'a partial load with a failed file exits 1').toBe(false);
    expect(summary.files.find((f) => f.relativePath === bad)).toMatchObject({ state: 'failed', reason: expect.stringContaining('SOURCE_UNREADABLE') });
    await holdfast.close();
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: without(files, bad), standin })).toEqual([]);
  });
});

describe('a data load meeting a refusing Dataverse', () => {
  it('blocks on a refused token (exit 1), then `resume --token GOOD` finishes it with every file registered once', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 5 });
    const wrong = 'wrong-token-0000';

    const first = await runCli(ingestArgs([], wrong));

    expect(first.code).toBe(1);
    const summary = first.json as SummaryJson;
    expect(summary.state).toBe('blocked');
    expect(summary.error?.code).toBe('DATAVERSE_AUTH');
    expect(standin.registered(PID)).toEqual([]);
    const second = await runCli(ingestArgs());
    expect(second.code, 'a second ingest of the same folder is refused while the first waits').toBe(2);
    expect(second.stderr).toContain(`load ${summary.id}`);
    expect(second.stderr).toContain('holdfast resume');

    const resumed = await runCli(['resume', '--token', TOKEN, '--store', store, '--json']);

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ resumed: 1, loads: [{ id: summary.id, state: 'completed', succeeded: true }] });
    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr, resumed.stdout, resumed.stderr]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(TOKEN);
    }
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('ends the files Dataverse refuses registrationFailed (resume exits 1 while it still refuses), and resume registers just them once it accepts', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 8 });
    const refused = ['README.txt', 'small/group-3/file-0003.dat'];
    const { holdfast, id } = await startInProcess({ chunkSize: 4 });
    holdfast.runtime.subscribe((event) => {
      if (event.type !== 'actor.stepped' || event.machine !== 'datafile' || event.to !== 'copied') return;
      const context = holdfast.store.getActor(event.id as ActorId)?.snapshot?.context as DataFileContext; // read at once, in the listener (the LMDB store the assembly opened)
      if (refused.includes(context.relativePath)) standin.faults.rejectStorageIds.add(context.prepared!.storageIdentifier);
    });

    const record = await settleLoad(holdfast, id);

    expect(record.state).toBe('registrationFailed');
    expect((record.snapshot!.context as DataLoadContext).counts).toMatchObject({ registered: files.length - 2, registrationFailed: 2 });
    const failed = (await holdfast.runtime.query({ parent: id })).filter((child) => child.state === 'registrationFailed');
    expect(failed.map((child) => (child.snapshot!.context as DataFileContext).relativePath).sort()).toEqual(refused);
    for (const child of failed) expect((child.snapshot!.context as DataFileContext).problem?.reason).toContain('faults.rejectStorageIds');
    await holdfast.close();
    expect(standin.registered(PID)).toHaveLength(files.length - 2);

    const stillRefused = await runCli(['resume', '--store', store, '--json']);
    expect(stillRefused.code).toBe(1);
    expect(stillRefused.json).toMatchObject({ loads: [{ state: 'registrationFailed', counts: { registrationFailed: 2 } }] });

    standin.faults.rejectStorageIds.clear();
    const before = standin.registered(PID).length;
    const resumed = await runCli(['resume', '--store', store, '--json']);

    expect(resumed.code, resumed.stderr).toBe(0);
    const added = standin.registered(PID).slice(before);
    expect(added.map((f) => f.fileName).sort()).toEqual(['README.txt', 'file-0003.dat']);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('waits out a dataset lock shorter than --lock-wait', async () => {
    const files = await makeSampleFolder(dir);
    standin.faults.lock(PID, Infinity);
    const lockCalls = () => standin.calls.filter((c) => c.path.endsWith('/locks')).length;
    // Lifted once the load has found it locked: the lock lasts one poll, far less than --lock-wait.
    const lifting = until(() => lockCalls() > 0).then(() => standin.faults.unlock(PID));

    const run = await runCli(ingestArgs(['--lock-wait', '20000']));

    await lifting;
    expect(run.code, run.stderr).toBe(0);
    expect(lockCalls()).toBeGreaterThanOrEqual(2);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('blocks with DATAVERSE_LOCKED when the lock outlasts --lock-wait, and resume finishes once it is lifted', async () => {
    const files = await makeSampleFolder(dir);
    standin.faults.lock(PID, Infinity);

    const run = await runCli(ingestArgs(['--lock-wait', '300']));

    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ state: 'blocked', error: { code: 'DATAVERSE_LOCKED' } });
    expect(standin.registered(PID)).toEqual([]);
    standin.faults.unlock(PID);
    const resumed = await runCli(['resume', '--store', store, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });
});

describe('a data load meeting a changing source or a full disk', () => {
  it('skips a file deleted between the walk and its copy, with a reason, and completes the batch', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });
    const gone = 'nested/deeper/deepest/leaf.csv';
    const { holdfast, id } = await startInProcess();
    holdfast.runtime.subscribe((event) => {
      if (event.type === 'effect.started' && event.src === 'copyFile' && event.id.endsWith(`/${fileKey(gone)}`)) rmSync(join(dir, gone));
    });

    const record = await settleLoad(holdfast, id);

    expect(record.state).toBe('completed');
    expect((record.snapshot!.context as DataLoadContext).counts).toMatchObject({ skipped: 1, failed: 0, registered: files.length - 1 });
    const summary = await summarize(holdfast.runtime, id, Date.now());
    expect(summary.succeeded).toBe(true);
    expect(summary.files.find((f) => f.relativePath === gone)).toMatchObject({ state: 'skipped', reason: expect.stringContaining('SOURCE_MISSING') });
    await holdfast.close();
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: without(files, gone), standin })).toEqual([]);
  });

  it('makes the file that finds the file store full wait (STORAGE_FULL, one line), keeps the load and nothing half-written, and resume loads it once space returns', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });
    files.push(await writeLargeFile(dir, 'large/too big.bin', 6 * 1_048_576));
    mkdirSync(filesDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', filesDir]);
    try {
      // Freeing space is a person's to do: after --space-wait with nothing copied, ingest exits 1 and the load stays resumable.
      const run = await runCli(ingestArgs(['--space-wait', '1500']));
      expect(run.code, run.stderr).toBe(1);
      expect((await listFiles(filesDir)).filter((path) => path.endsWith('.holdfast-tmp'))).toEqual([]);
      const summary = run.json as SummaryJson;
      expect(summary.state).toBe('copying');
      expect(summary.counts.failed).toBe(0);
      expect(summary.files.find((f) => f.relativePath === 'large/too big.bin')).toMatchObject({ state: 'waitingForSpace', reason: expect.stringMatching(/STORAGE_FULL: files dir .*: no space left \(\d+(\.\d)? (bytes|KiB|MiB) free\)/) });
      expect(run.stderr.split('\n').filter((line) => line.includes('STORAGE_FULL'))).toEqual([expect.stringContaining(`files dir ${filesDir}`)]);
      expect(standin.registered(PID)).toEqual([]);
      await withStore(store, (s) => expect(loadsOf(s).map((load) => `${load.status}/${load.state}`)).toEqual(['active/copying']));

      execFileSync('mount', ['-o', 'remount,size=16m', filesDir]);
      const resumed = await runCli(['resume', '--store', store]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('resuming 1 load(s)');
      expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
    } finally {
      execFileSync('umount', [filesDir]);
    }
  });
});
