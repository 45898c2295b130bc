/**
 * The inspector names a load's files by their relative path (issue 22, item 4):
 * the actor rows of a real copy-only load carry `label`, which the page shows
 * in place of the hash-like id.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActorViews } from '../../../src/adapters/inspector/actor-views.js';
import { openHoldfast } from '../../../src/cli/assembly.js';
import { runCli, type SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('inspector: actor labels', () => {
  it("labels a load's data files with their relative paths, and the load itself not at all", async () => {
    const root = tempFolder('holdfast-labels-');
    for (const path of ['docs/readme.txt', 'data/run 1/values.csv']) {
      await mkdir(join(root, 'source', path, '..'), { recursive: true });
      await writeFile(join(root, 'source', path), path);
    }
    const store = join(root, 'store');
    const ingest = await runCli(['ingest', join(root, 'source'), '--dataset', 'doi:10.5072/FK2/LABEL1', '--files-dir', join(root, 'files'), '--store', store, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const id = (ingest.json as SummaryJson).id;
    const holdfast = await openHoldfast({ store });
    try {
      const views = new ActorViews(holdfast.runtime, () => undefined);
      const rows = (await views.childrenPage(id, 0, 10)).items;
      expect(rows.map((row) => row.label).sort()).toEqual(['data/run 1/values.csv', 'docs/readme.txt']);
      for (const row of rows) expect(row.id).not.toContain(row.label!);
      expect((await views.actorView(rows[0]!.id)).label).toBe(rows[0]!.label);
      expect((await views.actorRow(id))?.label).toBeUndefined();
    } finally {
      await holdfast.close();
    }
  });
});
