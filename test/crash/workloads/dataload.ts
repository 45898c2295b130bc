/**
 * Crash workload: the data load through the CLI's own `main()`. The first run
 * of a store is `holdfast ingest DIR`; once the store holds a load, each run is
 * `holdfast resume`, as a person would restart it. The Dataverse stand-in runs
 * in the test process, so it outlives every kill. Arms the fault points named
 * in HOLDFAST_FAULT_POINTS. Prints `RUN ingest|resume` before the command and
 * `EXIT <code>` after it; the command's --json summary comes in between.
 * Usage: dataload.ts STORE DIR FILES_DIR DATAVERSE_URL TOKEN PID CHUNK_SIZE;
 * HOLDFAST_INGEST_FLAGS adds flags to the first run's ingest (e.g. `--allow-partial`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { HoldfastError } from '../../../src/errors.js';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { armFaultPointsFromSpec } from '../../../src/runtime/fault-points.js';

armFaultPointsFromSpec(process.env.HOLDFAST_FAULT_POINTS);
const [store, dir, filesDir, url, token, pid, chunkSize] = process.argv.slice(2) as [string, string, string, string, string, string, string];

/** True once a load was created in the store (its spawn is durable before ingest goes on). */
async function hasLoad(): Promise<boolean> {
  if (!existsSync(join(store, 'data.mdb'))) return false;
  let readOnly;
  try {
    readOnly = openLmdbStore(store, { readOnly: true });
  } catch (error) {
    if (error instanceof HoldfastError && error.code === 'STORE_MISSING') return false; // its creation was cut short
    throw error;
  }
  try {
    return readOnly.countActors({ machine: 'dataload' }) > 0;
  } finally {
    await readOnly.close();
  }
}

const ingestFlags = (process.env.HOLDFAST_INGEST_FLAGS ?? '').split(' ').filter(Boolean);
const mode = (await hasLoad()) ? 'resume' : 'ingest';
console.log(`RUN ${mode}`);
const argv =
  mode === 'ingest'
    ? ['ingest', dir, '--dataset', pid, '--files-dir', filesDir, '--dataverse', url, '--token', token, '--chunk-size', chunkSize, '--store', store, '--json', ...ingestFlags]
    : ['resume', '--store', store, '--json'];
const code = await main(argv);
console.log(`EXIT ${code}`);
process.exitCode = code;
