/**
 * Progress of a foreground load: one live line on a terminal (files and
 * bytes done of those found, throughput, an ETA once there is a rate to
 * base it on), plain lines otherwise, nothing with --json. Lines a command
 * prints meanwhile (`log`) go on their own lines above the live one, never
 * onto it.
 */
import type { DataLoadCounts } from '../machines/dataload.machine.js';

export interface ProgressUpdate {
  state?: string;
  counts?: DataLoadCounts;
  /** Bytes of the files copied so far. */
  bytes?: number;
  /** Bytes of the files to copy, as far as the walk has found them. */
  totalBytes?: number;
  /** What the files under way are doing (`preparing scan.bin`, `copying 3 files`), '' for none. */
  activity?: string;
}

export interface Progress {
  update(update: ProgressUpdate): void;
  /** A line of its own (a header, a notice), printed above the live line. */
  log(line: string): void;
  stop(): void;
}

/** Where progress goes: process.stdout, or a fake one in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number | undefined;
}

export interface ProgressFacts {
  state: string;
  counts?: DataLoadCounts | undefined;
  bytes: number;
  totalBytes?: number | undefined;
  /** Seconds since the first byte was copied; undefined before. */
  copyingSeconds?: number | undefined;
  activity?: string | undefined;
}

const MB = 1_048_576;

/** The live line: `3/9 files | 120.0/600.0 MB | 4.2 MB/s | ETA 1m54s | copying`; no ETA while none can be told. */
export function formatProgress(facts: ProgressFacts): string {
  const { counts, bytes, totalBytes, copyingSeconds } = facts;
  const done = counts ? counts.copied + counts.skipped + counts.failed : 0;
  const files = `${done}/${counts?.total ?? '?'} files`;
  const size = totalBytes !== undefined && totalBytes > 0 ? `${(bytes / MB).toFixed(1)}/${(totalBytes / MB).toFixed(1)} MB` : `${(bytes / MB).toFixed(1)} MB`;
  const rate = copyingSeconds !== undefined && copyingSeconds > 0 ? bytes / copyingSeconds : undefined;
  const parts = [files, size];
  if (rate !== undefined) parts.push(`${(rate / MB).toFixed(1)} MB/s`);
  const eta = etaSeconds(bytes, totalBytes, rate, copyingSeconds);
  if (eta !== undefined) parts.push(`ETA ${duration(eta)}`);
  parts.push(facts.activity ? `${facts.state}: ${facts.activity}` : facts.state);
  return parts.join(' | ');
}

/**
 * Known only with a total, a rate measured over a second or more on at least
 * 1% of the bytes (one small file copied before a large one is hashed is no
 * rate), and bytes left; an ETA past 100 hours tells nothing and is left out.
 */
function etaSeconds(bytes: number, totalBytes: number | undefined, rate: number | undefined, copyingSeconds: number | undefined): number | undefined {
  if (totalBytes === undefined || rate === undefined || !(rate > 0) || copyingSeconds === undefined || copyingSeconds < 1) return undefined;
  if (bytes < totalBytes / 100 || bytes >= totalBytes) return undefined;
  const eta = (totalBytes - bytes) / rate;
  return Number.isFinite(eta) && eta < 100 * 3_600 ? eta : undefined;
}

/** `45s`, `1m54s`, `2h05m`. */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(mode: 'tty' | 'lines' | 'silent', stream: ProgressStream = process.stdout, now: () => number = Date.now): Progress {
  if (mode === 'silent') return { update: () => {}, log: () => {}, stop: () => {} };
  const facts: ProgressFacts = { state: 'starting', bytes: 0 };
  let firstByteAt: number | undefined;
  const take = (update: ProgressUpdate) => {
    if (update.counts) facts.counts = update.counts;
    if (update.state) facts.state = update.state;
    if (update.totalBytes !== undefined) facts.totalBytes = update.totalBytes;
    if (update.activity !== undefined) facts.activity = update.activity;
    if (update.bytes !== undefined) {
      // The rate counts from the first copy done: a long walk or MD5 pass before it is not copy time.
      if (update.bytes > 0 && firstByteAt === undefined) firstByteAt = now();
      facts.bytes = update.bytes;
    }
    facts.copyingSeconds = firstByteAt === undefined ? undefined : (now() - firstByteAt) / 1000;
  };
  if (mode === 'tty') {
    let shown = false;
    let lastDraw = 0;
    const draw = () => {
      const columns = stream.columns ?? 0;
      const line = formatProgress(facts);
      stream.write(`\r\x1b[K${columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line}`);
      shown = true;
      lastDraw = now();
    };
    return {
      update(update) {
        take(update);
        if (update.state !== undefined || now() - lastDraw >= 100) draw();
      },
      log(line) {
        stream.write(`${shown ? '\r\x1b[K' : ''}${line}\n`);
        if (shown) draw();
      },
      stop() {
        if (!shown) return;
        draw();
        stream.write('\n');
        shown = false;
      },
    };
  }
  let lastLine = 0;
  let lastState = '';
  return {
    update(update) {
      take(update);
      const at = now();
      if (facts.state === lastState && at - lastLine < 1_000) return;
      lastLine = at;
      lastState = facts.state;
      stream.write(`${formatProgress(facts)}\n`);
    },
    log: (line) => void stream.write(`${line}\n`),
    stop: () => {},
  };
}
