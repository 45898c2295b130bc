/**
 * Recorded bench runs (`bench/history.jsonl`, one JSON record a line, committed)
 * and the comparison of a run with the last record. Machines differ and a
 * shared one is noisy, so only ratios measured within one run are judged:
 * (a)/(b), ingest time / its ceiling's, holdfast / BullMQ. Absolute figures
 * are shown beside them, never judged.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Figures } from './suite.js';

export interface HistoryRecord {
  /** ISO time the run ended. */
  at: string;
  /** `git rev-parse --short HEAD`, with `+dirty` when the work tree had changes. */
  commit: string;
  node: string;
  cpu: string;
  cpus: number;
  /** 1-minute load average before and after the run: a record made under load says so. */
  loadBefore: number;
  loadAfter: number;
  quick: boolean;
  repeats: number;
  /** The code the suites ran: `dist` (tsc's output, as shipped) or `source` (src through tsx); absent before session 22: source. */
  code?: 'dist' | 'source';
  figures: Figures;
}

/** A ratio judged across runs: `higher` when a larger value is better. */
interface JudgedRatio {
  key: string;
  label: string;
  better: 'higher' | 'lower';
}

export const JUDGED: readonly JudgedRatio[] = [
  { key: 'ratioToCeiling', label: '(a)/(b) durable transitions / raw ceiling', better: 'higher' },
  { key: 'ingestTimeToCeiling', label: 'ingest time / cp -r + sync + md5sum time', better: 'lower' },
  { key: 'ratioToBullmq', label: 'holdfast / BullMQ no-op jobs', better: 'higher' },
];

/** Absolute figures shown beside the ratios, for the reader; machines differ, so never judged. */
export const SHOWN: readonly { key: string; label: string }[] = [
  { key: 'transitionsPerSec', label: '(a) durable transitions /s' },
  { key: 'ceilingStepsPerSec', label: '(b) raw ceiling steps /s' },
  { key: 'p99StepLatencyMs', label: '(a) p99 step-to-durable ms' },
  { key: 'cpuUsPerStep', label: '(a) CPU µs a step' },
  { key: 'ingestMBPerSec', label: 'ingest MB/s' },
  { key: 'ingestCeilingMBPerSec', label: 'ingest ceiling MB/s' },
  { key: 'objectsPerSec', label: 'import objects /s' },
  { key: 'jobsPerSec', label: 'holdfast no-op jobs /s' },
  { key: 'bullmqJobsPerSec', label: 'BullMQ no-op jobs /s' },
];

/** A drop larger than this fraction of the recorded ratio is flagged. */
export const DROP_THRESHOLD = 0.1;

export interface ComparedRow {
  key: string;
  label: string;
  last: number | undefined;
  now: number | undefined;
  /** Change in performance, as a fraction (+0.05: 5 % better); undefined when either side is missing. */
  change: number | undefined;
  judged: boolean;
  /** True for a judged ratio whose performance fell by more than the threshold. */
  dropped: boolean;
}

const numberAt = (figures: Figures, key: string): number | undefined => {
  const value = figures[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
};

/** The judged ratios of a run's figures, derived from their parts where a run did not compute one. */
export function ratiosOf(figures: Figures): Figures {
  const out: Figures = { ...figures };
  const a = numberAt(figures, 'transitionsPerSec');
  const b = numberAt(figures, 'ceilingStepsPerSec');
  if (numberAt(out, 'ratioToCeiling') === undefined && a !== undefined && b) out.ratioToCeiling = a / b;
  const ingest = numberAt(figures, 'ingestMBPerSec');
  const ingestCeiling = numberAt(figures, 'ingestCeilingMBPerSec');
  // Same bytes both ways: the time ratio is the inverse of the throughput ratio.
  if (numberAt(out, 'ingestTimeToCeiling') === undefined && ingest && ingestCeiling !== undefined) out.ingestTimeToCeiling = ingestCeiling / ingest;
  const jobs = numberAt(figures, 'jobsPerSec');
  const bullmq = numberAt(figures, 'bullmqJobsPerSec');
  if (numberAt(out, 'ratioToBullmq') === undefined && jobs !== undefined && bullmq) out.ratioToBullmq = jobs / bullmq;
  return out;
}

/**
 * Compares a run with the last record, figure by figure. Pure. A judged ratio
 * is flagged when its performance fell by more than `threshold` (a lower-is-better
 * ratio counts as fallen when it rose). Rows with neither side are left out.
 */
export function compareRuns(last: Figures, now: Figures, threshold = DROP_THRESHOLD): ComparedRow[] {
  const [before, after] = [ratiosOf(last), ratiosOf(now)];
  const rows: ComparedRow[] = [];
  const row = (key: string, label: string, judged: boolean, better: 'higher' | 'lower') => {
    const [l, n] = [numberAt(before, key), numberAt(after, key)];
    if (l === undefined && n === undefined) return;
    let change: number | undefined;
    if (l !== undefined && n !== undefined && l > 0 && n > 0) change = better === 'higher' ? n / l - 1 : l / n - 1;
    rows.push({ key, label, last: l, now: n, change, judged, dropped: judged && change !== undefined && change < -threshold });
  };
  for (const ratio of JUDGED) row(ratio.key, ratio.label, true, ratio.better);
  for (const figure of SHOWN) row(figure.key, figure.label, false, figure.key === 'p99StepLatencyMs' || figure.key === 'cpuUsPerStep' ? 'lower' : 'higher');
  return rows;
}

/** Every record of a history file; none when it does not exist. Throws naming the line that is not a record. */
export function readHistory(path: string): HistoryRecord[] {
  if (!existsSync(path)) return [];
  const records: HistoryRecord[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (cause) {
        throw new Error(`${path}:${index + 1} is not JSON: ${(cause as Error).message}`);
      }
      const figures = (record as { figures?: unknown } | null)?.figures;
      if (typeof record !== 'object' || record === null || typeof figures !== 'object' || figures === null) throw new Error(`${path}:${index + 1} is not a bench record (no figures)`);
      records.push(record as HistoryRecord);
    });
  return records;
}

/**
 * The record a run is compared with: the last of the same kind (a --quick run only with --quick
 * ones) that measured something this run measured. A run of one suite (`--only import-large`)
 * recorded after a full run must not hide the full run from the next full run's comparison.
 */
export function lastComparable(records: readonly HistoryRecord[], quick: boolean, figures?: Readonly<Record<string, unknown>>): HistoryRecord | undefined {
  const measured = (values: Readonly<Record<string, unknown>>, key: string) => typeof values[key] === 'number';
  const shares = (record: HistoryRecord) => figures === undefined || Object.keys(figures).some((key) => measured(figures, key) && measured(record.figures, key));
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.quick === quick && shares(records[i]!)) return records[i];
  return undefined;
}

export function appendRecord(path: string, record: HistoryRecord): void {
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/** The comparison as text lines: ratios judged, absolute figures shown. */
export function formatComparison(last: HistoryRecord, rows: readonly ComparedRow[], code: 'dist' | 'source' = 'dist'): string[] {
  const show = (value: number | undefined) => (value === undefined ? '–' : value >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100));
  const lines = [`compared with the run recorded ${last.at} at ${last.commit} (node ${last.node}, ${last.cpu}, load ${last.loadBefore.toFixed(2)} before):`];
  const lastCode = last.code ?? 'source';
  if (lastCode !== code) lines.push(`  that run measured ${describeCode(lastCode)}, this one ${describeCode(code)}: a change between them is partly the compilation's`);
  const table = rows.map((row) => [
    row.label,
    show(row.last),
    show(row.now),
    row.change === undefined ? '' : `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)} %`,
    row.judged ? (row.dropped ? `DROP over ${DROP_THRESHOLD * 100} %` : row.change === undefined ? 'not compared' : 'ok') : 'shown, not judged',
  ]);
  const header = ['figure', 'recorded', 'now', 'performance', ''];
  const widths = header.map((_, column) => Math.max(...[header, ...table].map((cells) => cells[column]!.length)));
  for (const cells of [header, ...table]) lines.push(cells.map((cell, column) => (column === 1 || column === 2 || column === 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd());
  return lines;
}

function describeCode(code: 'dist' | 'source'): string {
  return code === 'dist' ? 'dist (tsc, as shipped)' : 'src through tsx';
}
