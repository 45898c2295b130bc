/**
 * `holdfast job ID` of a data load in text (issue 22, item 4): its folder,
 * dataset, counts and problems, and its files by relative path with state,
 * size, MD5 and Dataverse file id, a page at a time; a file of it names its
 * path; with --json, the same page under `files`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { md5Of, runCli, type SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-jobview-3b9d7c1e-5a2f-4e8b-9c0d-112233445566';
const PID = 'doi:10.5072/FK2/VIEW01';
const FILES: Record<string, string> = { 'a/one.txt': 'one', 'a/two.txt': 'two two', 'b/three.txt': 'three three three', 'four.txt': 'four!', 'bad?name.txt': 'refused' };

let root: string;
let standin: DataverseStandin;

beforeEach(async () => {
  root = tempFolder('holdfast-job-view-');
  standin = await startDataverseStandin({ token: TOKEN, filesDir: join(root, 'files'), datasets: [{ persistentId: PID }] });
  for (const [path, content] of Object.entries(FILES)) {
    await mkdir(join(root, 'source', path, '..'), { recursive: true });
    await writeFile(join(root, 'source', path), content);
  }
});

afterEach(async () => standin.close());

describe('holdfast job ID of a data load', () => {
  it('shows counts, dataset, problems and the files by path with state, size, MD5 and file id, paged', async () => {
    const store = join(root, 'store');
    const ingest = await runCli(['ingest', join(root, 'source'), '--dataset', PID, '--files-dir', join(root, 'files'), '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json']);
    const summary = ingest.json as SummaryJson;
    expect(summary.counts.registered).toBe(4);
    const id = summary.id;

    const first = await runCli(['job', id, '--store', store, '--limit', '3']);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${id}  dataload@\\d+  done/completed$`));
    expect(lines).toContain(`  dataset  ${PID} at ${standin.url}`);
    expect(lines).toContain('  files    4 found, 4 copied, 4 registered, 0 skipped, 0 failed, 0 refused by Dataverse, 1 refused, 0 already loaded');
    expect(lines.some((line) => /^ {2}problem {2}bad\?name\.txt: NAME_REFUSED: /.test(line)), first.stdout).toBe(true);
    expect(lines).toContain('  files 1-3 of 4 (page 1 of 2; next: --page 2):');
    const rows = lines.filter((line) => /^ {4}\S+\s+registered\s/.test(line));
    expect(rows.map((row) => row.trim().split(/\s+/)[0])).toEqual(['a/one.txt', 'a/two.txt', 'b/three.txt']);
    const [path, state, size, md5, fileId] = rows[1]!.trim().split(/\s+/);
    expect({ path, state, size, md5 }).toEqual({ path: 'a/two.txt', state: 'registered', size: String(FILES['a/two.txt']!.length), md5: md5Of(FILES['a/two.txt']!) });
    expect(Number(fileId)).toBeGreaterThan(0);
    expect(first.stdout, "files are named by path, not by actor id").not.toContain(`${id}/`);

    const second = await runCli(['job', id, '--store', store, '--limit', '3', '--page', '2']);
    expect(second.stdout).toContain('  files 4-4 of 4 (page 2 of 2):');
    expect(second.stdout.split('\n').filter((line) => /^ {4}\S+\s+registered\s/.test(line)).map((row) => row.trim().split(/\s+/)[0])).toEqual(['four.txt']);

    const json = (await runCli(['job', id, '--store', store, '--json', '--limit', '2'])).json as { files: { total: number; page: number; files: { relativePath: string; md5: string; fileId: number; size: number; state: string }[] } };
    expect(json.files.total).toBe(4);
    expect(json.files.files.map((f) => f.relativePath)).toEqual(['a/one.txt', 'a/two.txt']);
    expect(json.files.files[0]).toMatchObject({ state: 'registered', size: 3, md5: md5Of('one') });

    const bad = await runCli(['job', id, '--store', store, '--page', '0']);
    expect(bad.code).toBe(2);
  });
});
