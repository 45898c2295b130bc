/**
 * The nemesis (issue 16, item 6; RELIABILITY.md, "Faults from outside the
 * tests' own script"): a Jepsen-style run. Two workloads run side by side, each
 * owning its own store on one small tmpfs: a data load (`ingest --allow-partial`,
 * then `resume` after every interruption) against a Dataverse stand-in that this
 * process runs, and a batch job run whose `format` step appends to a ledger. A
 * seeded nemesis, at random instants, does one of:
 *   kill    SIGKILL a workload (it is restarted, as a person would);
 *   unlink  delete every file holdfast keeps beside LMDB's own in a store folder
 *           (lock, socket, temporaries), then try to take the store as a second
 *           owner: it must be refused while the first lives;
 *   fill    fill the tmpfs (store and files dir alike), hold it full a while, free it;
 *   damage  SIGKILL a workload, flip a byte in one child's record, restart it.
 * After each round every workload is run to its end with no faults, bounded in
 * time, and a checker asserts: no file registered twice, none missing but a
 * damaged one; no batch item with two outcomes or none; every damaged actor
 * parked and named RECORD_CORRUPT; no run ended by a signal the nemesis did not
 * send. Prints its fault counts. Repeatable: HOLDFAST_CRASH_SEED=<seed>.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import type { ExceptionRecord, ItemPage } from '../../src/adapters/batch/batch-records.js';
import { openLmdbStore } from '../../src/index.js';
import { readLiveOwner } from '../../src/persistence/store-lock.js';
import { readListedActor } from '../../src/runtime/listed-actors.js';
import { listFiles, makeSampleFolder, md5OfFile, type SampleFile } from '../helpers/dataload.js';
import { corruptActorRecord } from '../helpers/corrupt-record.js';
import { diskFiller, type Filler } from '../helpers/nemesis/filler.js';
import { deleteStoreSideFiles, target, type Target } from '../helpers/nemesis/targets.js';
import { crashSeed, fullScale, startWorkload, waitForOutput } from '../helpers/processes.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const TOKEN = 'token-nemesis-5a1c9e2b-7d3f-4a6b-9c8d-1e2f3a4b5c6d';
const PID = 'doi:10.5072/FK2/NEMESIS';
const FAULTS = fullScale ? 200 : 36;
const FAULTS_PER_ROUND = 12;
const ITEMS = 1_200;
/** The batch workload's partition (`size:100`): batch N holds items N*100 to N*100+99. */
const BATCH_SIZE = 100;
const FINAL_RUN_MS = 90_000;

type FaultKind = 'kill' | 'unlink' | 'fill' | 'damage';

let source: string;
let files: SampleFile[];
let disk: string;
let tmpfs: Tmpfs;
let filler: Filler;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'holdfast-nemesis-source-'));
  files = await makeSampleFolder(source, { smallFiles: 60, mediumFiles: { count: 3, bytes: 2 * 1_048_576 } });
  disk = mkdtempSync(join(tmpdir(), 'holdfast-nemesis-disk-'));
  tmpfs = mountTmpfs(disk, '64m');
  filler = diskFiller(disk);
});

afterAll(() => {
  tmpfs.unmount();
  rmSync(disk, { recursive: true, force: true });
  rmSync(source, { recursive: true, force: true });
});

interface Round {
  folder: string;
  standin: DataverseStandin;
  load: Target;
  batch: Target;
  ledger: string;
  /** The relative paths of the files whose datafile records were damaged. */
  damagedFiles: Set<string>;
}

async function newRound(index: number): Promise<Round> {
  const folder = join(disk, `round-${index}`);
  mkdirSync(folder);
  const filesDir = join(folder, 'files');
  const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
  // The ledger stands for the outside world the batch acts on: off the disk the nemesis fills.
  const ledger = join(mkdtempSync(join(tmpdir(), 'holdfast-nemesis-ledger-')), 'ledger');
  const load = target('load', join(folder, 'load-store'), 'dataload', [join(folder, 'load-store'), source, filesDir, standin.url, TOKEN, PID, '10'], 'EXIT 0', {
    HOLDFAST_INGEST_FLAGS: '--allow-partial',
  });
  const batch = target('batch', join(folder, 'batch-store'), 'nemesis-batch', [join(folder, 'batch-store'), String(ITEMS), ledger], 'DONE');
  return { folder, standin, load, batch, ledger, damagedFiles: new Set() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tries to take a store as a second owner; true when it became owner. */
async function secondOwnerTakes(store: string): Promise<boolean> {
  const second = startWorkload('try-owner', [store]);
  await second.exited;
  return second.output().includes('OWNER');
}

/** The child actors of a workload's job that a damage may pick. */
async function childrenOf(t: Target, machine: string): Promise<Array<{ id: string; path: string | undefined }>> {
  const store = openLmdbStore(t.store, { readOnly: true });
  try {
    return [...store.queryActors({ machine })]
      .filter((record) => record.status !== 'parked')
      .map((record) => ({ id: record.id, path: (record.snapshot?.context as { relativePath?: string } | undefined)?.relativePath }));
  } finally {
    await store.close();
  }
}

async function applyFault(kind: FaultKind, round: Round, t: Target, random: () => number, problems: string[]): Promise<boolean> {
  switch (kind) {
    case 'kill':
      await t.kill();
      t.restart();
      return true;
    case 'unlink': {
      // Only while the workload holds the store (the kernel's lock says so), not while it starts or closes.
      const run = t.current;
      if (!run || readLiveOwner(t.store)?.pid !== run.child.pid) return false;
      deleteStoreSideFiles(t.store);
      const took = await secondOwnerTakes(t.store);
      const stillOwner = run.child.exitCode === null && run.child.signalCode === null && !run.output().includes(t.doneMarker);
      if (took && stillOwner) problems.push(`${t.name}: a second owner took the store while pid ${run.child.pid} owned it`);
      return true;
    }
    case 'fill':
      filler.fill();
      await sleep(300 + Math.floor(random() * 1_200));
      filler.free();
      return true;
    case 'damage': {
      if (t.damaged.length > 0) return false;
      await t.kill();
      const children = await childrenOf(t, t === round.load ? 'datafile' : 'batch').catch(() => []);
      const victim = children[Math.floor(random() * children.length)];
      if (victim) {
        await corruptActorRecord(t.store, victim.id);
        t.damaged.push(victim.id);
        if (victim.path) round.damagedFiles.add(victim.path);
      }
      t.restart();
      return victim !== undefined;
    }
  }
}

function pickFault(random: () => number): FaultKind {
  const roll = random();
  return roll < 0.4 ? 'kill' : roll < 0.6 ? 'unlink' : roll < 0.85 ? 'fill' : 'damage';
}

/** What every run of a target must show: no death by a signal the nemesis did not send, no exit but 0 or 1. */
function checkExits(t: Target, problems: string[]): void {
  for (const exit of t.exits) {
    if (exit.signal && !exit.killedByNemesis) problems.push(`${t.name}: a run died of ${exit.signal}:\n${exit.output.slice(-2_000)}\nstderr: ${exit.errors.slice(-3_000)}`);
    if (exit.code !== null && exit.code !== 0 && exit.code !== 1) problems.push(`${t.name}: a run exited ${exit.code}:\n${exit.output.slice(-1_000)}\n${exit.errors.slice(-2_000)}`);
    // Exit 1 is work that waits or failed, said plainly: never an error holdfast did not expect.
    if (exit.errors.includes('[UNEXPECTED]') || /^Node\.js v\d/m.test(exit.errors)) problems.push(`${t.name}: a run ended on an unexpected error:\n${exit.errors.slice(-2_000)}`);
  }
}

/** Every damaged actor is parked with RECORD_CORRUPT. */
async function checkDamaged(t: Target, problems: string[]): Promise<void> {
  if (t.damaged.length === 0) return;
  const store = openLmdbStore(t.store, { readOnly: true });
  try {
    for (const id of t.damaged) {
      // As the views read it: a damaged record nobody touched since is listed as parked, never dropped.
      const record = await readListedActor(store, id);
      if (record?.status !== 'parked' || record.error?.code !== 'RECORD_CORRUPT') problems.push(`${t.name}: damaged ${id} is ${record?.status ?? 'gone'} (${record?.error?.code ?? 'no error'}), not parked as RECORD_CORRUPT`);
    }
  } finally {
    await store.close();
  }
}

async function checkLoad(round: Round, problems: string[]): Promise<void> {
  const registered = round.standin.registered(PID);
  const byPath = new Map<string, typeof registered>();
  for (const file of registered) {
    const path = file.directoryLabel ? `${file.directoryLabel}/${file.fileName}` : file.fileName;
    byPath.set(path, [...(byPath.get(path) ?? []), file]);
  }
  const folder = round.standin.folderOf(PID);
  for (const file of files) {
    const matches = byPath.get(file.relativePath) ?? [];
    if (matches.length > 1) problems.push(`load: ${file.relativePath} registered ${matches.length} times`);
    if (matches.length === 0 && !round.damagedFiles.has(file.relativePath)) problems.push(`load: ${file.relativePath} is missing, and its record was not damaged`);
    const match = matches[0];
    if (!match) continue;
    if (match.checksum.value !== file.md5 || match.size !== file.size) problems.push(`load: ${file.relativePath} registered as ${match.size} bytes, MD5 ${match.checksum.value}`);
    const copy = await md5OfFile(join(folder, match.storageIdentifier.replace(/^file:\/\//, ''))).catch(() => 'no copy');
    if (copy !== file.md5) problems.push(`load: the copy of ${file.relativePath} hashes to ${copy}`);
  }
  const temporaries = (await listFiles(join(round.folder, 'files'))).filter((path) => path.endsWith('.holdfast-tmp'));
  if (temporaries.length > 0) problems.push(`load: temporaries left: ${temporaries.join(', ')}`);
  const store = openLmdbStore(round.load.store, { readOnly: true });
  try {
    const loads = [...store.queryActors({ machine: 'dataload' })];
    if (loads.length !== 1 || loads[0]!.state !== 'completed') problems.push(`load: ${loads.map((l) => `${l.id} ${l.status}/${l.state}`).join(', ')}, expected one completed load`);
  } finally {
    await store.close();
  }
}

async function checkBatch(round: Round, problems: string[]): Promise<void> {
  const store = openLmdbStore(round.batch.store, { readOnly: true });
  try {
    const job = [...store.queryActors({ machine: 'batchJob' })][0];
    if (!job) return void problems.push('batch: no job');
    const ids = [...store.scanRecords<ItemPage>('batch.items', [job.id])].flatMap((r) => r.value.map(([id]) => id));
    const results = new Set([...store.scanRecords('batch.results', [job.id])].map((r) => String((r.key as unknown[])[1])));
    const exceptions = new Set([...store.scanRecords<ExceptionRecord>('batch.exceptions', [job.id])].map((r) => String((r.key as unknown[])[1])));
    // A damaged batch counts as a failed batch (docs/guarantees.md): its items may have no outcome, never two.
    const damagedBatches = new Set(round.batch.damaged.map((id) => Number(/\/b(\d+)\.r\d+$/.exec(id)?.[1])));
    if (ids.length !== ITEMS) problems.push(`batch: ${ids.length} items, expected ${ITEMS}`);
    for (const [index, id] of ids.entries()) {
      if (results.has(id) && exceptions.has(id)) problems.push(`batch: ${id} has a result and an exception`);
      if (!results.has(id) && !exceptions.has(id) && !damagedBatches.has(Math.floor(index / BATCH_SIZE))) problems.push(`batch: ${id} has no outcome`);
    }
    const ledger = new Set(readFileSync(round.ledger, 'utf8').split('\n').filter(Boolean).map((n) => `item-${n}`));
    for (const id of results) if (!ledger.has(id)) problems.push(`batch: ${id} has a result but its side effect never ran`);
  } finally {
    await store.close();
  }
}

describe('crash: the nemesis', () => {
  it(`loses nothing under ${FAULTS} seeded faults: kills, deleted lock files, full disks, damaged records`, async (context) => {
    if (!tmpfs.mounted) {
      if (process.env.CI) throw new Error(`the nemesis needs a tmpfs: ${tmpfs.skipReason}`);
      return context.skip(tmpfs.skipReason);
    }
    const { seed, random } = crashSeed();
    const started = Date.now();
    const tally: Record<FaultKind, number> = { kill: 0, unlink: 0, fill: 0, damage: 0 };
    let faults = 0;
    let rounds = 0;
    while (faults < FAULTS) {
      const round = await newRound(rounds++);
      const problems: string[] = [];
      round.load.start();
      round.batch.start();
      await Promise.all([waitForOutput(round.load.current!, 'RUN '), waitForOutput(round.batch.current!, 'READY')]);
      for (let inRound = 0; inRound < FAULTS_PER_ROUND && faults < FAULTS; ) {
        await sleep(50 + Math.floor(random() * 400));
        for (const t of [round.load, round.batch]) t.restart(); // a run that exited 1 (waiting on space) is run again
        const live = [round.load, round.batch].filter((t) => t.current && !t.finished);
        if (live.length === 0) break;
        const t = live[Math.floor(random() * live.length)]!;
        const kind = pickFault(random);
        if (await applyFault(kind, round, t, random, problems)) {
          tally[kind]++;
          faults++;
          inRound++;
        }
      }
      for (const t of [round.load, round.batch]) {
        if (!(await t.runToEnd(FINAL_RUN_MS))) problems.push(`${t.name}: did not end within ${FINAL_RUN_MS} ms of the last fault:\n${t.exits.at(-1)?.output.slice(-2_000) ?? ''}`);
        checkExits(t, problems);
        await checkDamaged(t, problems);
      }
      if (round.load.finished) await checkLoad(round, problems);
      if (round.batch.finished) await checkBatch(round, problems);
      await round.standin.close();
      expect(problems, `seed ${seed}, round ${rounds}`).toEqual([]);
      rmSync(round.folder, { recursive: true, force: true });
      rmSync(dirname(round.ledger), { recursive: true, force: true });
    }
    console.log(`nemesis seed ${seed}: ${faults} faults (${JSON.stringify(tally)}) in ${rounds} rounds, ${Date.now() - started} ms`);
    expect(faults).toBeGreaterThanOrEqual(FAULTS);
  }, fullScale ? 1_800_000 : 300_000); // 200 faults take about 4 minutes alone, far longer on a busy machine
});
