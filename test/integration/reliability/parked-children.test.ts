/**
 * A parked actor never blocks its job (issue 16, item 4; RELIABILITY.md I7):
 * a child parked while its load ran is counted by the load as a failed file,
 * so `resume` ends it (discarded, or completed without it under
 * --allow-partial) instead of waiting for ever, and the views name it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActorViews } from '../../../src/adapters/inspector/actor-views.js';
import { openHoldfast } from '../../../src/cli/assembly.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import { corruptActorRecord, within } from '../../helpers/corrupt-record.js';
import { listFiles, loadInput, makeSampleFolder, runCli, startLoad, withStore } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { arrayOf } from '../../../src/runtime/async-views.js';

const PID = 'doi:10.5072/FK2/PARKED';

/** A load of 30 files interrupted right after its walk (its files still preparing or copying), with one unfinished file's record damaged. */
async function interruptedLoad(allowPartial = false, damage: 'file' | 'load' = 'file') {
  const root = tempFolder();
  const store = join(root, 'store');
  const dir = join(root, 'source');
  const filesDir = join(root, 'files');
  await makeSampleFolder(dir, { awkward: false, smallFiles: 30 });
  const holdfast = await openHoldfast({ store, listen: false });
  const id = await startLoad(holdfast, loadInput({ dir, dataset: PID, filesDir, allowPartial }));
  await holdfast.runtime.waitFor(id, (record) => record.state === 'copying', 10_000);
  await holdfast.close();
  const victim = await withStore(store, (s) => [...s.queryActors({ parent: id })].find((file) => file.status === 'active' && (file.state === 'preparing' || file.state === 'copying')));
  expect(victim, 'a file not yet copied when the load was interrupted').toBeDefined();
  await corruptActorRecord(store, damage === 'file' ? victim!.id : id);
  return { store, id, victim: victim!.id, filesDir };
}

describe('a parked child never blocks its load', () => {
  it('resume ends an interrupted load whose unfinished file has a corrupt record: discarded, and `job` names the parked file', async () => {
    const { store, id, victim, filesDir } = await interruptedLoad();
    const run = await within(runCli(['resume', '--store', store, '--json']), 30_000, 'holdfast resume');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const summary = (run.json as { loads: { id: string; state: string; counts: DataLoadContext['counts'] }[] }).loads[0]!;
    expect(summary).toMatchObject({ id, state: 'discarded', counts: { total: 30, failed: 1 } });
    // A copy-only load keeps its copies on discard (docs/guarantees.md: no Dataverse to ask); never a temporary.
    expect((await listFiles(filesDir)).filter((path) => path.endsWith('.holdfast-tmp')), 'a discarded load leaves no temporary').toEqual([]);
    await withStore(store, (s) => {
      expect(s.getActor(victim as never)).toMatchObject({ status: 'parked', parent: id, root: id, machine: 'datafile', error: { code: 'RECORD_CORRUPT' } });
    });
    const job = await runCli(['job', id, '--store', store]);
    expect(job.code).toBe(0);
    expect(job.stdout).toContain('parked 1: RECORD_CORRUPT');
    // Nothing to retry from: `retry` says what can be done instead.
    const retry = await runCli(['retry', victim, '--store', store]);
    expect(retry.code).not.toBe(0);
    expect(retry.stdout + retry.stderr).toMatch(/RECORD_CORRUPT.*no snapshot to run from.*holdfast delete .*restore the store from a backup/s);
    expect(retry.stdout + retry.stderr).toContain(`holdfast delete ${id}`);
  });

  it('with --allow-partial, resume completes the load without the parked file', async () => {
    const { store, id, filesDir } = await interruptedLoad(true);
    const run = await within(runCli(['resume', '--store', store, '--json']), 30_000, 'holdfast resume');
    const summary = (run.json as { loads: { state: string; counts: DataLoadContext['counts']; files: { state: string }[] }[] }).loads[0]!;
    expect(summary).toMatchObject({ state: 'completed', counts: { total: 30, copied: 29, failed: 1 } });
    expect(summary.files.filter((file) => file.state === 'stored')).toHaveLength(29);
    expect(await listFiles(filesDir), 'the 29 copies, no temporary').toHaveLength(29);
    const job = await runCli(['job', id, '--store', store, '--json']);
    expect((job.json as { parked: Record<string, number> }).parked).toEqual({ RECORD_CORRUPT: 1 });
  });
});

describe('a parked load never blocks resume', () => {
  it("resume names an interrupted load whose own record is corrupt as parked, waits on nothing, and exits 1", async () => {
    const { store, id } = await interruptedLoad(false, 'load');
    const run = await within(runCli(['resume', '--store', store, '--json']), 30_000, 'holdfast resume');
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ loads: [], parked: [{ id, kind: 'dataload', error: { code: 'RECORD_CORRUPT' } }] });
    const human = await within(runCli(['resume', '--store', store]), 30_000, 'holdfast resume again');
    expect(human.stdout).toContain(`job ${id} (dataload) is parked, not resumed: [RECORD_CORRUPT]`);
    const jobs = await runCli(['jobs', '--store', store, '--json']);
    expect((jobs.json as { jobs: unknown[] }).jobs).toEqual([expect.objectContaining({ id, kind: 'dataload', status: 'parked' })]);
  });
});

describe('the views count and name parked actors', () => {
  /** A finished load of 20 files (no Dataverse: each file ends `stored`), its store closed. */
  async function finishedLoad() {
    const root = tempFolder();
    const store = join(root, 'store');
    const dir = join(root, 'source');
    await makeSampleFolder(dir, { awkward: false, smallFiles: 20 });
    const holdfast = await openHoldfast({ store, listen: false });
    const id = await startLoad(holdfast, loadInput({ dir, dataset: PID, filesDir: join(root, 'files') }));
    await holdfast.runtime.waitFor(id, (record) => record.status === 'done', 30_000);
    await holdfast.runtime.whenIdle(30_000);
    await holdfast.close();
    const files = await withStore(store, (s) => [...s.queryActors({ parent: id })].map((file) => file.id));
    expect(files).toHaveLength(20);
    return { store, id, files };
  }

  it("counts a finished load's corrupt file as parked, not dropped", async () => {
    const { store, id, files } = await finishedLoad();
    await corruptActorRecord(store, files[7]!);
    const job = await runCli(['job', id, '--store', store, '--json']);
    const view = job.json as { children: Record<string, number>; parked: Record<string, number> };
    expect(view.children).toEqual({ 'datafile:stored': 19 });
    expect(view.parked).toEqual({ RECORD_CORRUPT: 1 });
    const human = await runCli(['job', id, '--store', store]);
    expect(human.stdout).toContain('parked 1: RECORD_CORRUPT');
    expect(human.stdout).toContain(files[7]!);
  });

  it("an owner's scrub parks a finished load's corrupt file in the background, and the inspector counts it", async () => {
    const { store, id, files } = await finishedLoad();
    await corruptActorRecord(store, files[3]!);
    const holdfast = await openHoldfast({ store, listen: false });
    try {
      const parked = await holdfast.runtime.waitFor(files[3]!, (record) => record.status === 'parked', 10_000);
      expect(parked).toMatchObject({ parent: id, root: id, machine: 'datafile', state: 'stored', error: { code: 'RECORD_CORRUPT' } });
      // It had reported long ago: its load, finished, is not told again.
      expect((await arrayOf(holdfast.store.inbox(id as never)))).toEqual([]);
      const views = new ActorViews(holdfast.runtime, () => undefined);
      expect((await views.jobRow(id))).toMatchObject({ id, status: 'done', parked: { RECORD_CORRUPT: 1 } });
      expect((await views.childrenPage(id, 0, 50)).items.filter((row) => row.status === 'parked')).toEqual([expect.objectContaining({ id: files[3], error: expect.objectContaining({ code: 'RECORD_CORRUPT' }) })]);
    } finally {
      await holdfast.close();
    }
  });

  it('lists a load whose own record is corrupt as a parked job, by its id and kind', async () => {
    const { store, id } = await finishedLoad();
    await corruptActorRecord(store, id);
    const jobs = await runCli(['jobs', '--store', store, '--json']);
    expect(jobs.code).toBe(0);
    expect((jobs.json as { jobs: unknown[] }).jobs).toEqual([expect.objectContaining({ id, kind: 'dataload', status: 'parked', error: expect.stringContaining('RECORD_CORRUPT') })]);
    const human = await runCli(['jobs', '--store', store]);
    expect(human.stdout).not.toContain('no jobs');
    expect(human.stdout).toContain(id);
    const job = await runCli(['job', id, '--store', store, '--json']);
    expect(job.json).toMatchObject({ id, status: 'parked', children: { 'datafile:stored': 20 } });
  });
});
