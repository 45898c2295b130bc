import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import type { ImportSummary } from '../../../src/cli/commands/import.js';
import { runCli } from '../../helpers/dataload.js';
import { dependent, independent, object, writeImport, type Graph } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

const graph: Graph = {
  objects: [object('a1', 'author'), object('b1', 'book'), object('b2', 'book')],
  links: [dependent('b1', 'a1', 'writtenBy'), independent('b2', 'b1', 'cites')],
};

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin();
});
afterEach(async () => {
  await standin.close();
});

describe('holdfast import', () => {
  it('exits 0 when the import completes, prints one JSON object, and `holdfast job` shows children by state', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const { file, linkTags } = writeImport(folder, graph);
    const run = await runCli(['import', file, '--service', standin.url, '--link-tags', linkTags, '--on-complete', `${standin.url}/complete`, '--store', store, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const summary = run.json as ImportSummary;
    expect(summary).toMatchObject({ state: 'complete', succeeded: true, objects: { total: 3, complete: 3 }, links: { total: 2, complete: 2 } });
    expect(standin.completions).toHaveLength(1);
    const job = await runCli(['job', summary.id, '--store', store, '--json']);
    expect(job.code).toBe(0);
    expect((job.json as { children: Record<string, number> }).children).toEqual({ 'pendingObject:complete': 3, 'pendingLink:complete': 2 });
  });

  it('exits 2 for invalid input, printing every problem with its line, and sends nothing', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, { objects: [object('a1', 'author'), object('b1', 'book')], links: [dependent('b1', 'a1', 'partOf'), dependent('b1', 'zz', 'writtenBy')] });
    const run = await runCli(['import', file, '--service', standin.url, '--link-tags', linkTags, '--store', join(folder, 'store')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('invalid input, nothing was sent: 2 problem(s)');
    expect(run.stdout).toMatch(/line 3: .*does not let a "book" child link to a "author" parent/);
    expect(run.stdout).toMatch(/line 4: .*parent "zz" is not an object of this import/);
    expect(standin.requests.size).toBe(0);
  });

  it('exits 2 for a missing file or a service that is not an http(s) URL', async () => {
    const folder = tempFolder();
    const { file } = writeImport(folder, graph);
    const missing = await runCli(['import', join(folder, 'nope.jsonl'), '--service', standin.url, '--store', join(folder, 'store')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/USAGE.*missing/);
    const badUrl = await runCli(['import', file, '--service', 'ftp://example', '--store', join(folder, 'store')]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/--service must be an http\(s\) URL/);
  });

  it('exits 1 when the service refuses an object, naming it and what it blocked, with the reason', async () => {
    const folder = tempFolder();
    standin.refuse = (body) => ((body.data as { name: string }).name === 'a1' ? 'no such author in the authority file' : undefined);
    const { file, linkTags } = writeImport(folder, graph);
    const run = await runCli(['import', file, '--service', standin.url, '--link-tags', linkTags, '--store', join(folder, 'store')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('objects: 1 complete, 1 error, 1 blocked (of 3)');
    expect(run.stdout).toMatch(/line 1: error: object "a1": \[IMPORT_REJECTED\] .*422: no such author in the authority file/);
    expect(run.stdout).toContain('links: 0 complete, 0 error, 2 blocked (of 2)');
    expect(run.stdout).toMatch(/line 2: blocked: object "b1": by "a1" \(line 1\), which failed: .*no such author/);
    expect(run.stdout).toMatch(/line 5: blocked: link "b2" -> "b1" \(cites\): by "a1"/);
  });

  it('exits 1 and says what waits when the service answered 202 and has not called back', async () => {
    const folder = tempFolder();
    standin.defer = (body) => body.type === 'author';
    const { file, linkTags } = writeImport(folder, graph);
    const run = await runCli(['import', file, '--service', standin.url, '--link-tags', linkTags, '--store', join(folder, 'store'), '--json']);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ state: 'running', succeeded: false, awaitingCallback: 1, objects: { complete: 1 } });
  });
});
