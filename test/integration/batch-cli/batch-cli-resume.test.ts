/**
 * A `holdfast run --all` killed with SIGKILL mid-run continues with
 * `holdfast resume` or with `holdfast run --all` again: every item ends with
 * one result or one exception, every batch done exactly once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { cli, repoRoot, workspace, type Workspace } from './batch-cli-helpers.js';

/** Batches of the job marked done in the store, read beside the running owner. */
function doneBatches(store: string, job: string): number {
  try {
    const peek = openLmdbStore(store, { readOnly: true });
    try {
      let done = 0;
      for (const { value } of peek.scanRecords<{ done: boolean }>('batch.batches', [job])) if (value.done) done++;
      return done;
    } finally {
      void peek.close();
    }
  } catch {
    return 0; // the store is being created
  }
}

/** Starts `holdfast run ID --all --parallel 2` in a child and SIGKILLs it once `after` batches are done. */
async function killMidRun(w: Workspace, id: string, after: number, beside?: () => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'integration', 'batch-cli', 'cli-entry.ts'), 'run', id, '--all', '--parallel', '2', ...w.flags, '--json'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => (finished = true));
  const deadline = Date.now() + 60_000;
  while (!finished && doneBatches(w.store, id) < after && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(finished, `the run ended before it could be killed: ${stderr}`).toBe(false);
  await beside?.();
  expect(finished, 'the run ended before it could be killed').toBe(false);
  child.kill('SIGKILL');
  await exited;
}

async function createJob(w: Workspace, name: string): Promise<string> {
  const values = Array.from({ length: 200 }, (_, index) => (index % 25 === 7 ? -index : index));
  const created = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers(name, values)}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:20', ...w.flags, '--json']);
  return (created.json as { id: string }).id;
}

async function expectComplete(w: Workspace, id: string, open = 8): Promise<void> {
  const batches = ((await cli(['batches', id, ...w.flags, '--json'])).json as { batches: { done: boolean; completions: number }[] }).batches;
  expect(batches).toHaveLength(10);
  expect(batches.every((batch) => batch.done && batch.completions === 1)).toBe(true);
  const results = ((await cli(['job', id, '--results', '--store', w.store, '--json'])).json as { results: { item: string }[] }).results;
  const exceptions = ((await cli(['exceptions', id, '--store', w.store, '--json'])).json as { exceptions: { item: string }[] }).exceptions;
  const items = [...results, ...exceptions].map((entry) => entry.item);
  expect(new Set(items).size).toBe(200);
  expect(items).toHaveLength(200);
  expect(exceptions).toHaveLength(open);
}

describe('resuming a killed batch run', () => {
  it('continues with holdfast resume, and with holdfast run --all', async () => {
    // 20 ms an item: 2 s for the whole run, so the views beside it finish long before it does.
    const w = workspace(20);
    const first = await createJob(w, 'a.jsonl');
    // The views read beside the running owner; a write goes to it over its socket (and is answered by it).
    await killMidRun(w, first, 2, async () => {
      const job = await cli(['job', first, '--store', w.store, '--json']);
      expect(job.json).toMatchObject({ id: first, state: 'running' });
      const batches = (await cli(['batches', first, ...w.flags, '--json'])).json as { batches: { done: boolean }[] };
      expect(batches.batches.filter((batch) => batch.done).length).toBeGreaterThanOrEqual(2);
      await cli(['exceptions', first, '--store', w.store, '--json']);
      await cli(['job', first, '--results', '--store', w.store, '--json']);
      // Item 8 (line 8, n = -7) failed in batch 0, done by now: a person's answer through the run's process.
      const answered = await cli(['resolve', first, '8', '--value', '1', '--store', w.store]);
      expect(answered.stdout).toMatch(/resolved 8 of job .* \(through the store's owner, pid \d+\)/);
    });
    const resumed = await cli(['resume', ...w.flags, '--json']);
    expect((resumed.json as { batchRuns: { job: string }[] }).batchRuns.map((run) => run.job)).toEqual([first]);
    await expectComplete(w, first, 7);

    const second = await createJob(w, 'b.jsonl');
    await killMidRun(w, second, 3);
    // The interrupted run goes on first and is reported; the new request finds what is left (nothing, or little).
    const again = (await cli(['run', second, '--all', ...w.flags, '--json'])).json as { items: number; resumed: { job: string; items: number }[] };
    expect(again.resumed.map((run) => run.job)).toEqual([second]);
    expect(again.resumed[0]!.items + again.items).toBeGreaterThanOrEqual(200 - 3 * 20);
    await expectComplete(w, second);
  });

  it('refuses to resume interrupted batch runs without the host module, before touching them', async () => {
    const w = workspace(4);
    const id = await createJob(w, 'a.jsonl');
    await killMidRun(w, id, 1);
    const refused = await cli(['resume', '--store', w.store], 2);
    expect(refused.stderr).toMatch(/no host module: give --app FILE/);
    await cli(['resume', ...w.flags]);
    await expectComplete(w, id);
  });
});
