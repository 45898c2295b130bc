/** A file of more broken lines than are listed, over a real store: all counted, 10,000 stored, nothing sent. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { MAX_LISTED_PROBLEMS } from '../../../src/adapters/import/problem-list.js';
import { describeImport, summarizeImport } from '../../../src/cli/commands/import.js';
import { IMPORT_RECORDS, type ImportProblem } from '../../../src/machines/import.types.js';
import { actorId } from '../../../src/persistence/store.js';
import { contextOf, openImportRuntime, runImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

// Past the limit, and quick: each line is two bytes.
const BROKEN = 12_345;

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin();
});
afterEach(async () => {
  await standin.close();
});

describe('an import with more problems than are listed', () => {
  it('ends error counting every problem, stores the first 10,000 by line, and sends nothing', async () => {
    const folder = tempFolder();
    const file = join(folder, 'broken.jsonl');
    writeFileSync(file, 'x\n'.repeat(BROKEN));
    const { runtime, close } = await openImportRuntime(folder);
    try {
      const startedAt = Date.now();
      const record = await runImport(runtime, { file, service: standin.url });
      const context = contextOf(record);
      expect(record.state).toBe('error');
      expect(context.problemCount).toBe(BROKEN);
      expect(context.problems).toHaveLength(50);
      expect(context.error).toEqual({ code: 'IMPORT_INVALID', message: 'the import has 12,345 problem(s); nothing was sent (the first 10,000 by line are listed)' });
      const stored = (await runtime.records.get<ImportProblem[]>(IMPORT_RECORDS.problems, 'batch'))!;
      expect(stored).toHaveLength(MAX_LISTED_PROBLEMS);
      expect(stored.every((p, i) => p.line === i + 1)).toBe(true);
      expect(standin.requests.size).toBe(0);
      expect(standin.created).toEqual([]);

      // What `holdfast import` prints and its --json: the total, and what --json truly lists.
      const summary = await summarizeImport(runtime, actorId('batch'), startedAt);
      expect(summary.problemCount).toBe(BROKEN);
      expect(summary.problems).toHaveLength(MAX_LISTED_PROBLEMS);
      const lines = describeImport(summary);
      expect(lines[1]).toBe('  invalid input, nothing was sent: 12,345 problem(s)');
      expect(lines.filter((line) => line.startsWith('  line '))).toHaveLength(200);
      expect(lines.at(-1)).toBe('  ... and 12,145 more (--json lists the first 10,000 by line)');
    } finally {
      await close();
    }
  });

  it("merges the link tags' problems with the file's, counting both, a line's link-tag problem first", async () => {
    const folder = tempFolder();
    const file = join(folder, 'broken.jsonl');
    writeFileSync(file, 'x\n'.repeat(MAX_LISTED_PROBLEMS + 1));
    const linkTags = join(folder, 'tags.json');
    writeFileSync(linkTags, '{ not json');
    const { runtime, close } = await openImportRuntime(folder);
    try {
      const record = await runImport(runtime, { file, linkTags, service: standin.url });
      expect(record.state).toBe('error');
      expect(contextOf(record).problemCount).toBe(MAX_LISTED_PROBLEMS + 2);
      const stored = (await runtime.records.get<ImportProblem[]>(IMPORT_RECORDS.problems, 'batch'))!;
      expect(stored).toHaveLength(MAX_LISTED_PROBLEMS);
      expect(stored[0]).toEqual({ line: 1, message: expect.stringMatching(/^link tags: not JSON/) });
      expect(stored[1]).toEqual({ line: 1, message: expect.stringMatching(/^not JSON/) });
      expect(stored.at(-1)!.line).toBe(MAX_LISTED_PROBLEMS - 1);
      expect(standin.requests.size).toBe(0);
    } finally {
      await close();
    }
  });
});
