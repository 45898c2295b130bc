/**
 * Starts a tally job with the host module's kind and waits for it:
 *   npx tsx start-tally.ts --store ./.holdfast FILE
 * Prints the job's id. A host app would do the same through `openHoldfast`.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { openHoldfast } from '../../src/index.js';
import { tallyKind } from './holdfast.config.js';
import { TALLY_MACHINE } from './tally.machine.js';

const args = process.argv.slice(2);
const at = args.indexOf('--store');
const store = at === -1 ? './.holdfast' : args.splice(at, 2)[1]!;
const file = args[0];
if (!file) {
  console.error('usage: start-tally.ts [--store DIR] FILE');
  process.exit(2);
}
const holdfast = await openHoldfast({ store, kinds: [tallyKind], notices: false });
try {
  const job = `tally-${randomBytes(4).toString('hex')}`;
  await holdfast.runtime.spawn(TALLY_MACHINE, { job, file: resolve(file) }, { id: job });
  const done = await holdfast.runtime.waitFor(job, (record) => record.status !== 'active', 60_000);
  console.log(job);
  process.exitCode = done.state === 'counted' ? 0 : 1;
} finally {
  await holdfast.close();
}
