/**
 * A load that cannot register is cleaned up (issue 15, item 7): its discard and
 * `holdfast delete ID` remove the copies it made that Dataverse does not hold,
 * and nothing else. Over a real LMDB store and the Dataverse stand-in: a load
 * whose registration is refused loses its copies on delete; a copy Dataverse
 * holds (registered, or registered by hand after a refusal) stays; files the
 * load's records do not name stay, however alike their names; an unreachable
 * Dataverse or a bad token deletes nothing and says how to finish; a completed
 * load's delete removes nothing Dataverse holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileKey } from '../../../src/adapters/dataload/dataload-effects.js';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { sendOwnerCommand } from '../../../src/adapters/owner-socket.js';
import { openHoldfast, type DeleteResult, type Holdfast } from '../../../src/cli/assembly.js';
import { DELETING_JOBS } from '../../../src/runtime/job-delete.js';
import { describeSummary, summarize } from '../../../src/cli/load-follow.js';
import type { DataFileContext } from '../../../src/machines/datafile.machine.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import type { CopiedEntry, CopiesReport } from '../../../src/machines/dataload.types.js';
import { actorId, type ActorId } from '../../../src/persistence/store.js';
import { listFiles, loadInput, makeSampleFolder, runCli, settleLoad, startLoad, withStore, type SampleFile, type SummaryJson } from '../../helpers/dataload.js';
import { startWorkload } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-cleanup-5d4c3b2a-1f0e-4d9c-8b7a-665544332211';
const PID = 'doi:10.5072/FK2/CLEAN1';

let root: string;
let dir: string;
let filesDir: string;
let store: string;
let standin: DataverseStandin;
let holdfast: Holdfast | undefined;

beforeEach(async () => {
  root = tempFolder('holdfast-cleanup-');
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

/** Starts a load of DIR into PID in this process; every copy the stand-in is asked to register is refused unless `accept` names its path. */
async function startRefusedLoad(accept: (relativePath: string) => boolean = () => false): Promise<ActorId> {
  holdfast = await openHoldfast({ store });
  const open = holdfast;
  open.runtime.subscribe((event) => {
    if (event.type !== 'actor.stepped' || event.machine !== 'datafile' || event.to !== 'copying') return;
    const context = open.store.getActor(event.id as ActorId)?.snapshot?.context as DataFileContext | undefined; // read at once, in the listener (the LMDB store the assembly opened)
    if (context?.prepared && !accept(context.relativePath)) standin.faults.rejectStorageIds.add(context.prepared.storageIdentifier);
  });
  return startLoad(open, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url }), TOKEN);
}

/** The load's copies by relative path, as its entries name them. */
async function copiesOf(id: ActorId): Promise<Map<string, CopiedEntry>> {
  return new Map((await holdfast!.runtime.records.scan<CopiedEntry>('entries', [id])).map(({ value }) => [value.relativePath, value]));
}

const folder = () => standin.folderOf(PID);
const inFolder = (storageIdentifier: string) => join(folder(), storageIdentifier);
const relativeToFiles = (path: string) => path.slice(filesDir.length + 1);

/** `holdfast delete ID --json` (a load waiting on a person needs no pause first). */
async function deleteLoad(id: string, ...extra: string[]) {
  const run = await runCli(['delete', id, '--store', store, '--json', ...extra]);
  return { ...run, result: run.json as (DeleteResult & { id: string; done: string }) | undefined };
}

describe('holdfast delete of a load whose registration failed', () => {
  it('removes every copy Dataverse refused, with the load, and says so', async () => {
    const files = await makeSampleFolder(dir);
    const id = await startRefusedLoad();
    const record = await settleLoad(holdfast!, id);
    expect(record.state).toBe('registrationFailed');
    const copies = (await copiesOf(id));
    expect(copies.size).toBe(files.length);
    await holdfast!.close();
    holdfast = undefined;
    expect(await listFiles(filesDir)).toHaveLength(files.length);

    const run = await deleteLoad(id);

    expect(run.code, run.stderr).toBe(0);
    const report = run.result!.copies![0]!;
    expect(report.load).toBe(id);
    expect(report.removed.sort()).toEqual([...copies.values()].map((c) => c.storageIdentifier).sort());
    expect(report.kept).toEqual([]);
    expect(await listFiles(filesDir)).toEqual([]);
    expect(standin.registered(PID)).toEqual([]);
    // Dataverse was asked before anything went: draft, latest and latest published.
    const listed = standin.calls.filter((c) => c.method === 'GET' && c.path.includes('/versions/')).map((c) => c.path.split('/versions/')[1]);
    expect(listed).toEqual(expect.arrayContaining([':draft/files', ':latest/files', ':latest-published/files']));
    await withStore(store, (s) => expect(s.getActor(id)).toBeUndefined());
    const text = await runCli(['jobs', '--store', store]);
    expect(text.stdout).not.toContain(id);
  }, 60_000);

  it.each([
    ['in its draft', false],
    ['published, with no draft', true],
  ])('keeps the copies Dataverse holds (%s): those it registered, and one registered by hand after the refusal', async (_, publish) => {
    const files = await makeSampleFolder(dir);
    const accepted = 'README.txt';
    const byHand = 'nested/deeper/deepest/leaf.csv';
    const id = await startRefusedLoad((path) => path === accepted);
    expect((await settleLoad(holdfast!, id)).state).toBe('registrationFailed');
    const copies = (await copiesOf(id));
    await holdfast!.close();
    holdfast = undefined;
    // Someone registers one refused copy with another tool: Dataverse holds it now, whatever holdfast recorded.
    standin.faults.rejectStorageIds.clear();
    const entry = copies.get(byHand)!;
    const client = new DataverseClient({ baseUrl: standin.url, token: TOKEN });
    const [added] = await client.addFiles(PID, [{ storageIdentifier: `file://${entry.storageIdentifier}`, fileName: 'leaf.csv', mimeType: 'text/csv', checksum: { '@type': 'MD5', '@value': entry.md5 } }]);
    expect(added?.ok).toBe(true);
    if (publish) standin.publish(PID);

    const run = await deleteLoad(id);

    expect(run.code, run.stderr).toBe(0);
    const report = run.result!.copies![0]!;
    const kept = new Map(report.kept.map((k) => [k.storageIdentifier, k.reason]));
    expect(kept.get(copies.get(accepted)!.storageIdentifier)).toMatch(/registered it with Dataverse \(file id \d+\)/);
    expect(kept.get(entry.storageIdentifier)).toMatch(/Dataverse holds it/);
    expect(report.removed).toHaveLength(files.length - 2);
    expect(await listFiles(filesDir)).toEqual([copies.get(accepted)!, entry].map((c) => relativeToFiles(inFolder(c.storageIdentifier))).sort());
    expect(readFileSync(inFolder(entry.storageIdentifier), 'utf8')).toBe('a,b\n1,2\n');
  }, 60_000);

  it('finishes at the next open a delete cut short after the actors went, from the plan in its marker', async () => {
    const files = await makeSampleFolder(dir);
    const id = await startRefusedLoad();
    expect((await settleLoad(holdfast!, id)).state).toBe('registrationFailed');
    const open = holdfast!;
    await open.runtime.pause(id);
    await open.close();
    holdfast = undefined;
    // A delete killed just after the commit that removed the actors with the marker (the plan made, Dataverse asked): neither copies nor records went yet.
    const killed = startWorkload('delete-job', [store, id, TOKEN], { HOLDFAST_FAULT_POINTS: 'committer.beforeCommit:2' });
    expect((await killed.exited).signal).toBe('SIGKILL');
    await withStore(store, (reader) => expect(reader.getActor(id)).toBeUndefined());
    expect(await listFiles(filesDir)).toHaveLength(files.length);
    await standin.close(); // the plan was made: finishing it asks Dataverse nothing

    holdfast = await openHoldfast({ store, resume: false, listen: false });

    expect(await listFiles(filesDir)).toEqual([]);
    expect((await holdfast.runtime.records.scan('entries', [id]))).toEqual([]);
    expect((await holdfast.runtime.records.get(DELETING_JOBS, id))).toBeUndefined();
  }, 60_000);
});

describe('a load deleted while it registers', () => {
  it('keeps every copy: an addFiles under way may still land', async () => {
    const files = await makeSampleFolder(dir);
    standin.faults.lock(PID, Infinity); // registration waits for the lock: the load stays in `registering`
    holdfast = await openHoldfast({ store });
    const id = await startLoad(holdfast, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url }), TOKEN);
    await holdfast.runtime.waitFor(id, (record) => record?.state === 'registering', 30_000);
    await holdfast.runtime.pause(id);

    const result = await holdfast.deleteJob(id);

    const report = result.copies![0]!;
    expect(report.removed).toEqual([]);
    expect(report.kept).toHaveLength(files.length);
    expect(report.kept.every((k) => /registration was under way/.test(k.reason))).toBe(true);
    expect(await listFiles(filesDir)).toHaveLength(files.length);
    expect(await holdfast.runtime.get(id)).toBeUndefined();
  }, 60_000);
});

describe('a load\'s cleanup and files its records do not name', () => {
  it("leaves another load's temporaries in the dataset folder when it completes (a watch's next batch may be copying beside it)", async () => {
    await makeSampleFolder(dir, { awkward: false, smallFiles: 3 });
    mkdirSync(folder(), { recursive: true });
    const anotherLoads = join(folder(), '.18f0000000a-0123456789ab.0123456789ab.holdfast-tmp');
    writeFileSync(anotherLoads, 'being copied by another load\n');
    holdfast = await openHoldfast({ store });
    const id = await startLoad(holdfast, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url }), TOKEN);

    expect((await settleLoad(holdfast, id)).state).toBe('completed');
    expect(readFileSync(anotherLoads, 'utf8')).toBe('being copied by another load\n');
  }, 60_000);

  it('never touches them, however alike their names, and removes only its own leftover temporaries', async () => {
    await makeSampleFolder(dir, { awkward: false, smallFiles: 3 });
    const id = await startRefusedLoad();
    expect((await settleLoad(holdfast!, id)).state).toBe('registrationFailed');
    const [sid, other] = [...(await copiesOf(id)).values()].map((c) => c.storageIdentifier) as [string, string];
    // A record naming a path out of the store, as a damaged or hostile record might.
    await holdfast!.runtime.records.put('entries', [id, 'fhostile'], { ...(await copiesOf(id)).values().next().value, key: 'fhostile', storageIdentifier: '../../../outside.txt' });
    await holdfast!.close();
    holdfast = undefined;
    const foreign = [
      join(folder(), `${sid}.orig`),
      join(folder(), `x${sid}`),
      join(folder(), `${sid.slice(0, -1)}${sid.endsWith('0') ? '1' : '0'}`), // one digit off
      join(folder(), '18f0000000a-0123456789ab'), // another load's copy
      join(folder(), `.${sid}.bak.holdfast-tmp`),
      join(folder(), `.${sid}x.0123456789ab.holdfast-tmp`),
      join(folder(), '.18f0000000a-0123456789ab.0123456789ab.holdfast-tmp'), // another load's temporary
      join(filesDir, '10.5072', 'FK2', 'OTHER', sid), // the same name in another dataset's folder
      join(filesDir, sid),
      join(root, 'outside.txt'),
    ].filter((path) => path !== inFolder(other)); // (a one-digit-off name could be the load's other copy)
    for (const path of foreign) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `foreign ${path}\n`);
    }
    const ownTemporary = join(folder(), `.${sid}.00112233aabb.holdfast-tmp`);
    writeFileSync(ownTemporary, 'half a copy');

    const run = await deleteLoad(id);

    expect(run.code, run.stderr).toBe(0);
    const report = run.result!.copies![0]!;
    expect(report.removed).toHaveLength(3);
    expect(report.temporaries).toBe(1);
    expect(report.kept).toEqual([{ storageIdentifier: '../../../outside.txt', reason: expect.stringContaining('not a storage identifier') }]);
    for (const path of foreign) expect(readFileSync(path, 'utf8'), path).toBe(`foreign ${path}\n`);
    expect((await listFiles(filesDir)).sort()).toEqual(foreign.filter((p) => p.startsWith(filesDir)).map(relativeToFiles).sort());
  }, 60_000);
});

describe('when Dataverse cannot be asked', () => {
  it('a delete removes nothing, keeps the job and says how to finish; a token or --keep-copies then finishes it', async () => {
    const files = await makeSampleFolder(dir);
    const id = await startRefusedLoad();
    expect((await settleLoad(holdfast!, id)).state).toBe('registrationFailed');
    await holdfast!.close();
    holdfast = undefined;
    const before = await listFiles(filesDir);
    expect(before).toHaveLength(files.length);

    const badToken = await deleteLoad(id, '--token', 'not-the-token');
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('COPIES_UNCONFIRMED');
    expect(badToken.stderr).toContain('DATAVERSE_AUTH');
    expect(badToken.stderr).toContain(`holdfast delete ${id} --token`);
    expect(badToken.stderr).not.toContain('not-the-token');
    expect(await listFiles(filesDir)).toEqual(before);
    // Paused for the delete, unpaused when it was refused: the load waits for a person as before.
    await withStore(store, (s) => {
      expect(s.getActor(id)).toMatchObject({ state: 'registrationFailed', status: 'active' });
      expect(s.getRecord('paused', id)).toBeUndefined();
    });

    await standin.close();
    const unreachable = await deleteLoad(id, '--token', TOKEN);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/COPIES_UNCONFIRMED.*DATAVERSE_UNAVAILABLE/s);
    expect(unreachable.stderr).toContain(`holdfast delete ${id} --keep-copies`);
    expect(await listFiles(filesDir)).toEqual(before);
    await withStore(store, (s) => expect([...s.scanRecords('entries', [id])]).toHaveLength(files.length));

    const keep = await deleteLoad(id, '--keep-copies');
    expect(keep.code, keep.stderr).toBe(0);
    const report = keep.result!.copies![0]!;
    expect(report.removed).toEqual([]);
    expect(report.kept).toHaveLength(files.length);
    expect(report.unconfirmed?.code).toBeDefined();
    expect(await listFiles(filesDir)).toEqual(before);
    await withStore(store, (s) => expect(s.getActor(id)).toBeUndefined());
  }, 90_000);

  it('a discard keeps every copy and says so; holdfast delete with a token removes them once Dataverse answers', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 6 });
    const bad = 'with space/file name with spaces.txt';
    holdfast = await openHoldfast({ store });
    const open = holdfast;
    const port = Number(new URL(standin.url).port);
    open.runtime.subscribe((event) => {
      if (event.type === 'actor.spawned' && event.id.endsWith(`/${fileKey(bad)}`)) {
        unlinkSync(join(dir, bad));
        execFileSync('mkfifo', [join(dir, bad)]);
        void standin.close(); // Dataverse goes away after the load found its dataset
      }
    });
    const id = await startLoad(open, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url }), TOKEN);
    const record = await settleLoad(open, id);
    expect(record.state).toBe('discarded');
    const report = (record.snapshot!.context as DataLoadContext).copies!;
    expect(report.unconfirmed?.code).toBe('DATAVERSE_UNAVAILABLE');
    expect(report.removed).toEqual([]);
    expect(report.kept).toHaveLength(files.length - 1);
    expect(await listFiles(filesDir)).toHaveLength(files.length - 1);
    const lines = describeSummary(await summarize(open.runtime, id, Date.now())).join('\n');
    expect(lines).toContain(`copies: 0 removed from ${folder()}, ${files.length - 1} kept`);
    expect(lines).toContain(`run \`holdfast delete ${id} --token-file FILE\` once it answers`);
    await holdfast.close();
    holdfast = undefined;
    await standin.close();
    standin = await startDataverseStandin({ port, token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
    const run = await deleteLoad(id, '--token', TOKEN);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result!.copies![0]!.removed).toHaveLength(files.length - 1);
    expect(await listFiles(filesDir)).toEqual([]);
  }, 90_000);
});

describe('a discarded load', () => {
  it('asks Dataverse, removes its copies and reports them in the ingest summary', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 6 });
    const bad = 'with space/file name with spaces.txt';
    holdfast = await openHoldfast({ store });
    const open = holdfast;
    open.runtime.subscribe((event) => {
      if (event.type === 'actor.spawned' && event.id.endsWith(`/${fileKey(bad)}`)) {
        unlinkSync(join(dir, bad));
        execFileSync('mkfifo', [join(dir, bad)]);
      }
    });
    const id = await startLoad(open, loadInput({ dir, dataset: PID, filesDir, dataverseUrl: standin.url }), TOKEN);
    const record = await settleLoad(open, id);
    expect(record.state).toBe('discarded');
    const report = (record.snapshot!.context as DataLoadContext).copies as CopiesReport;
    expect(report).toMatchObject({ folder: folder(), kept: [], temporaries: 0 });
    expect(report.removed).toHaveLength(files.length - 1);
    expect(await listFiles(filesDir)).toEqual([]);
    expect(describeSummary(await summarize(open.runtime, id, Date.now()))).toContain(`  copies: ${files.length - 1} removed from ${folder()}, 0 kept`);
    expect(standin.calls.some((c) => c.path.endsWith('/versions/:draft/files'))).toBe(true);
    expect(standin.calls.some((c) => c.path.endsWith('/addFiles'))).toBe(false);
  }, 60_000);
});

describe('a load that names no Dataverse', () => {
  it('keeps its copies on discard and on delete: each file ended at its copy, and no one can be asked', async () => {
    const files = await makeSampleFolder(dir, { smallFiles: 4 });
    const bad = 'with space/file name with spaces.txt';
    holdfast = await openHoldfast({ store });
    const open = holdfast;
    open.runtime.subscribe((event) => {
      if (event.type === 'actor.spawned' && event.id.endsWith(`/${fileKey(bad)}`)) {
        unlinkSync(join(dir, bad));
        execFileSync('mkfifo', [join(dir, bad)]);
      }
    });
    const id = await startLoad(open, loadInput({ dir, dataset: PID, filesDir }));
    expect((await settleLoad(open, id)).state).toBe('discarded');
    const report = ((await open.runtime.get(id))!.snapshot!.context as DataLoadContext).copies!;
    expect(report.removed).toEqual([]);
    expect(report.kept).toHaveLength(files.length - 1);
    expect(report.kept.every((k) => /names no Dataverse/.test(k.reason))).toBe(true);
    const copies = await listFiles(filesDir);
    expect(copies).toHaveLength(files.length - 1);
    // The files stored are recorded as loaded: their copies must stay for that record to hold.
    expect((await open.runtime.records.scan('loaded', [PID]))).toHaveLength(files.length - 1);

    const result = await open.deleteJob(id);
    expect(result.copies![0]!.removed).toEqual([]);
    expect(await listFiles(filesDir)).toEqual(copies);
    expect(standin.calls).toEqual([]);
  }, 60_000);
});

describe('holdfast delete of a completed load', () => {
  it('removes nothing Dataverse holds, published or not, directly or through the store\'s owner', async () => {
    const files: SampleFile[] = await makeSampleFolder(dir);
    const ingest = await runCli(['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const first = (ingest.json as SummaryJson).id;
    const before = await listFiles(filesDir);
    expect(before).toHaveLength(files.length);
    standin.publish(PID);

    const run = await deleteLoad(first);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result!.copies![0]).toMatchObject({ removed: [], temporaries: 0 });
    expect(run.result!.copies![0]!.kept).toHaveLength(files.length);
    expect(await listFiles(filesDir)).toEqual(before);
    expect(standin.registered(PID)).toHaveLength(files.length);

    // A second load of new files into the same dataset, deleted through the owner while it runs the store.
    const more = join(root, 'more');
    await makeSampleFolder(more, { awkward: false, smallFiles: 3 });
    const again = await runCli(['ingest', more, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = (again.json as SummaryJson).id;
    const all = await listFiles(filesDir);
    holdfast = await openHoldfast({ store });
    const answer = (await sendOwnerCommand(store, 'delete', { id: second })) as DeleteResult;
    expect(answer.copies![0]).toMatchObject({ load: second, removed: [] });
    expect(answer.copies![0]!.kept.every((k) => /registered it with Dataverse/.test(k.reason))).toBe(true);
    expect(await holdfast.runtime.get(actorId(second))).toBeUndefined();
    expect(await listFiles(filesDir)).toEqual(all);
  }, 90_000);
});
