/**
 * Issue 21's growth workload at a scale that shows its trend in minutes: a
 * `holdfast watch` (with the Dataverse stand-in, no retention) loads BATCHES
 * batches of FILES small files, each dropped once the one before finished, and
 * prints each batch's seconds and the ratio of the last five batches' mean to
 * the first five's. `--cpu-prof DIR` profiles the watch process (the batch
 * start times are printed in its clock, to slice the profile by batch).
 *
 *   npx tsx bench/tools/growth-trend.ts [BATCHES=25] [FILES=1000] [--retention never|0] [--cpu-prof DIR]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startGrowthWatch } from '../lib/growth-watch.js';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  argv.splice(at, 2);
  return value;
};
const profileDir = flag('--cpu-prof');
const retention = flag('--retention') ?? 'never';
const BATCHES = Number(argv[0] ?? 25);
const FILES = Number(argv[1] ?? 1_000);
const watch = await startGrowthWatch({ retention, files: FILES, ...(profileDir ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}) });
const child = watch.child;
const spawnedAt = performance.now();
const seconds: number[] = [];
/** CPU seconds so far of the watch (all its threads, from /proc) and of this process (the stand-in, the writes). */
const cpu = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const own = process.cpuUsage();
  return { watch: (Number(fields[11]) + Number(fields[12])) / 100, here: (own.user + own.system) / 1e6 };
};
const cpuSeconds: { watch: number; here: number }[] = [];
try {
  await watch.wait(() => watch.seen('watch.scanned') > 0, 'the first scan');
  for (let batch = 1; batch <= BATCHES; batch++) {
    const started = performance.now();
    const before = cpu();
    await watch.loadBatch(batch, 200);
    const took = (performance.now() - started) / 1000;
    const after = cpu();
    const used = { watch: after.watch - before.watch, here: after.here - before.here };
    seconds.push(took);
    cpuSeconds.push(used);
    process.stdout.write(`batch ${batch}: ${took.toFixed(2)} s, CPU watch ${used.watch.toFixed(2)} s + stand-in ${used.here.toFixed(2)} s (started at +${((started - spawnedAt) / 1000).toFixed(1)} s, load ${loadavg()[0]!.toFixed(2)})\n`);
  }
} finally {
  await watch.stop();
  watch.root.remove();
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const first = mean(seconds.slice(0, 5));
const last = mean(seconds.slice(-5));
const cpuOf = (xs: { watch: number; here: number }[]) => mean(xs.map((x) => x.watch + x.here));
const firstCpu = cpuOf(cpuSeconds.slice(0, 5));
const lastCpu = cpuOf(cpuSeconds.slice(-5));
process.stdout.write(`wall: first-5 mean ${first.toFixed(2)} s, last-5 mean ${last.toFixed(2)} s, last/first ${(last / first).toFixed(2)}\n`);
process.stdout.write(`CPU (watch + stand-in): first-5 mean ${firstCpu.toFixed(2)} s, last-5 mean ${lastCpu.toFixed(2)} s, last/first ${(lastCpu / firstCpu).toFixed(2)}\n`);
