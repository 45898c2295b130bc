/**
 * Crash workload for the Store conformance suite (test/conformance/lmdb-crash.test.ts):
 * commits one step after another into the LMDB store, two in flight at a time as the
 * committer pipelines them, until killed. Commit n sets record c/n and fifty records
 * c/k<i> to n, moves record c/d<n-1> to c/d<n>, steps actor a1 to state s<n> (seq n)
 * with its journal entry n. Prints READY once open, then `ACK n` once commit n resolved.
 * Usage: store-commits.ts STORE
 */
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import type { ActorId, ActorRecord, Mutation } from '../../../src/persistence/store.js';

const store = openLmdbStore(process.argv[2]!);
const a1 = 'a1' as ActorId;
let previous = store.getActor(a1);
let n = store.getRecord<number>('c', 'n') ?? 0;
console.log('READY');

function step(seq: number): Mutation[] {
  const record: ActorRecord = { id: a1, machine: 'worker', version: '1', root: a1, status: 'active', state: `s${seq}`, snapshot: { value: `s${seq}`, context: { seq }, status: 'active' }, seq, effects: {}, timers: {}, createdAt: 0, updatedAt: seq };
  const mutations: Mutation[] = [{ op: 'putRecord', collection: 'c', key: 'n', value: seq }];
  for (let i = 0; i < 50; i++) mutations.push({ op: 'putRecord', collection: 'c', key: `k${i}`, value: seq });
  mutations.push({ op: 'deleteRecord', collection: 'c', key: `d${seq - 1}` }, { op: 'putRecord', collection: 'c', key: `d${seq}`, value: seq });
  mutations.push({ op: 'putActor', record, ...(previous ? { previous } : {}) }, { op: 'putJournal', actor: a1, entry: { seq, event: 'step', from: `s${seq - 1}`, to: `s${seq}`, at: seq, durationMs: 0 } });
  previous = record;
  return mutations;
}

/** As the committer: a commit is handed over once the one before is written, two at most not yet durable. */
let inFlight = 0;
let writing = false;
function pump(): void {
  if (writing || inFlight >= 2) return;
  const seq = ++n;
  inFlight++;
  writing = true;
  const written = () => {
    if (!writing) return;
    writing = false;
    setImmediate(pump);
  };
  store.commit(step(seq), 'commit', written).then(
    () => {
      console.log(`ACK ${seq}`);
      inFlight--;
      written();
      setImmediate(pump);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
pump();
