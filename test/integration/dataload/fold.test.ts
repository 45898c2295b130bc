/**
 * Issue 21's bounded growth for data loads: `holdfast prune --older-than 0s`
 * folds a finished load's per-file actors (child-fold.ts) over LMDB, and what
 * the load promised stays true: every file recorded as loaded, registered
 * once, its copy in place (verifyLoad counts the folded files), `holdfast job
 * ID` lists the files from the load's records and says they were folded, and
 * the same folder ingested again adds nothing.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { actorId } from '../../../src/persistence/store.js';
import { openHoldfast } from '../../../src/cli/assembly.js';
import { summarize } from '../../../src/cli/load-follow.js';
import { FOLDED } from '../../../src/runtime/child-fold.js';
import { verifyStore } from '../../../src/runtime/verify-store.js';
import { filesOf, makeSampleFolder, runCli, verifyLoad, withStore, type SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-fold-7c1e3b9d-5a2f-4e8b-9c0d-112233445566';
const PID = 'doi:10.5072/FK2/FOLD01';

let root: string;
let standin: DataverseStandin;

beforeEach(async () => {
  root = tempFolder('holdfast-fold-');
  standin = await startDataverseStandin({ token: TOKEN, filesDir: join(root, 'files'), datasets: [{ persistentId: PID }] });
});

afterEach(async () => standin.close());

describe('folding a finished data load', () => {
  it('folds its datafiles on prune, and its files stay listed, verified and known as loaded', async () => {
    const dir = join(root, 'source');
    const filesDir = join(root, 'files');
    const store = join(root, 'store');
    const files = await makeSampleFolder(dir, { smallFiles: 40 });
    const ingestArgs = ['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json'];
    const ingest = await runCli(ingestArgs);
    expect(ingest.code, ingest.stderr).toBe(0);
    const id = (ingest.json as SummaryJson).id;

    const pruned = await runCli(['prune', '--older-than', '0s', '--store', store, '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect((pruned.json as { folded: number }).folded).toBe(files.length);
    expect(await withStore(store, (s) => filesOf(s, actorId(id)))).toEqual([]);
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);

    // A summary read after the fold (a library host with a short retention) still names every file.
    const holdfast = await openHoldfast({ store, resume: false, listen: false });
    try {
      const summary = await summarize(holdfast.runtime, actorId(id), Date.now());
      expect(summary.files.map((file) => file.relativePath).sort()).toEqual(files.map((file) => file.relativePath).sort());
      expect(summary.bytes).toBe(files.reduce((sum, file) => sum + file.size, 0));
      expect(summary.files.every((file) => file.state === 'registered' && file.md5 !== undefined)).toBe(true);
    } finally {
      await holdfast.close();
    }

    const view = await runCli(['job', id, '--store', store, '--limit', '100']);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toContain(`  folded   ${files.length} per-file actors folded by retention (${files.length} registered)`);
    expect(view.stdout).toContain(`  files 1-${files.length} of ${files.length} (page 1 of 1):`);
    const json = (await runCli(['job', id, '--store', store, '--json', '--limit', '100'])).json as { files: { total: number; files: { relativePath: string; md5: string; size: number; fileId: number; state: string }[] } };
    expect(json.files.total).toBe(files.length);
    const byPath = new Map(json.files.files.map((f) => [f.relativePath, f]));
    for (const file of files) expect(byPath.get(file.relativePath), file.relativePath).toMatchObject({ state: 'registered', md5: file.md5, size: file.size, fileId: expect.any(Number) });

    const jobs = await runCli(['jobs', '--store', store]);
    expect(jobs.stdout).toContain(`${id}  dataload  done/completed`);
    expect(((await runCli(['prune', '--older-than', '0s', '--store', store, '--json'])).json as { folded: number }).folded).toBe(0);

    // What the dataset already holds is in `loaded`, not in the folded actors: nothing is loaded twice.
    const again = await runCli(ingestArgs);
    expect((again.json as SummaryJson).counts).toMatchObject({ total: 0, alreadyLoaded: files.length, registered: 0 });
    expect(standin.registered(PID)).toHaveLength(files.length);

    // Deleting the folded load works from its records, and takes its folded count with it.
    const deleted = await runCli(['delete', id, '--store', store, '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await withStore(store, (s) => s.getRecord(FOLDED, id))).toBeUndefined();
    expect(await withStore(store, async (s) => (await verifyStore(s)).violations)).toEqual([]);
  }, 120_000);
});
