/**
 * Progress of a foreground load: a live bar on a terminal (files and bytes
 * done, throughput, ETA), plain lines otherwise, nothing with --json.
 */
import cliProgress from 'cli-progress';
import type { DataLoadCounts } from '../machines/dataload.machine.js';

export interface ProgressUpdate {
  state?: string;
  counts?: DataLoadCounts;
  bytes?: number;
}

export interface Progress {
  update(update: ProgressUpdate): void;
  stop(): void;
}

export function createProgress(mode: 'tty' | 'lines' | 'silent', write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Progress {
  if (mode === 'silent') return { update: () => {}, stop: () => {} };
  let counts: DataLoadCounts | undefined;
  let bytes = 0;
  let state = 'starting';
  const startedAt = Date.now();
  const done = () => (counts ? counts.copied + counts.skipped + counts.failed : 0);
  const rate = () => bytes / 1_048_576 / Math.max((Date.now() - startedAt) / 1000, 0.001);
  if (mode === 'tty') {
    const bar = new cliProgress.SingleBar(
      { format: '{bar} {value}/{total} files | {mb} MB | {rate} MB/s | ETA {eta_formatted} | {state}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1, 0, { mb: '0.0', rate: '0.0', state });
    return {
      update(update) {
        counts = update.counts ?? counts;
        bytes = update.bytes ?? bytes;
        state = update.state ?? state;
        bar.setTotal(Math.max(counts?.total ?? 1, 1));
        bar.update(done(), { mb: (bytes / 1_048_576).toFixed(1), rate: rate().toFixed(1), state });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = 0;
  let lastState = '';
  return {
    update(update) {
      counts = update.counts ?? counts;
      bytes = update.bytes ?? bytes;
      state = update.state ?? state;
      const now = Date.now();
      if (state === lastState && now - lastLine < 1_000) return;
      lastLine = now;
      lastState = state;
      write(`${state}: ${done()}/${counts?.total ?? '?'} files, ${(bytes / 1_048_576).toFixed(1)} MB, ${rate().toFixed(1)} MB/s`);
    },
    stop: () => {},
  };
}
