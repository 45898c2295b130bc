/**
 * (import) An import of 100,000 objects and 200,000 links against the
 * in-process service (issue 6): objects per second with their links, durable
 * steps per second, and peak RSS. Target: at least 2,000 objects/s, RSS under 600 MB.
 *
 * The graph: 25,000 authors created at once; 75,000 books, each a dependent
 * child of one author (75,000 links completed with their child); 75,000
 * independent `cites` links between books and 50,000 independent `mentions`
 * links from books to authors, each created after both ends.
 * Timed from `spawn` to the batch's final step, at durability 'flush'.
 * Peak RSS (the target) is split, from /proc/self/status sampled every 100 ms:
 * `peakAnonRssMb` is the process's own memory (V8 heap, lmdb-js's dirty pages),
 * `peakFileRssMb` the file pages mapped in, nearly all the store's map, so it
 * follows `storeMb`, the store's size at the end.
 *
 * Mapped pages stay resident until memory runs short, so RSS overstates what
 * the import needs. The same import then runs again in a child process inside
 * a 600 MB memory budget (a cgroup: bench/lib/memory-budget.ts), which counts
 * the page cache the store fills and makes the kernel reclaim it: `budget*`
 * figures say whether it completes there and how fast. Skipped, with the
 * reason, where no memory cgroup can be made.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeImportGraph } from '../lib/import-graph.js';
import { runImport as runImportIn } from '../lib/import-run.js';
import { createMemoryBudget } from '../lib/memory-budget.js';
import { report, runTs, suiteOptions, type Figures } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const BUDGET_MB = 600;
const { quick, args } = suiteOptions();
const OBJECTS = quick ? 10_000 : 100_000;
/** `--in-budget`: this process is the budgeted run (of the graph written by its parent): run and report. */
const inBudget = args.includes('--in-budget');

const folder = tempFolder('import');
const graphFolder = inBudget ? args[args.indexOf('--graph') + 1]! : folder.path;
const { file, linkTags } = inBudget ? { file: join(graphFolder, 'import.jsonl'), linkTags: join(graphFolder, 'link-tags.json') } : writeImportGraph(folder.path, OBJECTS);

const figures = await runImport();
if (!inBudget) Object.assign(figures, await runInBudget());
folder.remove();
report(figures);

/** One import in this process: its speed and its peak memory. */
function runImport(): Promise<Figures> {
  return runImportIn({ storeFolder: folder.path, file, linkTags, objects: OBJECTS, log: (line) => process.stdout.write(`${line}\n`) });
}

/** The same import in a child process inside a memory budget: `budget*` figures, or why there are none. */
async function runInBudget(): Promise<Figures> {
  const budget = createMemoryBudget(BUDGET_MB);
  if ('skipped' in budget) return { budgetSkipped: budget.skipped };
  try {
    const self = fileURLToPath(import.meta.url);
    const run = await runTs(self, ['--in-budget', '--graph', graphFolder, ...(quick ? ['--quick'] : [])], (line) => process.stdout.write(`in budget: ${line}\n`), (argv) => budget.command(argv)).catch((error: Error) => error);
    // Killed for memory, or failed: a figure of its own, so the run outside the budget still counts.
    if (run instanceof Error) return { budgetMb: BUDGET_MB, budgetFailed: run.message.slice(0, 500) };
    const charged = budget.peakMb();
    return {
      budgetMb: BUDGET_MB,
      budgetObjectsPerSec: run.objectsPerSec!,
      budgetPeakRssMb: run.peakRssMb!,
      budgetPeakAnonRssMb: run.peakAnonRssMb!,
      ...(charged === undefined ? {} : { budgetPeakChargedMb: Math.round(charged) }),
    };
  } finally {
    budget.remove();
  }
}
