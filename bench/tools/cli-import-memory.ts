/**
 * Peak memory of the compiled `holdfast import` (what a user runs) against the
 * HTTP stand-in service, which runs in this process, not the measured one. The
 * CLI's own resident memory is sampled from /proc every 250 ms.
 * Needs `npm run build` (which `npm ci` runs).
 * Usage: node --import tsx bench/tools/cli-import-memory.ts [OBJECTS=100000]
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startImportStandin } from '../../src/adapters/import/import-standin.js';
import { residentMb, writeImportGraph } from '../lib/import-graph.js';
import { MB } from '../lib/stats.js';
import { tempFolder } from '../lib/temp.js';

const objects = Number(process.argv[2] ?? 100_000);
const folder = tempFolder('cli-import-memory');
const { file, linkTags } = writeImportGraph(folder.path, objects);
const standin = await startImportStandin();
const store = join(folder.path, 'store');
const started = performance.now();
const child = spawn(process.execPath, ['bin/holdfast.js', '--store', store, 'import', file, '--service', standin.url, '--link-tags', linkTags], { stdio: ['ignore', 'inherit', 'inherit'] });
const peak = { anon: 0, file: 0, total: 0 };
const sampler = setInterval(() => {
  const { anon, file: mapped } = residentMb(child.pid!);
  Object.assign(peak, { anon: Math.max(peak.anon, anon), file: Math.max(peak.file, mapped), total: Math.max(peak.total, anon + mapped) });
}, 250);
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
clearInterval(sampler);
await standin.close();
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`holdfast import exited ${code} in ${seconds.toFixed(1)} s: ${Math.round(objects / seconds)} objects/s; peak anon ${Math.round(peak.anon)} MB, file ${Math.round(peak.file)} MB, sum ${Math.round(peak.total)} MB; store ${Math.round(statSync(join(store, 'data.mdb')).size / MB)} MB\n`);
