/**
 * Progress of a foreground batch run: a live bar on a terminal (items done of
 * the job, items/s, exceptions), a plain line every 5 s otherwise, nothing
 * with --json. Polls the job's summary: the run itself reports only its end.
 */
import cliProgress from 'cli-progress';
import type { JobView } from '../../adapters/batch/job-views.js';
import { duration } from '../progress.js';

export interface BatchProgress {
  /** Stops polling; resolves once the last refresh is drawn. */
  stop(): Promise<void>;
}

/**
 * Polls `read` (the job's view, read asynchronously) once a second on a terminal, every 5 s
 * otherwise. A poll that is still reading when the next falls due is not doubled: one at a time.
 */
export async function followProgress(read: () => Promise<JobView | undefined>, mode: 'tty' | 'lines' | 'silent'): Promise<BatchProgress> {
  if (mode === 'silent') return { stop: async () => {} };
  const startedAt = Date.now();
  const first = await read();
  const startDone = first ? first.summary.done + first.summary.failed : 0;
  const rate = (done: number) => Math.round((done - startDone) / Math.max((Date.now() - startedAt) / 1_000, 0.001));
  let reading: Promise<void> | undefined;
  const poll = (show: (job: JobView) => void): Promise<void> => {
    reading ??= read()
      .then((job) => (job ? show(job) : undefined), () => undefined) // a failed poll is skipped: the run reports its own errors
      .finally(() => (reading = undefined));
    return reading;
  };
  if (mode === 'tty') {
    const bar = new cliProgress.SingleBar({ format: '{bar} {value}/{total} items | {rate} items/s | {exceptions} exceptions{eta}', hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(Math.max(first?.items ?? 1, 1), startDone, { rate: 0, exceptions: first?.summary.exceptionsOpen ?? 0, eta: '' });
    const refresh = () =>
      poll((job) => {
        const done = job.summary.done + job.summary.failed;
        bar.update(done, { rate: rate(done), exceptions: job.summary.exceptionsOpen, eta: etaText(done, job.items, rate(done)) });
      });
    const timer = setInterval(() => void refresh(), 1_000);
    return {
      stop: async () => {
        clearInterval(timer);
        await reading;
        await refresh();
        bar.stop();
      },
    };
  }
  const timer = setInterval(
    () =>
      void poll((job) => {
        const done = job.summary.done + job.summary.failed;
        process.stdout.write(`${job.id}: ${done}/${job.items} items, ${rate(done)} items/s, ${job.summary.exceptionsOpen} exceptions open\n`);
      }),
    5_000,
  );
  return {
    stop: async () => {
      clearInterval(timer);
      await reading;
    },
  };
}

/** ` | ETA 2m05s` once items are done at a rate, else nothing (never cli-progress's `ETA INFs` while the rate is 0). */
export function etaText(done: number, total: number, perSecond: number): string {
  if (!(perSecond > 0) || done >= total) return '';
  const seconds = (total - done) / perSecond;
  return Number.isFinite(seconds) ? ` | ETA ${duration(seconds)}` : '';
}
