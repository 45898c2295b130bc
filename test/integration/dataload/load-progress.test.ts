/**
 * What a foreground load's progress line is fed (issue 22, item 5), over a
 * real load: bytes copied of the bytes found, never going back, ending at the
 * total; files under way by name while they are prepared and copied.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHoldfast } from '../../../src/cli/assembly.js';
import { followLoad } from '../../../src/cli/load-follow.js';
import { activityOf } from '../../../src/cli/load-progress.js';
import type { Progress, ProgressUpdate } from '../../../src/cli/progress.js';
import { loadInput, makeSampleFolder, startLoad } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('load progress', () => {
  it('counts bytes of the files found, never backwards, and names the files under way', async () => {
    const root = tempFolder('holdfast-load-progress-');
    const dir = join(root, 'source');
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 5, largeBytes: 40 * 1_048_576 });
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const updates: ProgressUpdate[] = [];
    const progress: Progress = { update: (update) => void updates.push(update), log: () => {}, stop: () => {} };
    const holdfast = await openHoldfast({ store: join(root, 'store'), listen: false });
    try {
      const id = await startLoad(holdfast, loadInput({ dir, dataset: 'doi:10.5072/FK2/PROG01', filesDir: join(root, 'files') }));
      const summary = await followLoad(holdfast.runtime, id, progress, Date.now());
      expect(summary.state).toBe('completed');
    } finally {
      await holdfast.close();
    }
    const bytes = updates.flatMap((update) => (update.bytes === undefined ? [] : [update.bytes]));
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]).toBeGreaterThanOrEqual(bytes[i - 1]!);
    expect(bytes.at(-1)).toBe(total);
    expect(updates.flatMap((update) => (update.totalBytes === undefined ? [] : [update.totalBytes])).at(-1)).toBe(total);
    const activities = updates.flatMap((update) => (update.activity ? [update.activity] : []));
    expect(activities.some((text) => /^preparing /.test(text)), activities.join('\n')).toBe(true);
    expect(activities).toContain('copying large/scan.bin');
    expect(updates.at(-1)?.activity ?? updates.findLast((update) => update.activity !== undefined)?.activity).toBe('');
    expect(updates.some((update) => update.state === 'completed')).toBe(true);
  });

  it('describes the files under way in words', () => {
    expect(activityOf([])).toBe('');
    expect(activityOf([{ path: 'a/scan.bin', phase: 'preparing' }])).toBe('preparing a/scan.bin');
    expect(activityOf([{ path: 'a', phase: 'preparing' }, { path: 'b', phase: 'copying' }, { path: 'c', phase: 'copying' }])).toBe('preparing 1, copying 2 files');
  });
});
