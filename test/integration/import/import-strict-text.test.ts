/**
 * Import files and link tags are decoded strictly (issue 17): invalid UTF-8 is
 * refused with its line, never decoded to U+FFFD and sent to the service.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { IMPORT_RECORDS, type ImportProblem } from '../../../src/machines/import.types.js';
import { contextOf, LINK_TAGS, openImportRuntime, runImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

const good = (id: string) => Buffer.from(`${JSON.stringify({ kind: 'object', id, type: 'book', data: { name: id } })}\n`);
// The line: `printf '{"kind":"object","id":"bad\xff\xfe",...}'`.
const bad = Buffer.concat([Buffer.from('{"kind":"object","id":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('","type":"book","data":{}}\n')]);

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin();
});
afterEach(async () => {
  await standin.close();
});

async function importOf(folder: string, file: string, linkTags?: string) {
  const { runtime, close } = await openImportRuntime(folder);
  try {
    const record = await runImport(runtime, { file, service: standin.url, ...(linkTags ? { linkTags } : {}) });
    return { record, problems: (await runtime.records.get<ImportProblem[]>(IMPORT_RECORDS.problems, 'batch')) ?? contextOf(record).problems };
  } finally {
    await close();
  }
}

describe('an import file that is not UTF-8', () => {
  it('refuses a JSON Lines line of invalid UTF-8 with its number and sends nothing', async () => {
    const folder = tempFolder();
    const file = join(folder, 'objects.jsonl');
    writeFileSync(file, Buffer.concat([good('a'), good('b'), bad, good('c')]));
    const { record, problems } = await importOf(folder, file);
    expect(record.state).toBe('error');
    expect(contextOf(record).error?.code).toBe('IMPORT_INVALID');
    expect(problems).toEqual([{ line: 3, message: expect.stringContaining('not valid UTF-8') }]);
    expect(standin.created).toEqual([]);
    expect(standin.requests.size).toBe(0);
  });

  it('refuses a first line of invalid UTF-8 too (where the form is still undecided)', async () => {
    const folder = tempFolder();
    const file = join(folder, 'objects.jsonl');
    writeFileSync(file, Buffer.concat([bad, good('a')]));
    const { record } = await importOf(folder, file);
    expect(record.state).toBe('error');
    expect(JSON.stringify(contextOf(record))).toContain('not valid UTF-8');
    expect(standin.created).toEqual([]);
  });

  it('refuses a JSON document holding invalid UTF-8, naming the file and the byte', async () => {
    const folder = tempFolder();
    const file = join(folder, 'objects.json');
    writeFileSync(file, Buffer.concat([Buffer.from('[\n'), bad.subarray(0, -1), Buffer.from('\n]\n')]));
    const { record } = await importOf(folder, file);
    expect(record.state).toBe('error');
    const error = contextOf(record).error;
    expect(error?.message).toMatch(/objects\.json: not valid UTF-8 text \(byte 28\)/);
    expect(standin.created).toEqual([]);
  });

  it('refuses a link-tags file of invalid UTF-8', async () => {
    const folder = tempFolder();
    const file = join(folder, 'objects.jsonl');
    writeFileSync(file, good('a'));
    const linkTags = join(folder, 'tags.json');
    writeFileSync(linkTags, Buffer.concat([Buffer.from(JSON.stringify(LINK_TAGS).slice(0, -1)), Buffer.from(',"t\xc3":[]}', 'latin1')]));
    const { record } = await importOf(folder, file, linkTags);
    expect(record.state).toBe('error');
    expect(JSON.stringify(contextOf(record))).toMatch(/link-tags file .*tags\.json: not valid UTF-8/);
    expect(standin.created).toEqual([]);
  });
});
