/**
 * One import of a graph written by import-graph.ts, in this process, against the
 * in-process service: its speed, its peak memory and its major page faults (pages
 * read back from disk: what an import whose store outgrows memory pays). Shared by
 * the import and import-large suites.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { importMachines } from '../../src/adapters/import/import-machines.js';
import { inProcessService } from '../../src/adapters/import/import-service.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import type { ImportBatchContext } from '../../src/machines/import-batch.machine.js';
import { residentMb } from './import-graph.js';
import { MB, round } from './stats.js';
import type { Figures } from './suite.js';

export async function runImport(options: { storeFolder: string; file: string; linkTags: string; objects: number; log?: (line: string) => void }): Promise<Figures> {
  const { storeFolder, file, linkTags, objects } = options;
  let calls = 0;
  const service = inProcessService({
    createObject: async (request) => ((calls++), { identifiers: { id: request.idempotencyKey } }),
    createLink: async (request) => ((calls++), { identifiers: { id: request.idempotencyKey } }),
  });
  const store = openLmdbStore(join(storeFolder, 'store'));
  const runtime = await createRuntime({ store, machines: importMachines({ services: { bench: service } }), durability: 'flush' });
  let steps = 0;
  runtime.subscribe((event) => {
    if (event.type === 'actor.stepped' || event.type === 'actor.spawned') steps++;
    if (event.type === 'actor.parked') options.log?.(`parked ${event.id}: ${event.error.message}`);
  });
  const baseRssMb = process.memoryUsage().rss / MB;
  // Peak RSS counts the store's memory map (file-backed pages, the OS can drop them); anonymous RSS is the process's own.
  let peakAnonMb = 0;
  let peakFileMb = 0;
  const sampler = setInterval(() => {
    const { anon, file: mapped } = residentMb();
    peakAnonMb = Math.max(peakAnonMb, anon);
    peakFileMb = Math.max(peakFileMb, mapped);
  }, 100);
  const faultsBefore = process.resourceUsage().majorPageFault;
  const started = performance.now();
  await runtime.spawn('importBatch', { file, linkTags, service: 'bench' }, { id: 'bench' });
  const record = await runtime.waitFor('bench', (r) => r.status !== 'active', 6 * 3_600_000);
  const seconds = (performance.now() - started) / 1000;
  const majorFaults = process.resourceUsage().majorPageFault - faultsBefore;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  clearInterval(sampler);
  const context = record.snapshot!.context as ImportBatchContext;
  if (record.state !== 'complete' || context.objects.complete !== objects || context.links.complete !== objects * 2) {
    throw new Error(`import ended ${record.state}: ${JSON.stringify({ objects: context.objects, links: context.links, error: context.error })}`);
  }
  await runtime.close();
  await store.close();
  const storeMb = statSync(join(storeFolder, 'store', 'data.mdb')).size / MB;
  options.log?.(`import of ${objects} objects: peak RSS ${Math.round(peakRssMb)} MB = anonymous ${Math.round(peakAnonMb)} MB + file-backed ${Math.round(peakFileMb)} MB (store ${Math.round(storeMb)} MB), ${majorFaults} major faults`);
  return {
    objectsPerSec: Math.round(objects / seconds),
    linksPerSec: Math.round((objects * 2) / seconds),
    durableStepsPerSec: Math.round(steps / seconds),
    durableSteps: steps,
    serviceCalls: calls,
    seconds: round(seconds, 1),
    peakRssMb: Math.round(peakRssMb),
    peakAnonRssMb: Math.round(peakAnonMb),
    peakFileRssMb: Math.round(peakFileMb),
    majorFaults,
    storeMb: Math.round(storeMb),
    baseRssMb: Math.round(baseRssMb),
    objects,
    links: objects * 2,
  };
}
