/**
 * removeCopies, the file-store half of a load's cleanup (issue 15, item 7), on
 * real folders: it removes the planned copies and their temporaries, reports
 * the same when run again (an effect runs at least once), and keeps, with the
 * reason, anything that is not the copy the plan names: a symbolic link, a
 * folder, a file of another size, a dataset folder that links out of the
 * files dir.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeCopies, type CopiesPlan } from '../../../src/adapters/dataload/load-copies.js';
import { tempFolder } from '../../helpers/temp-store.js';

const FOLDER = { authority: '10.5072', identifier: 'FK2/COPIES' };
const [A, B, C, D] = ['18f3a5c2b11-00000000000a', '18f3a5c2b11-00000000000b', '18f3a5c2b11-00000000000c', '18f3a5c2b11-00000000000d'];

function setUp() {
  const root = tempFolder('holdfast-load-copies-');
  const filesDir = join(root, 'files');
  const dataset = join(filesDir, '10.5072', 'FK2', 'COPIES');
  mkdirSync(dataset, { recursive: true });
  return { root, filesDir, dataset };
}

describe('removeCopies', () => {
  it('removes the planned copies and their temporaries, and reports the same when run again', async () => {
    const { filesDir, dataset } = setUp();
    writeFileSync(join(dataset, A), 'aaaa');
    writeFileSync(join(dataset, `.${A}.0123456789ab.holdfast-tmp`), 'half');
    writeFileSync(join(dataset, B), 'kept by the plan');
    const plan: CopiesPlan = { filesDir, folder: FOLDER, remove: [{ storageIdentifier: A, size: 4 }], kept: [{ storageIdentifier: B, reason: 'Dataverse holds it' }] };

    const first = await removeCopies(plan);
    const again = await removeCopies(plan);

    expect(first).toEqual({ folder: dataset, removed: [A], kept: plan.kept, temporaries: 1 });
    expect(again).toEqual({ ...first, temporaries: 0 });
    expect(existsSync(join(dataset, A))).toBe(false);
    expect(readFileSync(join(dataset, B), 'utf8')).toBe('kept by the plan');
  });

  it('keeps a symbolic link, a folder and a file of another size at a planned path', async () => {
    const { root, filesDir, dataset } = setUp();
    writeFileSync(join(root, 'precious.txt'), 'outside');
    symlinkSync(join(root, 'precious.txt'), join(dataset, A));
    mkdirSync(join(dataset, B));
    writeFileSync(join(dataset, C), 'twelve bytes');
    const plan: CopiesPlan = { filesDir, folder: FOLDER, remove: [A, B, C].map((storageIdentifier) => ({ storageIdentifier, size: 4 })), kept: [] };

    const report = await removeCopies(plan);

    expect(report.removed).toEqual([]);
    expect(report.kept.map((k) => [k.storageIdentifier, k.reason])).toEqual([
      [A, expect.stringMatching(/PATH_OUTSIDE_ROOT|not a regular file/)],
      [B, 'not removed: not a regular file'],
      [C, "not removed: it holds 12 bytes, this load's copy had 4"],
    ]);
    expect(readFileSync(join(root, 'precious.txt'), 'utf8')).toBe('outside');
    expect(existsSync(join(dataset, B))).toBe(true);
    expect(existsSync(join(dataset, C))).toBe(true);
  });

  it('removes nothing through a dataset folder that links out of the files dir', async () => {
    const root = tempFolder('holdfast-load-copies-');
    const filesDir = join(root, 'files');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(join(filesDir, '10.5072', 'FK2'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, D), 'dddd');
    symlinkSync(elsewhere, join(filesDir, '10.5072', 'FK2', 'COPIES'));

    const report = await removeCopies({ filesDir, folder: FOLDER, remove: [{ storageIdentifier: D, size: 4 }], kept: [] });

    expect(report.removed).toEqual([]);
    expect(report.kept).toEqual([{ storageIdentifier: D, reason: expect.stringContaining('PATH_OUTSIDE_ROOT') }]);
    expect(readFileSync(join(elsewhere, D), 'utf8')).toBe('dddd');
  });
});
