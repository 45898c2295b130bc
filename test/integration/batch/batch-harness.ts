/** A runtime over a real LMDB store in a temp folder, with the batch-job machines and API. */
import { join } from 'node:path';
import { batchJobMachines, createBatchJobs, createRuntime, defineApplication, openLmdbStore, type Application, type BatchJobs, type ItemInput, type Runtime } from '../../../src/index.js';
import { tempFolder } from '../../helpers/temp-store.js';

export interface Harness {
  runtime: Runtime;
  jobs: BatchJobs;
  folder: string;
  close(): Promise<void>;
}

/** Opens (or reopens) a store folder with these applications. */
export async function openBatch(applications: Application[], folder = join(tempFolder('holdfast-batch-'), 'store'), options: { chunkSize?: number } = {}): Promise<Harness> {
  const store = openLmdbStore(folder);
  const runtime = await createRuntime({ store, machines: batchJobMachines(applications, { ...options }) });
  const jobs = createBatchJobs(runtime, applications);
  return {
    runtime,
    jobs,
    folder,
    close: async () => {
      await runtime.close();
      await store.close();
    },
  };
}

/** `count` items `i0..` whose value is `{ n }`. */
export function numbers(count: number): ItemInput[] {
  return Array.from({ length: count }, (_, n) => ({ id: `i${n}`, value: { n } }));
}

/** double -> plus (after double) -> label (after plus); throws on multiples of `failEvery` at `plus`. */
export function arithmetic(options: { failEvery?: number; version?: string; name?: string } = {}): Application {
  return defineApplication({
    name: options.name ?? 'arith',
    ...(options.version ? { version: options.version } : {}),
    steps: [
      { name: 'double', run: (item) => (item as { n: number }).n * 2 },
      {
        name: 'plus',
        after: ['double'],
        run: (item, inputs, context) => {
          const n = (item as { n: number }).n;
          if (options.failEvery && n % options.failEvery === 0) throw Object.assign(new Error(`cannot take ${n}`), { code: 'BAD_NUMBER' });
          return (inputs.double as number) + Number((context.config as { add?: number } | null)?.add ?? 1);
        },
      },
      { name: 'label', after: ['plus'], run: async (_item, inputs) => `v${String(inputs.plus)}` },
    ],
  });
}
