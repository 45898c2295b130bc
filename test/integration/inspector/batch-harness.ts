/**
 * A runtime with the batch-job machines, the batch-jobs library and the
 * inspector over them, on 127.0.0.1:0; and `review`, an application whose DAG
 * is a diamond (parse -> geocode, classify -> merge) that fails the items a
 * test marks broken at `geocode`, and sleeps `delayMs` per item when asked.
 */
import { join } from 'node:path';
import { batchJobInspector, batchJobMachines, createBatchJobs, createRuntime, defineApplication, openLmdbStore, startServer, type Application, type BatchJobs, type ItemInput, type Runtime, type ServerHandle, type ServerOptions } from '../../../src/index.js';
import { tempFolder } from '../../helpers/temp-store.js';

export interface BatchHarness {
  runtime: Runtime;
  jobs: BatchJobs;
  server: ServerHandle;
  wsUrl: string;
  close(): Promise<void>;
}

/** What the `review` application does: items whose `n` is in `broken` fail at geocode; each item takes `delayMs`. */
export interface ReviewControl {
  broken: (n: number) => boolean;
  delayMs: number;
}

export function reviewApp(control: ReviewControl): Application {
  return defineApplication({
    name: 'review',
    version: '1',
    steps: [
      { name: 'parse', run: (item) => ({ n: (item as { n: number }).n }) },
      {
        name: 'geocode',
        after: ['parse'],
        run: async (_item, inputs) => {
          const { n } = inputs.parse as { n: number };
          if (control.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, control.delayMs));
          if (control.broken(n)) throw Object.assign(new Error(`no place for ${n}`), { code: 'NO_PLACE' });
          return { lat: n, lon: -n };
        },
      },
      { name: 'classify', after: ['parse'], run: (_item, inputs) => ((inputs.parse as { n: number }).n % 2 === 0 ? 'even' : 'odd') },
      { name: 'merge', after: ['geocode', 'classify'], run: (_item, inputs) => ({ ...(inputs.geocode as object), kind: inputs.classify }) },
    ],
  });
}

/** `count` items `i000..` with value `{ n, note }` (`note` pads the input). */
export function items(count: number, note = ''): ItemInput[] {
  return Array.from({ length: count }, (_, n) => ({ id: `i${String(n).padStart(3, '0')}`, value: { n, note } }));
}

/**
 * `server`: options for startServer; `batchJobs: false` starts the inspector without batch jobs
 * (the batch-job kind's inspector without them); `inspectorApplications`: the applications its
 * inspector is given (default: `applications`); `folder`: where the store goes (default: a
 * temporary folder removed after the current test).
 */
export async function startBatchHarness(applications: Application[], options: { server?: ServerOptions; batchJobs?: boolean; inspectorApplications?: Application[]; chunkSize?: number; folder?: string } = {}): Promise<BatchHarness> {
  const store = openLmdbStore(join(options.folder ?? tempFolder('holdfast-inspector-batch-'), 'store'));
  const machines = batchJobMachines(applications, { chunkSize: options.chunkSize ?? 10 });
  const runtime = await createRuntime({ store, machines });
  const jobs = createBatchJobs(runtime, applications);
  let server: ServerHandle;
  try {
    const inspector = batchJobInspector(runtime, options.batchJobs === false ? undefined : jobs, options.inspectorApplications ?? applications);
    server = await startServer(runtime, { port: 0, machines, ...(options.batchJobs === false ? {} : { batchJobs: jobs }), inspectors: [inspector], ...options.server });
  } catch (error) {
    await runtime.close();
    await store.close();
    throw error;
  }
  return {
    runtime,
    jobs,
    server,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    close: async () => {
      await server.close();
      await runtime.close();
      await store.close();
    },
  };
}
