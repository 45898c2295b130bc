/**
 * Issue 21's bounded growth: `holdfast watch` (with the Dataverse stand-in)
 * loads BATCHES batches of FILES small files, each dropped into the folder once
 * the one before has finished, once with `--retention 0` and once with
 * `--retention never`. The figure is the store's LMDB pages in use per file
 * loaded with retention over the same without (`growthRatio`, target <= 0.3),
 * read once the watch stopped; the file's high-water mark is reported beside
 * it (`growthFileRatio`): pages freed by retention are reused, so the file
 * grows by about the pages in use. Minutes at full size: not in the default list.
 */
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import type { StoreUsage } from '../../src/persistence/store.js';
import { round } from '../lib/stats.js';
import { GROWTH_PID, startGrowthWatch } from '../lib/growth-watch.js';
import { report, suiteOptions } from '../lib/suite.js';

const { quick } = suiteOptions();
const BATCHES = quick ? 5 : 100;
const FILES = quick ? 200 : 1_000;
const FILE_BYTES = 200;
/** A pass every second at retention 0 (retention.ts): the last batch's journals go within this. */
const LAST_PASS_MS = 3_000;

interface Run {
  usage: StoreUsage;
  files: number;
  seconds: number;
}

const without = await run('never');
const withRetention = await run('0');
const perFile = (r: Run, pages: number) => pages / r.files;
report({
  growthRatio: round(perFile(withRetention, withRetention.usage.usedPages) / perFile(without, without.usage.usedPages), 3),
  growthFileRatio: round(perFile(withRetention, withRetention.usage.filePages) / perFile(without, without.usage.filePages), 3),
  growthPagesPerFileRetained: round(perFile(withRetention, withRetention.usage.usedPages), 3),
  growthPagesPerFileUnretained: round(perFile(without, without.usage.usedPages), 3),
  growthFiles: withRetention.files,
  growthSecondsRetained: round(withRetention.seconds, 1),
  growthSecondsUnretained: round(without.seconds, 1),
  growthPageSize: withRetention.usage.pageSize,
});

/** One watch over a fresh folder and store; resolves with the store's pages once it stopped. */
async function run(retention: string): Promise<Run> {
  const watch = await startGrowthWatch({ retention, files: FILES });
  const started = performance.now();
  let registered: number;
  try {
    await watch.wait(() => watch.seen('watch.scanned') > 0, 'the first scan');
    for (let batch = 1; batch <= BATCHES; batch++) {
      await watch.loadBatch(batch, FILE_BYTES);
      process.stderr.write(`retention ${retention}: batch ${batch}/${BATCHES} loaded\n`);
    }
    if (retention !== 'never') {
      const before = watch.seen('retention.pruned');
      await watch.wait(() => watch.seen('retention.pruned') > before, 'a retention pass after the last batch', LAST_PASS_MS * 10);
    }
  } finally {
    registered = watch.standin.registered(GROWTH_PID).length;
    await watch.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (registered !== BATCHES * FILES) throw new Error(`${registered} files registered of ${BATCHES * FILES}`);
  const opened = openLmdbStore(watch.store, { readOnly: true });
  try {
    return { usage: opened.usage(), files: registered, seconds };
  } finally {
    await opened.close();
    watch.root.remove();
  }
}
