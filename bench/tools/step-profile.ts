/**
 * Where a durable step's main-thread time goes: runs the transitions suite (a)
 * under `--cpu-prof`, then files every sample under one part of the step
 * (committer, encoding, LMDB puts and commit, journal, XState, effects...) and
 * prints a markdown table, for docs/performance.md. Shares, not speeds: on a
 * shared machine the profile's wall time stretches, its proportions hold.
 * The lmdb-js write thread (the transaction and fsync) is not in the profile.
 * Usage: node --import tsx bench/tools/step-profile.ts [--quick] [--keep]
 * Profiles dist, as the bench runs it (built here first); HOLDFAST_BENCH_CODE=source profiles src through tsx.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { categorise, type CpuProfile } from '../lib/profile-parts.js';
import { buildShippedCode, codeFlags, RESULT_PREFIX, repoRoot } from '../lib/suite.js';

const argv = process.argv.slice(2);
buildShippedCode();
const folder = mkdtempSync(join(tmpdir(), 'holdfast-step-profile-'));
const suite = fileURLToPath(new URL('../suites/transitions.ts', import.meta.url));
const run = spawnSync(process.execPath, ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${folder}`, '--import', 'tsx', ...codeFlags(), suite, ...(argv.includes('--quick') ? ['--quick'] : [])], {
  cwd: repoRoot,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const line = run.stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
if (!line) throw new Error(`the transitions suite did not report:\n${run.stderr.slice(-4000)}`);
const figures = JSON.parse(line.slice(RESULT_PREFIX.length)) as { actors: number; transitionsPerSec: number; cpuUsPerStep: number; mainThreadCpuUsPerStep?: number };
// The main thread's profile is the largest (tsx's loader thread writes a small one).
const [main] = readdirSync(folder)
  .map((name) => join(folder, name))
  .sort((a, b) => statSync(b).size - statSync(a).size);
const parts = categorise(JSON.parse(readFileSync(main!, 'utf8')) as CpuProfile);
// Shares of the main thread's CPU time a step (Linux), else of the profiled wall time, which a loaded machine stretches.
const steps = figures.actors * 3;
const perStep = figures.mainThreadCpuUsPerStep ?? (1000 * parts.busyMs) / steps;
const basis = figures.mainThreadCpuUsPerStep === undefined ? 'profiled wall' : 'main-thread CPU';
console.log(`transitions suite: ${figures.transitionsPerSec.toLocaleString('en-US')} steps/s, ${figures.cpuUsPerStep} µs CPU a step (all threads), ${figures.mainThreadCpuUsPerStep ?? '?'} µs on the main thread; profiled busy ${parts.busyMs.toFixed(0)} ms of ${parts.totalMs.toFixed(0)} ms\n`);
console.log(`| part of a step | share of main-thread busy time | µs a step (${basis}) |`);
console.log('| --- | ---: | ---: |');
for (const { part, ms } of parts.rows) console.log(`| ${part} | ${((100 * ms) / parts.busyMs).toFixed(1)} % | ${((perStep * ms) / parts.busyMs).toFixed(1)} |`);
console.log(`| **main thread, total** | 100 % | ${perStep.toFixed(1)} |`);
if (argv.includes('--keep')) console.log(`\nprofile kept: ${main}`);
else rmSync(folder, { recursive: true, force: true });
