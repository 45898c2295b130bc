/**
 * `npm run bench`: every suite in its own child process (fresh heap, honest
 * RSS), repeated and reduced to medians, printed as a table beside the targets
 * of issue 2. `--json` adds all figures as one JSON object on the last line;
 * `--only NAME[,NAME...]` runs those suites; `--quick` runs small sizes (a smoke test);
 * `--repeat N` overrides the repeats. `--record` appends the figures, with the
 * commit, Node version, CPU model and load average, to bench/history.jsonl;
 * `--compare` prints the ratios of the last record beside this run's and flags
 * (exit code 1) a ratio whose performance fell by more than 10 % (history.ts).
 * transitions and ceiling run in turns, and (a)/(b) is the median of the turns' ratios.
 * The suites run the code as it ships: `dist`, built first with `npm run build`
 * (lib/shipped-code.mjs says why); `--source` runs `src` through tsx instead.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { appendRecord, compareRuns, formatComparison, lastComparable, readHistory, type HistoryRecord } from './lib/history.js';
import { median, round } from './lib/stats.js';
import { benchedCode, buildShippedCode, repoRoot, runTs, type Figures } from './lib/suite.js';

interface Target {
  key: string;
  label: string;
  unit: string;
  /** `min`: at least; `max`: under; absent: shown for reference. */
  kind?: 'min' | 'max';
  bound?: number;
}

const SUITES = ['transitions', 'ceiling', 'recovery', 'passivated', 'bullmq', 'ingest', 'import', 'tasks', 'http', 'batch', 'process-jobs', 'inspector', 'memory-transitions'] as const;

const TARGETS: Target[] = [
  { key: 'transitionsPerSec', label: '(a) durable transitions (flush)', unit: '/s', kind: 'min', bound: 30_000 },
  { key: 'p99StepLatencyMs', label: '(a) p99 step-to-durable latency', unit: 'ms', kind: 'max', bound: 20 },
  { key: 'ceilingStepsPerSec', label: '(b) raw lmdb-js ceiling', unit: '/s' },
  { key: 'ratioToCeiling', label: '(a)/(b)', unit: 'x', kind: 'min', bound: 0.6 },
  { key: 'recoveryMs', label: '(c) recovery of 10k in 1M', unit: 'ms', kind: 'max', bound: 3_000 },
  { key: 'recoveryPeakRssMb', label: '(c) recovery peak RSS', unit: 'MB', kind: 'max', bound: 400 },
  { key: 'passivatedMbPer100k', label: '(d) heap+external per 100k passivated', unit: 'MB', kind: 'max', bound: 20 },
  { key: 'jobsPerSec', label: '(e) holdfast no-op jobs', unit: '/s' },
  { key: 'bullmqJobsPerSec', label: '(e) BullMQ no-op jobs', unit: '/s' },
  { key: 'ratioToBullmq', label: '(e) holdfast / BullMQ', unit: 'x', kind: 'min', bound: 0.7 },
  // Issue 3: 1,000 files of 1 MB and two of 1 GiB, beside cp -r + sync + md5sum of the same files.
  { key: 'ingestMBPerSec', label: 'ingest (copy, verify, register)', unit: 'MB/s' },
  { key: 'ingestCeilingMBPerSec', label: 'ingest ceiling: cp -r, sync, md5sum', unit: 'MB/s' },
  { key: 'ingestTimeToCeiling', label: 'ingest time / ceiling time', unit: 'x', kind: 'max', bound: 1.5 },
  // Issue 6: 100,000 objects and 200,000 links against the in-process service.
  { key: 'objectsPerSec', label: 'import objects (with their links)', unit: '/s', kind: 'min', bound: 2_000 },
  { key: 'peakRssMb', label: 'import peak RSS (incl. mapped store pages)', unit: 'MB', kind: 'max', bound: 600 },
  { key: 'peakAnonRssMb', label: '  of which anonymous (heap, native)', unit: 'MB' },
  { key: 'peakFileRssMb', label: '  of which file-backed (store map)', unit: 'MB' },
  { key: 'budgetObjectsPerSec', label: 'import in a 600 MB memory cgroup: objects/s', unit: '/s' },
  { key: 'budgetPeakChargedMb', label: '  peak memory the cgroup was charged', unit: 'MB' },
  { key: 'budgetPeakRssMb', label: '  peak RSS there', unit: 'MB' },
  { key: 'budgetPeakAnonRssMb', label: '  of which anonymous', unit: 'MB' },
  // Issue 8: a two-stage defer chain of 100,000 jobs, concurrency 50.
  { key: 'taskJobsPerSec', label: 'task jobs, two-stage defer chain', unit: '/s' },
  { key: 'batchItemsPerSec', label: 'batch job: 1M items, 3-step DAG, size:10000, parallel 2', unit: '/s', kind: 'min', bound: 100_000 }, { key: 'batchPeakRssMb', label: 'batch job peak RSS (create + run)', unit: 'MB', kind: 'max', bound: 500 },
  // Issue 7: POST /api/jobs of a trivial function process, 20 clients over keep-alive.
  { key: 'httpJobCreationsPerSec', label: 'HTTP job creations (20 clients)', unit: '/s' },
  { key: 'processJobsPerSec', label: 'function-process jobs (50 running at once)', unit: '/s' },
  // Issue 9: (a)'s workload with the inspector serving one connected client, beside the same run without.
  { key: 'inspectorTransitionsPerSec', label: 'durable transitions with an inspector client', unit: '/s' },
  { key: 'plainTransitionsPerSec', label: '  the same run without it', unit: '/s' },
  { key: 'inspectorOverheadPct', label: 'inspector overhead', unit: '%', kind: 'max', bound: 10 },
  // Issue 21 (`--only import-large`, an hour or more: not in SUITES): 1M objects in a 600 MB cgroup against 100k outside.
  { key: 'importLargeObjectsPerSec', label: 'import of 1M objects in a 600 MB cgroup (--quick: 100k in 400 MB)', unit: '/s' },
  { key: 'importLargeRatio', label: '  its objects/s / the 100k import outside', unit: 'x', kind: 'min', bound: 0.5 },
  { key: 'importLargeMajorFaults', label: '  its major page faults', unit: '' },
  // Issue 21 (`--only growth`, minutes: not in SUITES): a watch folder's store pages per file, retention 0 over none.
  { key: 'growthRatio', label: 'store pages per file, retention 0 / none', unit: 'x', kind: 'max', bound: 0.3 },
  // Issue 19: (a)'s workload on the memory store, beside the same run on LMDB.
  { key: 'memoryTransitionsPerSec', label: 'transitions on the memory store', unit: '/s' },
  { key: 'lmdbTransitionsPerSec', label: '  the same run on LMDB', unit: '/s' },
  { key: 'memoryToLmdb', label: 'memory / LMDB', unit: 'x' },
];

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const only = option('--only');
const repeats = Number(option('--repeat') ?? 3);
const record = argv.includes('--record');
// Read by lib/suite.ts here and in every suite's process (inherited).
if (argv.includes('--source')) process.env.HOLDFAST_BENCH_CODE = 'source';
const compare = argv.includes('--compare');
const historyFile = fileURLToPath(new URL('./history.jsonl', import.meta.url));
// Read before the run: a malformed history fails now, not after minutes of benching.
const history = record || compare ? readHistory(historyFile) : [];
// `--only` also runs a suite file not (yet) in SUITES, such as a later issue's.
const available = readdirSync(fileURLToPath(new URL('./suites/', import.meta.url))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const onlySuites = only?.split(',');
const unknown = onlySuites?.find((suite) => !available.includes(suite));
if (unknown !== undefined) {
  console.error(`unknown suite ${unknown}; suites: ${available.join(', ')}`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const code = benchedCode();
if (code === 'dist') log('building dist (npm run build)');
buildShippedCode();
const results: Figures = {};
const errors: Record<string, string> = {};
const startedAt = performance.now();
const loadBefore = loadavg()[0]!;

const planned: string[] = onlySuites ?? [...SUITES];
// (a) and (b) run in turns, (a) then (b), so each pair meets the machine alike: its speed moves
// within minutes on a shared host, and (a)/(b) is judged as the median of the pairs' ratios.
const paired = planned.includes('transitions') && planned.includes('ceiling');
const runsBySuite = new Map<string, Figures[]>();

/** Runs one suite once; false (its error kept) when it failed, and it is not run again. */
async function runOnce(suite: string, n: number): Promise<boolean> {
  if (errors[suite]) return false;
  const file = fileURLToPath(new URL(`./suites/${suite}.ts`, import.meta.url));
  try {
    const figures = await runTs(file, quick ? ['--quick'] : [], (line) => log(`  [${suite}] ${line}`));
    log(`${suite} run ${n}/${repeats}: ${JSON.stringify(figures)}`);
    runsBySuite.set(suite, [...(runsBySuite.get(suite) ?? []), figures]);
    if (typeof figures.bullmqSkipped === 'string') log(`NOTE: BullMQ skipped: ${figures.bullmqSkipped}`);
    if (typeof figures.budgetSkipped === 'string') log(`NOTE: import in a memory budget skipped: ${figures.budgetSkipped}`);
    if (typeof figures.budgetFailed === 'string') log(`NOTE: import in a memory budget FAILED: ${figures.budgetFailed}`);
    if (typeof figures.importLargeFailed === 'string') log(`NOTE: the large import in its memory budget FAILED: ${figures.importLargeFailed}`);
    return true;
  } catch (error) {
    errors[suite] = (error as Error).message;
    log(`${suite} FAILED: ${(error as Error).message}`);
    return false;
  }
}

for (const suite of planned) {
  if (paired && suite === 'ceiling') continue; // run in turns with transitions
  for (let n = 1; n <= repeats; n++) {
    if (!(await runOnce(suite, n))) break;
    if (paired && suite === 'transitions') await runOnce('ceiling', n);
  }
  for (const ran of paired && suite === 'transitions' ? ['transitions', 'ceiling'] : [suite]) {
    const runs = runsBySuite.get(ran) ?? [];
    Object.assign(results, medians(runs));
    // The store is built by the first run at most: say so, with that run's build time.
    const built = runs.find((run) => run.recoveryStoreCached === 0);
    if (built) Object.assign(results, { recoveryStoreCached: 0, recoveryStoreBuildMs: built.recoveryStoreBuildMs! });
  }
}

/** Median of each numeric figure across runs; strings from the first run. */
function medians(runs: Figures[]): Figures {
  const out: Figures = {};
  for (const key of new Set(runs.flatMap((run) => Object.keys(run)))) {
    const values = runs.map((run) => run[key]);
    const numbers = values.filter((value): value is number => typeof value === 'number');
    out[key] = numbers.length === values.length ? round(median(numbers), 2) : String(values.find((v) => v !== undefined));
  }
  return out;
}

// (a)/(b): the median of the ratios of the pairs run in turns (a ratio of medians when run apart,
// `--only`). (e)'s ratio is the median of paired runs within its suite.
const num = (key: string) => (typeof results[key] === 'number' ? (results[key] as number) : undefined);
for (const [ratio, ceiling] of [['ratioToCeiling', 'ceilingStepsPerSec'], ['ratioToExactCeiling', 'ceilingExactStepsPerSec']] as const) {
  const pairs = pairedRatios(runsBySuite.get('transitions') ?? [], runsBySuite.get('ceiling') ?? [], 'transitionsPerSec', ceiling);
  if (pairs.length > 0) results[ratio] = round(median(pairs), 2);
}

/** a[i]/b[i] of the runs made in turns; none unless both suites ran every turn. */
function pairedRatios(as: Figures[], bs: Figures[], aKey: string, bKey: string): number[] {
  if (as.length === 0 || as.length !== bs.length) return [];
  const ratios = as.map((run, i) => [run[aKey], bs[i]![bKey]]).filter((pair): pair is [number, number] => typeof pair[0] === 'number' && typeof pair[1] === 'number' && pair[1] > 0);
  return ratios.length === as.length ? ratios.map(([a, b]) => a / b) : [];
}

const verdict = (target: Target, value: number | undefined): string => {
  if (value === undefined || target.kind === undefined || target.bound === undefined) return '';
  const met = target.kind === 'min' ? value >= target.bound : value < target.bound;
  return met ? 'met' : 'NOT MET';
};
const rows = TARGETS.filter((target) => results[target.key] !== undefined).map((target) => {
  const value = num(target.key);
  const bound = target.bound === undefined ? '' : `${target.kind === 'min' ? '>=' : '<'} ${target.bound.toLocaleString('en-US')} ${target.unit}`;
  return [target.label, value === undefined ? String(results[target.key]) : `${value.toLocaleString('en-US')} ${target.unit}`, bound, verdict(target, value)];
});
const header = ['figure', `median of ${repeats}`, 'target', ''];
const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
const line = (row: string[]) => row.map((cell, column) => (column === 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
console.log(`\nholdfast bench${quick ? ' (--quick: small sizes, targets do not apply)' : ''} of ${code === 'dist' ? 'dist (the shipped code)' : 'src through tsx'}: node ${process.version}, ${cpus().length} cpus, load ${loadBefore.toFixed(2)} before, ${round((performance.now() - startedAt) / 1000, 0)} s`);
console.log(line(header));
console.log(line(widths.map((width) => '-'.repeat(width))));
for (const row of rows) console.log(line(row));
const shown = new Set(TARGETS.map((target) => target.key));
const details = Object.entries(results).filter(([key]) => !shown.has(key));
if (details.length > 0) console.log(`details: ${details.map(([key, value]) => `${key}=${value}`).join(', ')}`);
if (typeof results.recoveryStorePath === 'string') {
  console.log(`recovery store ${results.recoveryStoreCached === 1 ? 'reused from cache' : 'built and cached'} at ${results.recoveryStorePath} (delete it to rebuild)`);
}
if (typeof results.bullmqSkipped === 'string') console.log(`BullMQ skipped: ${results.bullmqSkipped}`);
for (const [suite, message] of Object.entries(errors)) {
  const cause = message.split('\n').find((text) => /Error|\[[A-Z_]+\]/.test(text)) ?? message.split('\n')[0];
  console.log(`${suite} FAILED: ${cause?.trim()}`);
}
// Every target key is present (null when its suite was skipped or not run), so readers need no guessing.
const required = Object.fromEntries(TARGETS.map((target) => [target.key, results[target.key] ?? null]));
let dropped = false;
if (compare) {
  const last = lastComparable(history, quick, results);
  if (!last) console.log(`\nno ${quick ? '--quick ' : ''}run recorded in ${historyFile} to compare with (record one with --record)`);
  else {
    const rows = compareRuns(last.figures, results);
    dropped = rows.some((row) => row.dropped);
    console.log(`\n${formatComparison(last, rows, code).join('\n')}`);
  }
}
// A run with a failed suite is not a reference to judge later runs by.
if (record && Object.keys(errors).length > 0) console.log(`\nnot recorded: ${Object.keys(errors).join(', ')} failed`);
else if (record) {
  const entry: HistoryRecord = {
    at: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    loadBefore: round(loadBefore, 2),
    loadAfter: round(loadavg()[0]!, 2),
    quick,
    repeats,
    code,
    figures: results,
  };
  appendRecord(historyFile, entry);
  console.log(`\nrecorded in ${historyFile} at ${entry.commit}, load ${entry.loadBefore} before and ${entry.loadAfter} after`);
}
if (json) console.log(JSON.stringify({ ...required, ...results, quick, repeats, code, ...(Object.keys(errors).length ? { errors } : {}) }));
process.exitCode = Object.keys(errors).length > 0 || dropped ? 1 : 0;

/** The commit benched, marked `+dirty` when the work tree differs from it. */
function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    // The history itself is left out: records appended and not yet committed do not make a run dirty.
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/history.jsonl'], { cwd: repoRoot, encoding: 'utf8' });
    const dirty = status.trim() !== '';
    return dirty ? `${commit}+dirty` : commit;
  } catch {
    return 'unknown';
  }
}
