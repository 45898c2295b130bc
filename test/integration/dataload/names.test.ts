/**
 * Names Dataverse would refuse or alter (issue 15, item 5): `holdfast ingest`
 * refuses them before copying anything, with the reason and the label
 * Dataverse would accept; `--fix-labels` loads them under that label;
 * `--dry-run` lists both; two files equal after NFC are refused together.
 * Hostile names (a newline, a terminal escape) never reach the terminal raw.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { listFiles, runCli, type SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-5e1f0c2a-7b3d-4c8e-9f60-aabbccddeeff';
const PID = 'doi:10.5072/FK2/NAMES1';
const NFC = 'résumé.txt';
const NFD = 're\u0301sume\u0301.txt';
const ESCAPE = 'esc\u001b[31mred.txt';
const NEWLINE = 'two\nlines.txt';

/** Source path -> what each is expected to become. */
const FILES: Record<string, string> = {
  'good.txt': 'fine\n',
  'raw/a:b.txt': 'colon\n',
  'données/x.csv': 'a,b\n',
  '.cache/kept.txt': 'hidden folder\n',
  [NEWLINE]: 'newline\n',
  [ESCAPE]: 'escape\n',
  [NFC]: 'composed\n',
  [NFD]: 'decomposed\n',
};

let root: string;
let dir: string;
let filesDir: string;
let store: string;
let standin: DataverseStandin;

beforeEach(async () => {
  root = tempFolder('holdfast-names-');
  dir = join(root, 'source');
  filesDir = join(root, 'files');
  store = join(root, 'store');
  for (const [path, content] of Object.entries(FILES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
});

afterEach(async () => {
  await standin.close();
});

const ingestArgs = (...extra: string[]) => ['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--include-hidden', ...extra];
const registeredPaths = () => standin.registered(PID).map((f) => (f.directoryLabel ? `${f.directoryLabel}/${f.fileName}` : f.fileName)).sort();
const outcome = (summary: SummaryJson, relativePath: string) => summary.files.find((f) => f.relativePath === relativePath) as (SummaryJson['files'][number] & { label?: string }) | undefined;

describe('names Dataverse would refuse or alter', () => {
  it('are refused before any copy, each with its reason and the label Dataverse would accept; the NFC twins both', async () => {
    const run = await runCli(ingestArgs('--json'));

    expect(run.code, run.stderr).toBe(0);
    const summary = run.json as SummaryJson;
    expect(summary.counts).toMatchObject({ total: 1, copied: 1, registered: 1, refused: 7 });
    expect(registeredPaths()).toEqual(['good.txt']);
    expect(await listFiles(filesDir), 'refused files are never copied').toHaveLength(1);
    expect(outcome(summary, 'raw/a:b.txt')).toMatchObject({ state: 'refused', reason: expect.stringMatching(/^NAME_REFUSED: Dataverse refuses ":" in a file name; Dataverse would accept "raw\/a_b.txt"/), label: 'raw/a_b.txt' });
    expect(outcome(summary, 'données/x.csv')).toMatchObject({ state: 'refused', reason: expect.stringContaining('only A-Z a-z 0-9 _ - . / and space in a folder name'), label: 'donn.es/x.csv' });
    expect(outcome(summary, '.cache/kept.txt')).toMatchObject({ state: 'refused', reason: expect.stringContaining('Dataverse would store the folder as "cache"'), label: 'cache/kept.txt' });
    expect(outcome(summary, NEWLINE)).toMatchObject({ state: 'refused', reason: expect.stringContaining('control characters (a newline)'), label: 'two_lines.txt' });
    expect(outcome(summary, ESCAPE)).toMatchObject({ state: 'refused', reason: expect.stringContaining('control characters (ESC, as in a terminal escape)'), label: 'esc_[31mred.txt' });
    expect(outcome(summary, NFC)).toMatchObject({ state: 'refused', reason: `NAME_COLLISION: its path in the dataset, "${NFC}", is also that of "${NFD}" (the same name in NFD; this one is in NFC); none of them is loaded`, label: NFC });
    expect(outcome(summary, NFD)).toMatchObject({ state: 'refused', reason: `NAME_COLLISION: its path in the dataset, "${NFC}", is also that of "${NFC}" (the same name in NFC; this one is in NFD); none of them is loaded`, label: NFC });
  });

  it('are one line each in the human summary, with hostile names escaped', async () => {
    const run = await runCli(ingestArgs());

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('refused: raw/a:b.txt: NAME_REFUSED: Dataverse refuses ":" in a file name; Dataverse would accept "raw/a_b.txt" (--fix-labels loads it so)');
    expect(run.stdout).toContain('refused: two\\u{a}lines.txt: NAME_REFUSED: the file name holds control characters (a newline)');
    expect(run.stdout).toContain('refused: esc\\u{1b}[31mred.txt: NAME_REFUSED:');
    expect(run.stdout.split('\n').filter((line) => line.includes('NAME_COLLISION'))).toHaveLength(2);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).not.toContain(NEWLINE);

    const id = /load (load-\S+):/.exec(run.stdout)![1]!;
    const job = await runCli(['job', id, '--store', store]);
    expect(job.stdout).toContain('problem  raw/a:b.txt: NAME_REFUSED: Dataverse refuses ":" in a file name');
    expect(job.stdout).toContain('problem  two\\u{a}lines.txt: NAME_REFUSED');
    expect(job.stdout).not.toContain('\u001b');
  });

  it('with --fix-labels are loaded under the label Dataverse would accept, and the summary says so', async () => {
    const run = await runCli(ingestArgs('--fix-labels', '--json'));

    expect(run.code, run.stderr).toBe(0);
    const summary = run.json as SummaryJson;
    expect(summary.counts).toMatchObject({ total: 6, registered: 6, refused: 2 });
    expect(registeredPaths()).toEqual(['cache/kept.txt', 'donn.es/x.csv', 'esc_[31mred.txt', 'good.txt', 'raw/a_b.txt', 'two_lines.txt']);
    expect(outcome(summary, 'raw/a:b.txt')).toMatchObject({ state: 'registered', label: 'raw/a_b.txt' });
    expect(outcome(summary, 'good.txt')?.label).toBeUndefined();
    // Fixing cannot tell the twins apart: they stay refused, and neither is registered.
    expect(outcome(summary, NFC)).toMatchObject({ state: 'refused', reason: expect.stringContaining('NAME_COLLISION') });
    expect(await listFiles(filesDir)).toHaveLength(6);
  });

  it('refuses two files that --fix-labels would give the same path, and loads neither', async () => {
    await writeFile(join(dir, 'raw', 'a_b.txt'), 'underscore\n');

    const run = await runCli(ingestArgs('--fix-labels', '--json'));

    const summary = run.json as SummaryJson;
    expect(outcome(summary, 'raw/a:b.txt')).toMatchObject({ state: 'refused', reason: expect.stringContaining('"raw/a_b.txt", is also that of "raw/a_b.txt"') });
    expect(outcome(summary, 'raw/a_b.txt')).toMatchObject({ state: 'refused', reason: expect.stringContaining('is also that of "raw/a:b.txt"') });
    expect(registeredPaths()).not.toContain('raw/a_b.txt');
  });

  it('--dry-run lists every refusal and, with --fix-labels, every new label; it copies nothing', async () => {
    const plain = await runCli(ingestArgs('--dry-run', '--json'));
    expect(plain.code, plain.stderr).toBe(0);
    const printed = plain.json as { addFiles: { fileName: string }[]; refused: { relativePath: string; code?: string; label?: string }[]; relabelled: unknown[] };
    expect(printed.addFiles.map((f) => f.fileName)).toEqual(['good.txt']);
    expect(printed.refused.map((r) => [r.relativePath, r.code, r.label]).sort()).toEqual(
      [
        ['.cache/kept.txt', 'NAME_REFUSED', 'cache/kept.txt'],
        ['données/x.csv', 'NAME_REFUSED', 'donn.es/x.csv'],
        ['raw/a:b.txt', 'NAME_REFUSED', 'raw/a_b.txt'],
        [ESCAPE, 'NAME_REFUSED', 'esc_[31mred.txt'],
        [NFC, 'NAME_COLLISION', NFC],
        [NFD, 'NAME_COLLISION', NFC],
        [NEWLINE, 'NAME_REFUSED', 'two_lines.txt'],
      ].sort(),
    );
    expect(printed.relabelled).toEqual([]);

    const fixed = await runCli(ingestArgs('--dry-run', '--fix-labels'));
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('  relabelled: raw/a:b.txt -> raw/a_b.txt');
    expect(fixed.stdout).toContain('  relabelled: two\\u{a}lines.txt -> two_lines.txt');
    expect(fixed.stdout).toContain('"directoryLabel": "donn.es"');
    expect(fixed.stdout).toMatch(/refused: résumé\.txt: NAME_COLLISION/);
    expect(fixed.stdout).not.toContain('\u001b');
    expect(await listFiles(filesDir)).toEqual([]);
    expect(standin.calls.filter((c) => c.path.endsWith('/addFiles'))).toEqual([]);
  });

  it('refuses a --metadata directoryLabel Dataverse would refuse (exit 2), naming the label it would accept', async () => {
    const metadata = join(root, 'metadata.json');
    await writeFile(metadata, JSON.stringify({ 'good.txt': { directoryLabel: 'über/alles' } }));

    const refused = await runCli(ingestArgs('--metadata', metadata));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('good.txt: directoryLabel "über/alles": Dataverse allows only A-Z a-z 0-9 _ - . / and space in a folder name, not "ü"; Dataverse would accept "ber/alles"');
    expect(await listFiles(filesDir)).toEqual([]);
  });

  it('refuses a new file whose name, in NFC, is that of a file an earlier load registered', async () => {
    const { rm } = await import('node:fs/promises');
    for (const path of Object.keys(FILES)) if (path !== 'good.txt' && path !== NFC) await rm(join(dir, path));
    expect((await runCli(ingestArgs('--json'))).code).toBe(0);
    expect(registeredPaths()).toEqual(['good.txt', NFC]);
    await writeFile(join(dir, NFD), 'decomposed\n');

    const again = await runCli(ingestArgs('--json'));

    const summary = again.json as SummaryJson;
    expect(summary.counts).toMatchObject({ total: 0, alreadyLoaded: 2, refused: 1 });
    expect(outcome(summary, NFD)).toMatchObject({ state: 'refused', reason: expect.stringContaining('loaded before; this file is not loaded') });
    expect(registeredPaths()).toEqual(['good.txt', NFC]);
  });

  it('refuses a backslash in a file name as Dataverse would, and --fix-labels loads it as _', async () => {
    await writeFile(join(dir, 'back\\slash.txt'), 'backslash\n');

    const refused = await runCli(ingestArgs('--json', '--dry-run'));
    expect((refused.json as { refused: { relativePath: string; code?: string; label?: string }[] }).refused).toContainEqual(expect.objectContaining({ relativePath: 'back\\slash.txt', code: 'NAME_REFUSED', label: 'back_slash.txt' }));

    const fixed = await runCli(ingestArgs('--json', '--fix-labels'));
    expect(outcome(fixed.json as SummaryJson, 'back\\slash.txt')).toMatchObject({ state: 'registered', label: 'back_slash.txt' });
  });
});
