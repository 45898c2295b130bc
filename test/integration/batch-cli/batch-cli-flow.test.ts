/** Every batch command through `main([...])` over a real store: create, run, views, exceptions, drift, delete. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchView } from '../../../src/adapters/batch/job-views.js';
import { cli, hostModule, storeContents, workspace } from './batch-cli-helpers.js';

/** A row of `holdfast batches ID --json`: the library's BatchView, as JSON. */
type BatchRow = BatchView;

describe('batch jobs through the CLI', () => {
  it('creates a job with every recorded field and prints its id', async () => {
    const w = workspace();
    const source = w.numbers('a.jsonl', [1, 2, 3, 4, 5]);
    const plain = await cli(['job', 'create', 'double', '--source', `jsonl:${source}#id`, '--config', join(w.folder, 'config.json'), '--partition', 'every:2', '--description', 'location type: board members (rovat_15)', '--param', 'kind=board', '--param', 'query=a=b', ...w.flags]);
    const id = plain.stdout.trim();
    expect(id).toMatch(/^\S+$/);
    const shown = await cli(['job', id, '--store', w.store, '--app', w.app, '--json'].filter((arg) => arg !== '--app' && arg !== w.app));
    expect(shown.json).toMatchObject({
      id,
      application: 'double',
      config: { factor: 2 },
      configHash: expect.stringMatching(/^[0-9a-f]{12}$/),
      partition: 'every:2',
      source: `jsonl:${source}#id`,
      params: { kind: 'board', query: 'a=b' },
      description: 'location type: board members (rovat_15)',
      state: 'created',
      items: 5,
      batches: 2,
      summary: { done: 0, failed: 0, pending: 5, exceptionsOpen: 0 },
    });
    expect((shown.json as { createdAt: number }).createdAt).toBeGreaterThan(Date.now() - 60_000);
    const human = await cli(['job', id, '--store', w.store]);
    expect(human.stdout).toContain('description  location type: board members (rovat_15)');
    expect(human.stdout).toContain('partition    every:2 (2 batches, 5 items)');
    const list = await cli(['jobs', '--store', w.store, '--json']);
    expect((list.json as { jobs: { id: string; kind: string; application?: string; items?: number }[] }).jobs).toContainEqual(expect.objectContaining({ id, kind: 'batchJob', application: 'double', items: 5 }));
    expect((await cli(['jobs', '--store', w.store])).stdout).toMatch(new RegExp(`${id}  batchJob  created  .*double, 5 items: location type`));
  });

  it('lists a batch job in the words `job ID` uses for its state, not its machine state (active/idle)', async () => {
    const w = workspace();
    const id = (await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', [1, 2, 3])}#id`, '--config', join(w.folder, 'config.json'), '--partition', 'every:2', ...w.flags])).stdout.trim();
    await cli(['run', id, '--batch', '1', ...w.flags]);
    const listed = async () => {
      const jobs = ((await cli(['jobs', '--store', w.store, '--json'])).json as { jobs: { id: string; state: string; machineState?: string }[] }).jobs;
      return { json: jobs.find((job) => job.id === id), text: (await cli(['jobs', '--store', w.store])).stdout };
    };
    const partial = await listed();
    expect(partial.json).toMatchObject({ state: 'partial', machineState: 'idle' });
    expect(partial.text).toMatch(new RegExp(`${id}  batchJob  partial  `));
    await cli(['run', id, '--all', ...w.flags]);
    const finished = await listed();
    expect(((await cli(['job', id, '--store', w.store, '--json'])).json as { state: string }).state).toBe('finished');
    expect(finished.json).toMatchObject({ state: 'finished' });
    expect(finished.text).toMatch(new RegExp(`${id}  batchJob  finished  `));
    expect(finished.text).not.toContain('active/idle');
  });

  it('takes csv:, dir: and app: sources, ids from a field, the record number, the relative path or the source', async () => {
    const w = workspace();
    writeFileSync(join(w.folder, 'a.csv'), 'code,n\nx1,1\nx2,"2"\n');
    mkdirSync(join(w.folder, 'files', 'sub'), { recursive: true });
    writeFileSync(join(w.folder, 'files', 'b.txt'), 'bee');
    writeFileSync(join(w.folder, 'files', 'sub', 'a.txt'), 'ay');
    const ids = async (source: string) => {
      const id = (await cli(['job', 'create', 'echo', '--source', source, ...w.flags])).stdout.trim();
      await cli(['run', id, '--all', ...w.flags]);
      return ((await cli(['job', id, '--results', '--store', w.store, '--json'])).json as { results: { item: string; value: unknown }[] }).results;
    };
    expect(await ids(`csv:${join(w.folder, 'a.csv')}#code`)).toEqual([{ item: 'x1', value: { code: 'x1', n: '1' } }, { item: 'x2', value: { code: 'x2', n: '2' } }]);
    expect((await ids(`csv:${join(w.folder, 'a.csv')}`)).map((result) => result.item)).toEqual(['1', '2']);
    expect(await ids(`dir:${join(w.folder, 'files')}`)).toEqual([
      { item: 'b.txt', value: { path: 'b.txt', file: join(w.folder, 'files', 'b.txt'), size: 3, text: 'bee' } },
      { item: 'sub/a.txt', value: { path: 'sub/a.txt', file: join(w.folder, 'files', 'sub', 'a.txt'), size: 2, text: 'ay' } },
    ]);
    expect(await ids('app:numbers')).toEqual([{ item: 'n1', value: { n: 1 } }, { item: 'n2', value: { n: 2 } }]);
  });

  it('runs one batch, a sample kept apart, then all in parallel; shows batches, stats, results and exceptions', async () => {
    const w = workspace();
    const values = Array.from({ length: 40 }, (_, index) => (index % 10 === 3 ? -index : index));
    const created = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', values)}#id`, '--config', join(w.folder, 'config.json'), '--partition', 'size:10', ...w.flags, '--json']);
    const id = (created.json as { id: string; items: number; batches: number }).id;
    expect(created.json).toMatchObject({ items: 40, batches: 4 });

    const sample = await cli(['run', id, '--sample', '5', ...w.flags, '--json']);
    expect(sample.json).toMatchObject({ job: id, kind: 'sample of 5', items: 5 });
    const sampleResults = await cli(['job', id, '--results', '--sample', '--store', w.store, '--json']);
    expect((sampleResults.json as { count: number }).count).toBeGreaterThan(0);
    expect((await cli(['job', id, '--results', '--store', w.store, '--json'])).json).toEqual({ job: id, results: [], count: 0 });
    const afterSample = (await cli(['batches', id, ...w.flags, '--json'])).json as { batches: BatchRow[] };
    expect(afterSample.batches.every((batch) => !batch.done)).toBe(true);

    const one = await cli(['run', id, '--batch', '1', ...w.flags]);
    expect(one.stdout).toMatch(new RegExp(`${id}: 1 batch\\(es\\), 10 items in .*: 9 results, 1 exceptions`));
    expect(one.stdout).toContain(`1 exception(s) open: holdfast exceptions ${id}`);
    let batches = ((await cli(['batches', id, ...w.flags, '--json'])).json as { batches: BatchRow[] }).batches;
    expect(batches.map((batch) => batch.done)).toEqual([false, true, false, false]);

    const all = await cli(['run', id, '--all', '--parallel', '2', ...w.flags, '--json']);
    expect(all.json).toMatchObject({ job: id, batchesRun: 3, items: 30, results: 27, exceptions: 3, exceptionsOpen: 4 });
    batches = ((await cli(['batches', id, ...w.flags, '--json'])).json as { batches: BatchRow[] }).batches;
    expect(batches.every((batch) => batch.done && !batch.drift && batch.items === 10 && batch.exceptions === 1 && batch.completedAt! > 0)).toBe(true);
    const table = await cli(['batches', id, ...w.flags]);
    expect(table.stdout).toMatch(/batch\s+done\s+items\s+exceptions\s+completed\s+config\s+code\s+drift/);
    expect(table.stdout).toMatch(/\n0\s+done\s+10\s+1\s+\d{4}-\d\d-\d\dT/);

    const job = (await cli(['job', id, '--stats', '--store', w.store, '--json'])).json as { summary: Record<string, number>; stats: { node: string; items: number; successes: number; failures: number; p50Ms: number; p95Ms: number }[] };
    expect(job.summary).toMatchObject({ done: 36, failed: 4, pending: 0, exceptionsOpen: 4 });
    expect(job.stats).toEqual([
      expect.objectContaining({ node: 'read', items: 40, successes: 36, failures: 4 }),
      expect.objectContaining({ node: 'twice', items: 36, successes: 36, failures: 0 }),
    ]);
    expect((await cli(['job', id, '--stats', '--store', w.store])).stdout).toMatch(/node\s+items\s+successes\s+failures\s+total ms\s+p50 ms\s+p95 ms\n\s+read\s+40\s+36\s+4/);

    const results = (await cli(['job', id, '--results', '--store', w.store, '--json'])).json as { results: { item: string; value: number }[]; count: number };
    expect(results.count).toBe(36);
    expect(results.results).toContainEqual({ item: 'i3', value: 4 });
    const lines = (await cli(['job', id, '--results', '--store', w.store])).stdout.trim().split('\n');
    expect(lines).toHaveLength(36);
    expect(lines).toContain('i3\t4');

    const exceptions = (await cli(['exceptions', id, '--store', w.store, '--json'])).json as { exceptions: { item: string; batch: number; step: string; error: { message: string; stack?: string }; input: unknown; resolved: boolean }[] };
    expect(exceptions.exceptions.map((exception) => exception.item).sort()).toEqual(['i14', 'i24', 'i34', 'i4']);
    expect(exceptions.exceptions.find((exception) => exception.item === 'i4')).toMatchObject({ batch: 0, step: 'read', error: { message: 'negative n: -3' }, input: { id: 'i4', n: -3 }, resolved: false });
    expect(exceptions.exceptions[0]!.error.stack).toContain('negative n');
    expect((await cli(['exceptions', id, '--store', w.store])).stdout).toMatch(/i4  batch 0  read: negative n: -3  \(open\)  input \{"id":"i4","n":-3\}/);

    await cli(['resolve', id, 'i4', '--value', '{"manual":true}', '--store', w.store]);
    expect(((await cli(['exceptions', id, '--store', w.store, '--json'])).json as { exceptions: unknown[] }).exceptions).toHaveLength(3);
    const everything = (await cli(['exceptions', id, '--all', '--store', w.store, '--json'])).json as { exceptions: { item: string; resolved: boolean; value?: unknown }[] };
    expect(everything.exceptions.find((exception) => exception.item === 'i4')).toMatchObject({ resolved: true, value: { manual: true } });
    expect(((await cli(['job', id, '--results', '--store', w.store, '--json'])).json as { results: unknown[] }).results).toContainEqual({ item: 'i4', value: { manual: true } });

    // The open exceptions as another job's source, ids kept; this job's results as a source too.
    const retry = await cli(['job', 'create', 'echo', '--source', `exceptions:${id}`, ...w.flags, '--json']);
    const retryId = (retry.json as { id: string }).id;
    expect(retry.json).toMatchObject({ items: 3, source: `exceptions:${id}` });
    await cli(['run', retryId, '--all', ...w.flags]);
    const echoed = (await cli(['job', retryId, '--results', '--store', w.store, '--json'])).json as { results: { item: string; value: unknown }[] };
    expect(echoed.results.map((result) => result.item).sort()).toEqual(['i14', 'i24', 'i34']);
    expect(echoed.results).toContainEqual({ item: 'i14', value: { id: 'i14', n: -13 } });
    const fromResults = await cli(['job', 'create', 'echo', '--source', `results:${id}`, ...w.flags, '--json']);
    expect(fromResults.json).toMatchObject({ items: 37 });
  });

  it('marks drift after a code or config change, re-runs stale batches, reprocesses exceptions, deletes with a count', async () => {
    const w = workspace();
    const created = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', [1, -2, 3, 4, -5, 6])}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:2', ...w.flags, '--json']);
    const id = (created.json as { id: string }).id;
    await cli(['run', id, '--batch', '0', ...w.flags]);
    const before = ((await cli(['batches', id, ...w.flags, '--json'])).json as { codeVersion: string; batches: BatchRow[] });
    expect(before.batches[0]).toMatchObject({ done: true, drift: false, codeVersion: before.codeVersion });

    // The code fix: negative numbers are read as their absolute value. The module's hash is the new code version.
    writeFileSync(w.app, hostModule().replace("if (n < 0) throw new Error('negative n: ' + n);", 'if (n < 0) return -n;'));
    const drifted = (await cli(['batches', id, ...w.flags, '--json'])).json as { codeVersion: string; drifted: number; batches: BatchRow[] };
    expect(drifted.codeVersion).not.toBe(before.codeVersion);
    expect(drifted.batches.map((batch) => batch.drift)).toEqual([true, false, false]);
    expect((await cli(['batches', id, ...w.flags])).stdout).toContain(`1 batch(es) drifted (*): holdfast run ${id} --stale`);

    // Remaining batches run with the new code; then --stale re-runs the drifted one.
    await cli(['run', id, '--all', ...w.flags]);
    const stale = await cli(['run', id, '--stale', ...w.flags, '--json']);
    expect(stale.json).toMatchObject({ batchesRun: 1, items: 2, results: 2, exceptions: 0 });
    const fixed = (await cli(['batches', id, ...w.flags, '--json'])).json as { batches: BatchRow[]; drifted: number };
    expect(fixed.drifted).toBe(0);
    expect(((await cli(['exceptions', id, '--store', w.store, '--json'])).json as { exceptions: unknown[] }).exceptions).toHaveLength(0);

    // A config change (checked against the schema first) drifts every batch through the config hash.
    writeFileSync(join(w.folder, 'bad.json'), JSON.stringify({ factor: 'three' }));
    await cli(['run', id, '--stale', '--config', join(w.folder, 'bad.json'), ...w.flags], 2);
    expect(((await cli(['batches', id, ...w.flags, '--json'])).json as { drifted: number }).drifted).toBe(0);
    writeFileSync(join(w.folder, 'three.json'), JSON.stringify({ factor: 3 }));
    const noRun = await cli(['run', id, '--all', '--config', join(w.folder, 'three.json'), ...w.flags, '--json']);
    expect(noRun.json).toMatchObject({ batchesRun: 0 });
    const configDrift = (await cli(['batches', id, ...w.flags, '--json'])).json as { configHash: string; drifted: number };
    expect(configDrift.drifted).toBe(3);
    expect(configDrift.configHash).not.toBe(fixed.batches[0]!.configHash);
    expect((await cli(['run', id, '--stale', ...w.flags, '--json'])).json).toMatchObject({ batchesRun: 3 });
    expect(((await cli(['batches', id, ...w.flags, '--json'])).json as { drifted: number }).drifted).toBe(0);
    expect(((await cli(['job', id, '--results', '--store', w.store, '--json'])).json as { results: unknown[] }).results).toContainEqual({ item: '2', value: 6 });

    // Reprocess: exceptions made by the old code, run again after a fix.
    const second = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('b.jsonl', [-1, 2])}`, '--config', join(w.folder, 'config.json'), ...w.flags, '--json']);
    const secondId = (second.json as { id: string }).id;
    writeFileSync(w.app, hostModule());
    await cli(['run', secondId, '--all', ...w.flags]);
    expect(((await cli(['exceptions', secondId, '--store', w.store, '--json'])).json as { exceptions: unknown[] }).exceptions).toHaveLength(1);
    writeFileSync(w.app, hostModule().replace("if (n < 0) throw new Error('negative n: ' + n);", 'if (n < 0) return 0;'));
    const reprocessed = await cli(['reprocess', secondId, ...w.flags, '--json']);
    expect(reprocessed.json).toMatchObject({ job: secondId, results: 1, exceptions: 0, exceptionsOpen: 0 });
    expect(((await cli(['job', secondId, '--results', '--store', w.store, '--json'])).json as { results: unknown[] }).results).toContainEqual({ item: '1', value: 0 });

    const gone = await cli(['delete', id, '--store', w.store, '--json']);
    expect(gone.json).toMatchObject({ id, done: 'delete', records: expect.any(Number), actors: expect.any(Number) });
    expect((gone.json as { records: number }).records).toBeGreaterThanOrEqual(6 + 6);
    expect((await cli(['delete', secondId, '--store', w.store])).stdout).toMatch(new RegExp(`deleted batch job ${secondId}: \\d+ record\\(s\\) and \\d+ actor\\(s\\)`));
    expect(storeContents(w.store).records).toBe(0);
    await cli(['job', id, '--store', w.store], 2);
    expect(readFileSync(w.app, 'utf8')).toContain('return 0');
  });
});
