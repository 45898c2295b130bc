/**
 * (c) Recovery: open a store of 1,000,000 final actors and 10,000 actors
 * mid-effect; time from `createRuntime` until all 10,000 have taken their
 * resumed step (effect re-run -> final, durable), and the peak RSS.
 *
 * The suite process builds (or reuses) the cached store and resets it; the
 * measurement runs in a fresh child process so its heap and RSS are its own.
 * The page cache is warm (the reset just touched the store): a cold disk adds reads.
 */
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../../src/index.js';
import { cachedStorePath, ensureStore, resetActive, storeSizeMb } from '../lib/recovery-store.js';
import { job } from '../lib/machines.js';
import { MB } from '../lib/stats.js';
import { report, runTs, suiteOptions } from '../lib/suite.js';

const { quick, args } = suiteOptions();
const FINAL = quick ? 100_000 : 1_000_000;
const ACTIVE = quick ? 1_000 : 10_000;
const CONCURRENCY = Number(process.env.BENCH_RECOVERY_CONCURRENCY ?? 64);
const log = (line: string) => process.stdout.write(`${line}\n`);

/** In the fresh child: open, resume, wait for every active actor's final step. */
async function measure(path: string, active: number): Promise<void> {
  const baseRssMb = process.memoryUsage().rss / MB;
  const started = performance.now();
  let resumed = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const runtime = await createRuntime({ store: path, machines: [job()], limits: { concurrency: CONCURRENCY }, durability: 'flush' });
  const openMs = performance.now() - started;
  // Subscribing after createRuntime misses no step: recovered steps commit on a later turn.
  runtime.subscribe((event) => {
    if (event.type === 'actor.stepped' && event.status === 'done' && ++resumed === active) allDone();
    if (event.type === 'actor.parked') log(`parked ${event.id}: ${event.error.message}`);
  });
  await done;
  const recoveryMs = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await runtime.close();
  report({ recoveryMs: Math.round(recoveryMs), recoveryPeakRssMb: Math.round(peakRssMb), recoveryOpenMs: Math.round(openMs), recoveryBaseRssMb: Math.round(baseRssMb) });
}

if (args[0] === '--measure') {
  await measure(args[1]!, Number(args[2]));
} else {
  const path = cachedStorePath(FINAL, ACTIVE);
  const { cached, buildMs } = await ensureStore(path, FINAL, ACTIVE, log);
  await resetActive(path, FINAL, ACTIVE);
  const figures = await runTs(fileURLToPath(import.meta.url), ['--measure', path, String(ACTIVE)], log);
  report({
    ...figures,
    recoveryStoreCached: cached ? 1 : 0,
    recoveryStoreBuildMs: Math.round(buildMs),
    recoveryStoreMb: Math.round(storeSizeMb(path)),
    recoveryConcurrency: CONCURRENCY,
    recoveryStorePath: path,
  });
}
