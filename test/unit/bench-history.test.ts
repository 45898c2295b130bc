import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendRecord, compareRuns, formatComparison, lastComparable, ratiosOf, readHistory, type HistoryRecord } from '../../bench/lib/history.js';

const quiet = { transitionsPerSec: 30_000, ceilingStepsPerSec: 50_000, ratioToCeiling: 0.6, ingestTimeToCeiling: 1.4, jobsPerSec: 8_000, bullmqJobsPerSec: 10_000, ratioToBullmq: 0.8 };

const judged = (rows: ReturnType<typeof compareRuns>, key: string) => rows.find((row) => row.key === key)!;

describe('bench history: comparing a run with the last record', () => {
  it('passes a run whose ratios held, on a machine half as fast', () => {
    const slow = { ...quiet, transitionsPerSec: 15_000, ceilingStepsPerSec: 25_000, jobsPerSec: 4_000, bullmqJobsPerSec: 5_000 };
    const rows = compareRuns(quiet, slow);
    expect(rows.filter((row) => row.dropped)).toEqual([]);
    // The absolute figures halved: shown, not judged.
    expect(judged(rows, 'transitionsPerSec')).toMatchObject({ judged: false, dropped: false, change: -0.5 });
  });

  it('flags (a)/(b) falling by more than 10 %, and not by 10 % or less', () => {
    expect(judged(compareRuns(quiet, { ...quiet, ratioToCeiling: 0.53 }), 'ratioToCeiling')).toMatchObject({ judged: true, dropped: true });
    expect(judged(compareRuns(quiet, { ...quiet, ratioToCeiling: 0.54 }), 'ratioToCeiling').dropped).toBe(false);
    expect(judged(compareRuns(quiet, { ...quiet, ratioToCeiling: 0.7 }), 'ratioToCeiling').dropped).toBe(false);
  });

  it('reads the ingest ratio the other way: a time ratio that rose over 10 % is a drop', () => {
    const worse = judged(compareRuns(quiet, { ...quiet, ingestTimeToCeiling: 1.6 }), 'ingestTimeToCeiling');
    expect(worse.dropped).toBe(true);
    expect(worse.change).toBeCloseTo(1.4 / 1.6 - 1);
    expect(judged(compareRuns(quiet, { ...quiet, ingestTimeToCeiling: 1.2 }), 'ingestTimeToCeiling')).toMatchObject({ dropped: false });
  });

  it('flags holdfast / BullMQ falling', () => {
    expect(judged(compareRuns(quiet, { ...quiet, ratioToBullmq: 0.6 }), 'ratioToBullmq').dropped).toBe(true);
  });

  it('derives a ratio a run did not compute from its parts', () => {
    const parts = { transitionsPerSec: 20_000, ceilingStepsPerSec: 40_000, ingestMBPerSec: 200, ingestCeilingMBPerSec: 300, jobsPerSec: 3_000, bullmqJobsPerSec: 6_000 };
    expect(ratiosOf(parts)).toMatchObject({ ratioToCeiling: 0.5, ingestTimeToCeiling: 1.5, ratioToBullmq: 0.5 });
    expect(judged(compareRuns(quiet, parts), 'ratioToCeiling').dropped).toBe(true);
  });

  it('judges nothing it cannot compare: a suite skipped on one side (BullMQ without Redis)', () => {
    const noBullmq: Record<string, number | string> = { ...quiet, bullmqSkipped: 'no redis' };
    delete noBullmq.bullmqJobsPerSec;
    delete noBullmq.ratioToBullmq;
    const row = judged(compareRuns(quiet, noBullmq), 'ratioToBullmq');
    expect(row).toMatchObject({ last: 0.8, now: undefined, change: undefined, dropped: false });
    expect(compareRuns({}, {})).toEqual([]);
  });

  it('compares with the last record of the same kind', () => {
    const record = (at: string, quick: boolean) => ({ at, quick }) as HistoryRecord;
    const records = [record('1', false), record('2', true), record('3', false), record('4', true)];
    expect(lastComparable(records, false)?.at).toBe('3');
    expect(lastComparable(records, true)?.at).toBe('4');
    expect(lastComparable([], false)).toBeUndefined();
  });

  it('skips a record of other suites: a full run is compared with the last full run, not a one-suite run since', () => {
    const record = (at: string, figures: Record<string, number | null>) => ({ at, quick: false, figures }) as unknown as HistoryRecord;
    const full = record('full', { transitionsPerSec: 19_416, ratioToCeiling: 0.45, importLargeRatio: null });
    const large = record('large', { transitionsPerSec: null, ratioToCeiling: null, importLargeRatio: 0.71 });
    expect(lastComparable([full, large], false, { transitionsPerSec: 11_271, ratioToCeiling: 0.47 })?.at).toBe('full');
    expect(lastComparable([full, large], false, { importLargeRatio: 0.6 })?.at).toBe('large');
    expect(lastComparable([large], false, { transitionsPerSec: 11_271 })).toBeUndefined();
  });

  it('prints both runs, the change, and the flag', () => {
    const last: HistoryRecord = { at: '2026-12-06T08:00:00.000Z', commit: 'abc1234', node: 'v20.20.2', cpu: 'Test CPU', cpus: 2, loadBefore: 0.1, loadAfter: 0.5, quick: false, repeats: 3, figures: quiet };
    const text = formatComparison(last, compareRuns(quiet, { ...quiet, ratioToCeiling: 0.45 })).join('\n');
    expect(text).toContain('abc1234');
    expect(text).toMatch(/\(a\)\/\(b\).*0\.6\s+0\.45\s+-25\.0 %\s+DROP over 10 %/);
    expect(text).toMatch(/\(a\) durable transitions \/s\s+30,000\s+30,000\s+\+0\.0 %\s+shown, not judged/);
  });

  it('says when the recorded run measured other code (src through tsx) than this one (dist)', () => {
    const last: HistoryRecord = { at: 'then', commit: 'abc1234', node: 'v20', cpu: 'cpu', cpus: 2, loadBefore: 0, loadAfter: 0, quick: false, repeats: 3, figures: quiet };
    expect(formatComparison(last, compareRuns(quiet, quiet), 'dist').join('\n')).toContain('that run measured src through tsx, this one dist (tsc, as shipped)');
    expect(formatComparison({ ...last, code: 'dist' }, compareRuns(quiet, quiet), 'dist').join('\n')).not.toContain('that run measured');
  });
});

describe('bench history file', () => {
  let folder: string | undefined;
  afterEach(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  });

  it('appends records one a line and reads them back; a missing file holds none', () => {
    folder = mkdtempSync(join(tmpdir(), 'holdfast-history-'));
    const file = join(folder, 'history.jsonl');
    expect(readHistory(file)).toEqual([]);
    const record: HistoryRecord = { at: 'now', commit: 'abc', node: 'v20', cpu: 'cpu', cpus: 2, loadBefore: 0, loadAfter: 0, quick: false, repeats: 3, figures: quiet };
    appendRecord(file, record);
    appendRecord(file, { ...record, commit: 'def' });
    expect(readHistory(file).map((entry) => entry.commit)).toEqual(['abc', 'def']);
  });

  it('names the line of a history that is not a record', () => {
    folder = mkdtempSync(join(tmpdir(), 'holdfast-history-'));
    const file = join(folder, 'history.jsonl');
    writeFileSync(file, `${JSON.stringify({ figures: {} })}\n\n{"not": "a record"}\n`);
    expect(() => readHistory(file)).toThrow(/history\.jsonl:3 is not a bench record/);
    writeFileSync(file, '{broken\n');
    expect(() => readHistory(file)).toThrow(/history\.jsonl:1 is not JSON/);
  });
});
