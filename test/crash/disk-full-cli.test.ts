/**
 * Full disks under the CLI (issue 16, item 5), each on a 6 MiB tmpfs:
 * - under the store: one STORAGE_FULL line on stderr naming the path and the
 *   free space, no raw lmdb-js stack, and the load completes once space is freed;
 * - under the files dir: the files that find no space wait (`waitingForSpace`),
 *   the load is neither discarded nor completed without them (with
 *   --allow-partial too), and the running `ingest`, or a later `resume` after
 *   ingest gave up waiting (exit 1), completes it once space returns: every
 *   file copied, MD5-verified and registered exactly once.
 * The CLI runs in child processes; the Dataverse stand-in runs here. Needs root (mount).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { verifyStore } from '../../src/runtime/verify-store.js';
import { filesOf, listFiles, loadsOf, makeSampleFolder, runCli, verifyLoad, withStore, type SampleFile, type SummaryJson } from '../helpers/dataload.js';
import { runToEnd, startWorkload, type Workload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const TOKEN = 'token-diskfull-1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
const PID = 'doi:10.5072/FK2/FULL01';

let mountPoint = '';
let tmpfs: Tmpfs | undefined;
let standin: DataverseStandin | undefined;
const workloads: Workload[] = [];

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'holdfast-diskfull-cli-'));
});

afterEach(async () => {
  for (const workload of workloads.splice(0)) {
    if (workload.child.exitCode === null && workload.child.signalCode === null) workload.child.kill('SIGKILL');
    await workload.exited;
  }
  await standin?.close();
  standin = undefined;
  tmpfs?.unmount();
  tmpfs = undefined;
});

afterAll(() => rmSync(mountPoint, { recursive: true, force: true }));

/** `holdfast ARGS...` in its own process. */
function holdfast(args: string[]): Workload {
  const workload = startWorkload('watch-cli', args);
  workloads.push(workload);
  return workload;
}

/**
 * The STORAGE_FULL notices on stderr. Counted by their marker, not by line: LMDB's C code
 * (mdb.c) may print `Write error: No space left on device position N, size M` to fd 2 with no
 * newline, which a JS process cannot stop (see docs/guarantees.md), and a notice may follow it.
 */
const storageLines = (stderr: string) => stderr.split('[STORAGE_FULL]').slice(1).map((rest) => `[STORAGE_FULL]${rest.split('\n')[0]}`);
const FREE = /\(\d+(\.\d)? (bytes|KiB|MiB) free\)/;
const summaryOf = (workload: Workload) => JSON.parse(workload.output().split('\n').find((line) => line.startsWith('{"id"')) ?? 'null') as SummaryJson;

/** Resolves once `condition` holds, looking every 20 ms. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('crash: the store on a full 6 MiB tmpfs under `holdfast ingest`', () => {
  it('says STORAGE_FULL once with the path and the free space, prints no raw stack, and completes once space is freed', async (context) => {
    tmpfs = mountTmpfs(mountPoint, '6m');
    if (!tmpfs.mounted) return context.skip(tmpfs.skipReason);
    const root = tempFolder('holdfast-diskfull-store-');
    const source = join(root, 'source');
    const filesDir = join(root, 'files');
    const files = await makeSampleFolder(source, { awkward: false, smallFiles: 300 });
    // Ballast takes most of the disk, so that the store fills early in the load; deleting it frees the space.
    const ballast = join(mountPoint, 'ballast');
    writeFileSync(ballast, Buffer.alloc(4.5 * 1_048_576, 1));
    const store = join(mountPoint, 'store');
    const ingest = holdfast(['ingest', source, '--dataset', PID, '--files-dir', filesDir, '--store', store, '--json']);

    await until(() => storageLines(ingest.errors()).length > 0 || ingest.child.exitCode !== null, 90_000, 'the store filled');
    // Full for a while: every retry fails meanwhile, and none of them says so again.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(ingest.child.exitCode, `died on the full disk\n${ingest.errors()}`).toBeNull();
    expect(storageLines(ingest.errors()), ingest.errors()).toHaveLength(1);

    rmSync(ballast);
    const ended = await runToEnd(ingest, 120_000);
    expect(ended, ingest.errors()).toMatchObject({ code: 0, signal: null, timedOut: false });
    const lines = storageLines(ingest.errors());
    expect(lines, ingest.errors()).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[STORAGE_FULL\\] store ${store}: no space left ${FREE.source}`));
    expect(ingest.errors()).not.toContain('lmdb/write.js');
    expect(ingest.errors()).not.toContain('Input/output error');
    expect(ingest.errors(), 'a stack frame on stderr').not.toMatch(/^\s+at /m);
    expect(ingest.errors()).toContain('space returned');
    expect(summaryOf(ingest)).toMatchObject({ state: 'completed', succeeded: true, counts: { total: files.length, copied: files.length, failed: 0 } });
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files })).toEqual([]);
  });
});

describe('crash: the files dir on a full 6 MiB tmpfs', () => {
  /** 30 files of 400 KB: about 12 MB for a 6 MiB file store. */
  async function setUp(): Promise<{ source: string; store: string; filesDir: string; files: SampleFile[] } | undefined> {
    const root = tempFolder('holdfast-diskfull-files-');
    const filesDir = join(root, 'files');
    mkdirSync(filesDir, { recursive: true });
    tmpfs = mountTmpfs(filesDir, '6m');
    if (!tmpfs.mounted) return undefined;
    const source = join(root, 'source');
    const files = await makeSampleFolder(source, { awkward: false, mediumFiles: { count: 30, bytes: 400_000 } });
    standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
    return { source, store: join(root, 'store'), filesDir, files };
  }

  const ingestArgs = (s: { source: string; store: string; filesDir: string }, extra: string[]) => [
    'ingest', s.source, '--dataset', PID, '--files-dir', s.filesDir, '--dataverse', standin!.url, '--token', TOKEN, '--store', s.store, '--json', ...extra,
  ];

  /** What must hold while files wait: the load active and copying, some files waiting for space, none failed, nothing registered. */
  async function expectWaiting(store: string): Promise<void> {
    await withStore(store, async (s) => {
      const [load, ...others] = loadsOf(s);
      expect(others).toEqual([]);
      expect(`${load!.status}/${load!.state}`).toBe('active/copying');
      const states = filesOf(s, load!.id).map((file) => file.record.state);
      expect(states.filter((state) => state === 'waitingForSpace').length).toBeGreaterThan(0);
      expect(states.filter((state) => ['failed', 'discarded', 'skipped'].includes(state))).toEqual([]);
      // I2: each waiting file holds a stored timer (its due time), so it copies again after any restart.
      expect((await verifyStore(s)).violations).toEqual([]);
    });
    expect(standin!.registered(PID)).toEqual([]);
  }

  it('keeps the running ingest waiting (one STORAGE_FULL line, `job` shows waitingForSpace) and completes it once space returns', async (context) => {
    const s = await setUp();
    if (!s) return context.skip(tmpfs!.skipReason);
    const ingest = holdfast(ingestArgs(s, ['--space-wait', '120000']));
    await until(() => storageLines(ingest.errors()).length > 0 || ingest.child.exitCode !== null, 60_000, 'files waited for space');
    expect(ingest.child.exitCode, ingest.errors()).toBeNull();
    const line = storageLines(ingest.errors())[0]!;
    expect(line).toMatch(new RegExp(`^\\[STORAGE_FULL\\] files dir ${s.filesDir}/\\S+: no space left ${FREE.source}; files wait`));

    await expectWaiting(s.store);
    const id = await withStore(s.store, (store) => loadsOf(store)[0]!.id);
    const job = await runCli(['job', id, '--store', s.store]);
    expect(job.stdout).toMatch(/children datafile:waitingForSpace: \d+/);
    expect(await listTemporaries(s.filesDir)).toEqual([]);

    tmpfs!.resize('64m');
    const ended = await runToEnd(ingest, 90_000);
    expect(ended, ingest.errors()).toMatchObject({ code: 0, timedOut: false });
    expect(storageLines(ingest.errors())).toEqual([line]);
    expect(summaryOf(ingest)).toMatchObject({ state: 'completed', succeeded: true, counts: { total: s.files.length, registered: s.files.length, failed: 0 } });
    expect(await verifyLoad({ store: s.store, filesDir: s.filesDir, dataset: PID, expected: s.files, standin: standin! })).toEqual([]);
  });

  for (const partial of [false, true]) {
    it(`${partial ? 'with --allow-partial, ' : ''}exits 1 after --space-wait with the load kept (not ${partial ? 'completed without the files' : 'discarded'}), and resume completes it once space returns`, async (context) => {
      const s = await setUp();
      if (!s) return context.skip(tmpfs!.skipReason);
      const ingest = holdfast(ingestArgs(s, ['--space-wait', '1500', ...(partial ? ['--allow-partial'] : [])]));
      const ended = await runToEnd(ingest, 60_000);
      expect(ended, ingest.errors()).toMatchObject({ code: 1, timedOut: false });
      expect(storageLines(ingest.errors())).toHaveLength(1);
      const summary = summaryOf(ingest);
      expect(summary).toMatchObject({ state: 'copying', succeeded: false, counts: { failed: 0 } });
      const waiting = summary.files.filter((file) => file.state === 'waitingForSpace');
      expect(waiting.length).toBeGreaterThan(0);
      for (const file of waiting) expect(file.reason).toMatch(/^STORAGE_FULL: files dir /);
      await expectWaiting(s.store);
      expect(await listTemporaries(s.filesDir)).toEqual([]);

      tmpfs!.resize('64m');
      const resume = holdfast(['resume', '--store', s.store, '--json']);
      const resumed = await runToEnd(resume, 90_000);
      expect(resumed, resume.errors()).toMatchObject({ code: 0, timedOut: false });
      const result = JSON.parse(resume.output().split('\n').find((line) => line.startsWith('{"resumed"')) ?? 'null') as { resumed: number; loads: SummaryJson[] };
      expect(result.resumed).toBe(1);
      expect(result.loads[0]).toMatchObject({ state: 'completed', succeeded: true, counts: { total: s.files.length, registered: s.files.length, failed: 0 } });
      expect(await verifyLoad({ store: s.store, filesDir: s.filesDir, dataset: PID, expected: s.files, standin: standin! })).toEqual([]);
    });
  }
});

/** Temporary copies left in the file store: a failed copy must remove its own, or it holds the space it waits for. */
async function listTemporaries(filesDir: string): Promise<string[]> {
  return (await listFiles(filesDir)).filter((path) => path.endsWith('.holdfast-tmp'));
}
