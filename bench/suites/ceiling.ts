/**
 * (b) The ceiling: raw lmdb-js writing what holdfast writes per step, with no
 * XState and no runtime, batched as holdfast's committer batches (up to 5,000
 * steps per transaction, one transaction at a time, each awaiting `flushed`).
 *
 * Two write profiles, both with records encoded per step by holdfast's own codecs
 * (compact JSON + CRC-32 prefix, store format 3):
 *  - `brief`: actor record, journal entry, 2 index key changes (remove + put
 *    each), an inbox message put and the previous one removed: 8 writes a step;
 *  - `exact`: what suite (a) writes, step by step: spawn = record + 4 index puts
 *    + journal; effect step = record + 1 index change + journal; final step =
 *    record + 2 index changes + journal (5.3 writes a step on average).
 */
import { join } from 'node:path';
import { open, type Database } from 'lmdb';
import { encodeActorRecord } from '../../src/persistence/actor-codec.js';
import { encodeJournalEntry } from '../../src/persistence/journal-codec.js';
import { encodeRecord } from '../../src/persistence/record-codec.js';
import type { ActorId, ActorRecord } from '../../src/persistence/store.js';
import { round } from '../lib/stats.js';
import { report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

type Key = (string | number)[];
type Db = Database<Buffer, Key>;
const { quick } = suiteOptions();
const ACTORS = quick ? 10_000 : 100_000;
const STEPS_PER_ACTOR = 3;
const MAX_BATCH = 5_000; // committer.ts maxBatch
const PRESENT = Buffer.from([1]);
const STATES = ['first', 'second', 'done'] as const;

/** The actor record of the three-step machine after step `step` (0-based), as holdfast's. */
function actorRecord(id: string, i: number, step: number, now: number): ActorRecord {
  const state = STATES[step]!;
  const active = state !== 'done';
  return {
    id: id as ActorId, machine: 'three', version: '1', root: id as ActorId, status: active ? 'active' : 'done', state,
    snapshot: { value: state, context: { i }, status: active ? 'active' : 'done' },
    seq: step + 1,
    effects: active ? { [state]: { src: state, input: { i }, key: `${id}:${state}:${step + 1}`, attempt: 1 } } : {},
    timers: {}, createdAt: now, updatedAt: now,
  };
}

const cpuUsPerStep: Record<string, number> = {};

async function run(profile: 'brief' | 'exact'): Promise<number> {
  const folder = tempFolder(`ceiling-${profile}`);
  const root = open<Buffer, Key>({ path: join(folder.path, 'data.mdb'), encoding: 'binary', maxDbs: 12, compression: false });
  const db = (name: string): Db => root.openDB<Buffer, Key>({ name, encoding: 'binary', compression: false });
  const [actors, index, inbox, journal] = [db('actors'), db('index'), db('inbox'), db('journal')];

  /** One step's writes, encoded before the transaction as holdfast's store does. */
  const plan = (i: number, step: number, puts: [Db, Key, Buffer][], removes: [Db, Key][]) => {
    const id = `t${i}`;
    const now = Date.now();
    const record = actorRecord(id, i, step, now);
    const previous = step === 0 ? undefined : actorRecord(id, i, step - 1, now);
    puts.push([actors, [id], encodeActorRecord(record)]);
    puts.push([journal, [id, step + 1], encodeJournalEntry({ seq: step + 1, event: step === 0 ? 'xstate.init' : `xstate.done.actor.${previous!.state}`, from: previous?.state ?? '', to: record.state, at: now, durationMs: 0 })]);
    if (profile === 'brief') {
      for (const [kind, before, after] of [['m', previous?.state ?? '', record.state], ['s', previous?.status ?? '', record.status]] as const) {
        removes.push([index, kind === 'm' ? ['m', 'three', before, id] : ['s', before, id]]);
        puts.push([index, kind === 'm' ? ['m', 'three', after, id] : ['s', after, id], PRESENT]);
      }
      puts.push([inbox, [id, step + 1], encodeRecord({ to: id, seq: step + 1, event: { type: 'go', n: step }, from: 'parent' })]);
      removes.push([inbox, [id, step]]);
      return;
    }
    if (step === 0) {
      for (const key of [['p', '', id], ['r', id, id], ['m', 'three', 'first', id], ['s', 'active', id]]) puts.push([index, key, PRESENT]);
      return;
    }
    removes.push([index, ['m', 'three', previous!.state, id]]);
    puts.push([index, ['m', 'three', record.state, id], PRESENT]);
    if (record.status !== previous!.status) {
      removes.push([index, ['s', previous!.status, id]]);
      puts.push([index, ['s', record.status, id], PRESENT]);
    }
  };

  const total = ACTORS * STEPS_PER_ACTOR;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // Steps in the order the runtime takes them: every actor's step 0, then step 1, then step 2.
  for (let n = 0; n < total; n += MAX_BATCH) {
    const puts: [Db, Key, Buffer][] = [];
    const removes: [Db, Key][] = [];
    for (let k = n; k < Math.min(total, n + MAX_BATCH); k++) plan(k % ACTORS, Math.floor(k / ACTORS), puts, removes);
    await root.batch(() => {
      for (const [target, key] of removes) void target.remove(key);
      for (const [target, key, value] of puts) void target.put(key, value);
    });
    await root.flushed;
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  cpuUsPerStep[profile] = round((cpu.user + cpu.system) / total, 1);
  if (actors.getKeysCount() !== ACTORS) throw new Error('ceiling wrote the wrong number of actors');
  await root.close();
  folder.remove();
  return total / (elapsedMs / 1000);
}

const brief = await run('brief');
const exact = await run('exact');
report({
  ceilingStepsPerSec: Math.round(brief),
  ceilingExactStepsPerSec: Math.round(exact),
  ceilingCpuUsPerStep: cpuUsPerStep.brief!,
  ceilingExactCpuUsPerStep: cpuUsPerStep.exact!,
  ceilingBatch: MAX_BATCH,
});
