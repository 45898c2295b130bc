/**
 * Where an import's memory goes, second by second: the import suite's graph
 * against the in-process service, printing RssAnon / RssFile / V8 heap each
 * second, then the peak and each store table's size. For looking, not a target:
 * `npm run bench -- --only import` measures the figures.
 * Usage: node --expose-gc --import tsx bench/tools/import-memory.ts [OBJECTS=100000]
 */
import { join } from 'node:path';
import { open } from 'lmdb';
import { importMachines } from '../../src/adapters/import/import-machines.js';
import { inProcessService } from '../../src/adapters/import/import-service.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { residentMb, writeImportGraph } from '../lib/import-graph.js';
import { MB } from '../lib/stats.js';
import { tempFolder } from '../lib/temp.js';

const objects = Number(process.argv[2] ?? 100_000);
const folder = tempFolder('import-memory');
const { file, linkTags } = writeImportGraph(folder.path, objects);
const answer = async (request: { idempotencyKey: string }) => ({ identifiers: { id: request.idempotencyKey } });
const storePath = join(folder.path, 'store');
const store = openLmdbStore(storePath);
const runtime = await createRuntime({ store, machines: importMachines({ services: { memory: inProcessService({ createObject: answer, createLink: answer }) } }), durability: 'flush' });
let steps = 0;
runtime.subscribe((event) => void (event.type === 'actor.stepped' && steps++));

const started = performance.now();
const peak = { anon: 0, file: 0, total: 0 };
const mb = (bytes: number) => Math.round(bytes / MB);
const sampler = setInterval(() => {
  const { anon, file: mapped } = residentMb();
  Object.assign(peak, { anon: Math.max(peak.anon, anon), file: Math.max(peak.file, mapped), total: Math.max(peak.total, anon + mapped) });
  const heap = process.memoryUsage();
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`${seconds}s steps ${steps} anon ${Math.round(anon)} MB file ${Math.round(mapped)} MB heap used ${mb(heap.heapUsed)} of ${mb(heap.heapTotal)} MB\n`);
}, 1000);
await runtime.spawn('importBatch', { file, linkTags, service: 'memory' }, { id: 'memory' });
const record = await runtime.waitFor('memory', (r) => r.status !== 'active', 3_600_000);
clearInterval(sampler);
await runtime.close();
await store.close();
process.stdout.write(`${record.state} in ${((performance.now() - started) / 1000).toFixed(1)} s; peak sampled anon ${Math.round(peak.anon)} MB, file ${Math.round(peak.file)} MB, sum ${Math.round(peak.total)} MB; maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);

const env = open({ path: join(storePath, 'data.mdb'), maxDbs: 12, readOnly: true });
for (const name of ['actors', 'index', 'journal', 'records', 'inbox', 'timers']) {
  const stats = env.openDB({ name }).getStats() as { entryCount: number; pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
  const pages = stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
  process.stdout.write(`table ${name}: ${stats.entryCount} entries, ${mb(pages * stats.pageSize)} MB\n`);
}
await env.close();
