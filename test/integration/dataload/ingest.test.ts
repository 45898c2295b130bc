/**
 * `holdfast ingest` end to end against the Dataverse stand-in (issue 3): walk,
 * prepare, copy and verify into the file store, register, update metadata,
 * clean up; then the same folder again, a dry run, --metadata, --move, and a
 * copy-only load. Sizes: 200 small files and 20 MB by default, 1,000 and
 * 200 MB under HOLDFAST_TEST_SCALE=full.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { filesOf, listFiles, loadsOf, makeSampleFolder, md5Of, pidFolder, runCli, verifyLoad, withStore, type SummaryJson } from '../../helpers/dataload.js';
import { fullScale } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-3b9d7c1e-5a2f-4e8b-9c0d-112233445566';
const PID = 'doi:10.5072/FK2/ABC123';
/** A dataset stored under another identifier than its PID (a migrated dataset). */
const MOVED = 'doi:10.5072/FK2/MOVED1';
const SMALL_FILES = fullScale ? 1_000 : 200;
const LARGE_BYTES = (fullScale ? 200 : 20) * 1_000_000;

let root: string;
let dir: string;
let filesDir: string;
let store: string;
let standin: DataverseStandin;

beforeEach(async () => {
  root = tempFolder('holdfast-ingest-');
  dir = join(root, 'source');
  filesDir = join(root, 'files');
  store = join(root, 'store');
  standin = await startDataverseStandin({
    token: TOKEN,
    filesDir,
    datasets: [{ persistentId: PID }, { persistentId: MOVED, storageIdentifier: 'file://10.5072/FK2/STORE9' }],
  });
});

afterEach(async () => {
  await standin.close();
});

const ingestArgs = (extra: string[] = [], dataset = PID) => [
  'ingest', dir, '--dataset', dataset, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json', ...extra,
];

describe('holdfast ingest into the Dataverse stand-in', () => {
  it(
    `copies, verifies and registers nested, non-ASCII, spaced and empty files, ${SMALL_FILES} small files and a ${LARGE_BYTES / 1_000_000} MB file, each exactly once`,
    async () => {
      const files = await makeSampleFolder(dir, { smallFiles: SMALL_FILES, largeBytes: LARGE_BYTES });
      const run = await runCli(ingestArgs());

      expect(run.code, run.stderr).toBe(0);
      const summary = run.json as SummaryJson;
      expect(summary.state).toBe('completed');
      expect(summary.counts).toMatchObject({ total: files.length, copied: files.length, registered: files.length, failed: 0, skipped: 0 });
      expect(summary.files.map((f) => f.relativePath).sort()).toEqual(files.map((f) => f.relativePath).sort());
      expect(summary.files.every((f) => f.state === 'registered' && typeof f.fileId === 'number')).toBe(true);
      expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
      expect(run.stdout).not.toContain(TOKEN);
    },
    fullScale ? 600_000 : 120_000,
  );

  it('adds nothing when the same folder is ingested into the same dataset again', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 20 });
    expect((await runCli(ingestArgs())).code).toBe(0);
    const addFilesCalls = standin.calls.filter((c) => c.path.endsWith('/addFiles')).length;

    const again = await runCli(ingestArgs());

    expect(again.code, again.stderr).toBe(0);
    const summary = again.json as SummaryJson;
    expect(summary.counts).toMatchObject({ total: 0, alreadyLoaded: files.length, registered: 0 });
    expect(standin.calls.filter((c) => c.path.endsWith('/addFiles'))).toHaveLength(addFilesCalls);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('loads only the new file when one is added to an already loaded folder', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 5 });
    expect((await runCli(ingestArgs())).code).toBe(0);
    await writeFile(join(dir, 'added later.txt'), 'late\n');
    const added = { relativePath: 'added later.txt', size: 5, md5: md5Of('late\n') };

    const again = await runCli(ingestArgs());

    expect(again.code, again.stderr).toBe(0);
    expect((again.json as SummaryJson).counts).toMatchObject({ total: 1, registered: 1, alreadyLoaded: files.length });
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: [...files, added], standin })).toEqual([]);
  });

  it("copies into the folder the dataset's own storage identifier names, not one derived from its PID", async () => {
    const files = await makeSampleFolder(dir);

    const run = await runCli(ingestArgs([], MOVED));

    expect(run.code, run.stderr).toBe(0);
    expect(standin.folderOf(MOVED)).toBe(join(filesDir, '10.5072', 'FK2', 'STORE9'));
    expect(await verifyLoad({ store, filesDir, dataset: MOVED, expected: files, standin })).toEqual([]);
  });

  it('--dry-run prints the exact addFiles JSON and target paths, and copies and registers nothing', async () => {
    const files = await makeSampleFolder(dir);

    const run = await runCli(ingestArgs(['--dry-run', '--chunk-size', '2']));

    expect(run.code, run.stderr).toBe(0);
    const printed = run.json as {
      dryRun: true;
      chunkSize: number;
      addFiles: { storageIdentifier: string; fileName: string; directoryLabel?: string; mimeType: string; checksum: { '@type': string; '@value': string } }[];
      targets: { source: string; target: string }[];
    };
    expect(printed).toMatchObject({ dryRun: true, chunkSize: 2 });
    expect(printed.addFiles).toHaveLength(files.length);
    const folder = standin.folderOf(PID);
    files.forEach((file, index) => {
      const entry = printed.addFiles[index]!;
      const slash = file.relativePath.lastIndexOf('/');
      expect(entry.storageIdentifier).toMatch(/^file:\/\/[0-9a-f]{11,}-[0-9a-f]{12}$/);
      expect(entry.fileName).toBe(file.relativePath.slice(slash + 1));
      expect(entry.directoryLabel).toBe(slash === -1 ? undefined : file.relativePath.slice(0, slash));
      expect(entry.checksum).toEqual({ '@type': 'MD5', '@value': file.md5 });
      expect(entry.mimeType).toMatch(/^[a-z]+\/[\w.+-]+/);
      expect(printed.targets[index]).toEqual({ source: join(dir, file.relativePath), target: join(folder, entry.storageIdentifier.slice('file://'.length)) });
    });
    expect(await listFiles(filesDir)).toEqual([]);
    expect(standin.registered(PID)).toEqual([]);
    expect(existsSync(store)).toBe(false);
  });

  it("--dry-run prints targets in the folder the dataset's Dataverse reports", async () => {
    await makeSampleFolder(dir);

    const run = await runCli(ingestArgs(['--dry-run'], MOVED));

    expect(run.code, run.stderr).toBe(0);
    const { targets } = run.json as { targets: { target: string }[] };
    expect(targets.length).toBeGreaterThan(0);
    for (const { target } of targets) expect(target.startsWith(`${standin.folderOf(MOVED)}/`)).toBe(true);
    expect(await listFiles(filesDir)).toEqual([]);
  });

  it('--metadata sets the description and categories of each file it names, once', async () => {
    const files = await makeSampleFolder(dir);
    const metadataFile = join(root, 'metadata.json');
    await writeFile(
      metadataFile,
      JSON.stringify({
        'README.txt': { description: 'What the survey is', categories: ['Documentation'] },
        'mesures/résumé des mesures.txt': { description: 'Résumé des mesures' },
      }),
    );

    const run = await runCli(ingestArgs(['--metadata', metadataFile]));

    expect(run.code, run.stderr).toBe(0);
    const registered = standin.registered(PID);
    const readme = registered.find((f) => f.fileName === 'README.txt');
    const resume = registered.find((f) => f.fileName === 'résumé des mesures.txt');
    expect(readme).toMatchObject({ description: 'What the survey is', categories: ['Documentation'], metadataUpdates: 1 });
    expect(resume).toMatchObject({ description: 'Résumé des mesures', metadataUpdates: 1 });
    expect(registered.filter((f) => f.metadataUpdates > 0)).toHaveLength(2);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('--move removes the source of every registered file and keeps the verified copies', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });

    const run = await runCli(ingestArgs(['--move']));

    expect(run.code, run.stderr).toBe(0);
    expect(await listFiles(dir)).toEqual([]);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
  });

  it('without --dataverse copies and verifies only: every datafile ends stored and nothing is registered', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 10 });

    const run = await runCli(['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--store', store, '--json']);

    expect(run.code, run.stderr).toBe(0);
    const summary = run.json as SummaryJson;
    expect(summary.state).toBe('completed');
    expect(summary.files.every((f) => f.state === 'stored')).toBe(true);
    expect(await listFiles(filesDir)).toSatisfy((paths: string[]) => paths.every((p) => p.startsWith(`${pidFolder(PID).join('/')}/`)));
    expect(standin.calls).toEqual([]);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files })).toEqual([]);
    await withStore(store, (s) => {
      const [load] = loadsOf(s);
      expect(filesOf(s, load!.id).map((f) => f.record.state)).toEqual(files.map(() => 'stored'));
    });
  });
});
