/**
 * The BullMQ side of suite (e), in its own process as a deployment would run
 * it: one Worker, no-op jobs. Prints READY once connected, DONE after `count` completions.
 * Arguments: port queue count concurrency.
 */
import { Worker } from 'bullmq';

const [port, queue, count, concurrency] = process.argv.slice(2);
let completed = 0;
const worker = new Worker(queue!, async () => null, {
  connection: { host: '127.0.0.1', port: Number(port) },
  concurrency: Number(concurrency),
});
worker.on('completed', () => {
  if (++completed === Number(count)) process.stdout.write('DONE\n');
});
worker.on('error', (error) => process.stderr.write(`${String(error)}\n`));
await worker.waitUntilReady();
process.stdout.write('READY\n');
process.stdin.on('end', () => void worker.close().then(() => process.exit(0)));
process.stdin.resume();
