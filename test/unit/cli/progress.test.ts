import { describe, expect, it } from 'vitest';
import { etaText } from '../../../src/cli/commands/batch-progress.js';
import { createProgress, formatProgress } from '../../../src/cli/progress.js';
import type { DataLoadCounts } from '../../../src/machines/dataload.machine.js';

const MB = 1_048_576;
const counts = (total: number, copied: number): DataLoadCounts => ({ total, copied, skipped: 0, failed: 0, registered: 0, registrationFailed: 0, refused: 0, alreadyLoaded: 0 });

/** A terminal as the progress sees it: what was written, and the screen's lines once carriage returns and clears are applied. */
function fakeTty(columns = 200) {
  const writes: string[] = [];
  return {
    columns,
    write(text: string) {
      writes.push(text);
      return true;
    },
    writes,
    screen(): string[] {
      const lines = [''];
      for (const ch of writes.join('').replaceAll('\x1b[K', '\u0000')) {
        if (ch === '\n') lines.push('');
        else if (ch === '\r') lines[lines.length - 1] = '';
        else if (ch !== '\u0000') lines[lines.length - 1] += ch;
      }
      return lines;
    },
  };
}

describe('formatProgress', () => {
  it('counts files and bytes, with no ETA before a rate is known', () => {
    const line = formatProgress({ state: 'copying', counts: counts(9, 8), bytes: 100 * MB, totalBytes: 700 * MB });
    expect(line).toBe('8/9 files | 100.0/700.0 MB | copying');
    expect(line).not.toMatch(/ETA|NaN|Infinity/);
  });

  it('gives an ETA from the copy rate once known, and none when nothing is left', () => {
    expect(formatProgress({ state: 'copying', counts: counts(9, 8), bytes: 100 * MB, totalBytes: 700 * MB, copyingSeconds: 10 })).toBe('8/9 files | 100.0/700.0 MB | 10.0 MB/s | ETA 1m00s | copying');
    expect(formatProgress({ state: 'registering', counts: counts(9, 9), bytes: 700 * MB, totalBytes: 700 * MB, copyingSeconds: 70 })).not.toMatch(/ETA/);
    expect(formatProgress({ state: 'walking', bytes: 0 })).toBe('0/? files | 0.0 MB | walking');
  });
});

describe('createProgress on a terminal', () => {
  it('draws one live line and puts header lines on their own lines above it', () => {
    let now = 1_000;
    const tty = fakeTty();
    const progress = createProgress('tty', tty, () => now);
    progress.log('load load-1: /data -> doi:10.5072/FK2/X');
    progress.update({ state: 'copying', counts: counts(2, 0), totalBytes: 2 * MB });
    progress.log('a notice while copying');
    now += 2_000;
    progress.update({ bytes: MB, counts: counts(2, 1) });
    now += 1_000;
    progress.update({ state: 'copying', bytes: MB, counts: counts(2, 1) });
    progress.stop();
    const screen = tty.screen();
    expect(screen[0]).toBe('load load-1: /data -> doi:10.5072/FK2/X');
    expect(screen[1]).toBe('a notice while copying');
    expect(screen[2]).toBe('1/2 files | 1.0/2.0 MB | 1.0 MB/s | ETA 1s | copying');
    expect(screen[3]).toBe('');
    expect(screen).toHaveLength(4);
    // The live line never carried an ETA it could not know (no rate yet when the copy began).
    expect(tty.writes.join('')).not.toMatch(/ETA (NaN|Infinity|NF)|ETA \d+Fs/);
    expect(tty.writes.some((w) => w.includes('0/2 files | 0.0/2.0 MB | copying'))).toBe(true);
  });

  it('cuts the live line to the terminal width', () => {
    const tty = fakeTty(20);
    const progress = createProgress('tty', tty, () => 0);
    progress.update({ state: 'copying', counts: counts(9, 1), bytes: MB, totalBytes: 9 * MB });
    expect(tty.screen()[0]!.length).toBeLessThan(20);
  });

  it('writes plain lines when not a terminal, and nothing when silent', () => {
    const lines = fakeTty();
    createProgress('lines', lines, () => 0).update({ state: 'walking' });
    expect(lines.screen()[0]).toBe('0/? files | 0.0 MB | walking');
    const silent = fakeTty();
    const quiet = createProgress('silent', silent);
    quiet.update({ state: 'walking' });
    quiet.log('x');
    expect(silent.writes).toEqual([]);
  });
});

describe('batch run ETA', () => {
  it('is told only once items are done at a rate, and not when all are done', () => {
    expect(etaText(10, 100, 0)).toBe('');
    expect(etaText(10, 100, Number.NaN)).toBe('');
    expect(etaText(100, 100, 5)).toBe('');
    expect(etaText(10, 100, 3)).toBe(' | ETA 30s');
  });
});
