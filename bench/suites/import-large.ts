/**
 * (import-large, issue 21) Work larger than memory: an import of 1,000,000
 * objects and 2,000,000 links inside a 600 MB memory cgroup (bench/lib/memory-budget.ts:
 * the limit counts the store's page cache, which the kernel must then reclaim), beside
 * the 100,000-object import outside any budget, measured in the same suite.
 * Target: the large import's objects/s at least 0.5 of the small one's.
 * `importLargeMajorFaults` counts the pages the large import read back from disk: an
 * import whose working set is the whole store faults on every step.
 * Minutes to hours (not in the default list, not in `npm test`); `--quick`: 10,000
 * outside against 100,000 in a 400 MB budget, a smoke test of the suite.
 * Each import runs in its own child process (fresh heap; the budget holds only the large one).
 */
import { fileURLToPath } from 'node:url';
import { writeImportGraph } from '../lib/import-graph.js';
import { runImport } from '../lib/import-run.js';
import { createMemoryBudget } from '../lib/memory-budget.js';
import { round } from '../lib/stats.js';
import { report, runTs, suiteOptions, type Figures } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick, args } = suiteOptions();
const SMALL = quick ? 10_000 : 100_000;
const LARGE = quick ? 100_000 : 1_000_000;
const BUDGET_MB = quick ? 400 : 600;
const self = fileURLToPath(import.meta.url);
const log = (line: string) => process.stdout.write(`${line}\n`);

if (args[0] === '--measure') {
  // In a child: `--measure GRAPH_FOLDER OBJECTS` imports that graph into a store beside it.
  const [, graph, objects] = args;
  const folder = tempFolder('import-large-store');
  const figures = await runImport({ storeFolder: folder.path, file: `${graph}/import.jsonl`, linkTags: `${graph}/link-tags.json`, objects: Number(objects), log });
  folder.remove();
  report(figures);
}

const budget = createMemoryBudget(BUDGET_MB);
if ('skipped' in budget) report({ importLargeSkipped: budget.skipped });

const smallGraph = tempFolder('import-large-small');
const largeGraph = tempFolder('import-large-graph');
/** Figures, reported once the graphs and the budget are removed (`report` exits the process). */
let figures: Figures;
try {
  writeImportGraph(smallGraph.path, SMALL);
  const small = await runTs(self, ['--measure', smallGraph.path, String(SMALL)], (line) => log(`outside: ${line}`));
  log(`outside any budget: ${SMALL} objects at ${small.objectsPerSec}/s`);
  writeImportGraph(largeGraph.path, LARGE);
  const large = await runTs(self, ['--measure', largeGraph.path, String(LARGE)], (line) => log(`in ${BUDGET_MB} MB: ${line}`), (argv) => budget.command(argv)).catch((error: Error) => error);
  const charged = budget.peakMb();
  // Killed for memory, or failed: said as a figure, beside the run outside.
  figures =
    large instanceof Error
      ? { importLargeFailed: large.message.slice(0, 500), importLargeBudgetMb: BUDGET_MB, importSmallObjectsPerSec: small.objectsPerSec! }
      : {
          importLargeObjectsPerSec: large.objectsPerSec!,
          importLargeRatio: round((large.objectsPerSec as number) / (small.objectsPerSec as number), 2),
          importLargeMajorFaults: large.majorFaults!,
          importLargeObjects: LARGE,
          importLargeBudgetMb: BUDGET_MB,
          importLargeSeconds: large.seconds!,
          importLargePeakAnonRssMb: large.peakAnonRssMb!,
          importLargeStoreMb: large.storeMb!,
          ...(charged === undefined ? {} : { importLargePeakChargedMb: Math.round(charged) }),
          importSmallObjectsPerSec: small.objectsPerSec!,
          importSmallObjects: SMALL,
          importSmallMajorFaults: small.majorFaults!,
        };
} finally {
  smallGraph.remove();
  largeGraph.remove();
  budget.remove();
}
report(figures);
