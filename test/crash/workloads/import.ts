/**
 * Crash workload: owns a store through the default assembly and runs one
 * import batch (`imp`) against a service URL until it is final. Spawns the
 * batch only on the first run; later runs resume it. Prints READY once open,
 * DONE when the batch is final. Usage: import.ts STORE FILE LINK_TAGS SERVICE_URL
 */
import { openHoldfast } from '../../../src/cli/assembly.js';

const [store, file, linkTags, service] = process.argv.slice(2);
// Four service calls at a time: slow enough that the kills land mid-import, many times.
const holdfast = await openHoldfast({ store: store!, listen: false, limits: { queues: { import: 4 } } });
console.log('READY');
const { runtime } = holdfast;
if (!(await runtime.get('imp'))) await runtime.spawn('importBatch', { file, linkTags, service, onComplete: `${service}/complete`, window: 40 }, { id: 'imp' });
await runtime.waitFor('imp', (record) => record.status !== 'active', 600_000);
console.log('DONE');
await holdfast.close();
