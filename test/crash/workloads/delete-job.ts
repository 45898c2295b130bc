/**
 * Crash workload: opens the store (resuming nothing) and deletes one job with
 * `holdfast delete`'s path (openHoldfast().deleteJob), the fault points of
 * HOLDFAST_FAULT_POINTS armed only once the store is open, so `committer.beforeCommit:N`
 * counts the delete's own commits: 1 removes the actors with the marker, 2 is the
 * first of the records. Prints `DELETED <json>` when it ends.
 * Usage: delete-job.ts STORE ID [TOKEN]
 */
import { openHoldfast } from '../../../src/cli/assembly.js';
import { armFaultPointsFromSpec } from '../../../src/runtime/fault-points.js';

const [store, id, token] = process.argv.slice(2) as [string, string, string | undefined];
const holdfast = await openHoldfast({ store, resume: false, listen: false, notices: false });
armFaultPointsFromSpec(process.env.HOLDFAST_FAULT_POINTS);
try {
  console.log(`DELETED ${JSON.stringify(await holdfast.deleteJob(id, token !== undefined ? { token } : {}))}`);
} finally {
  await holdfast.close();
}
