import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImportText, type SourceRecord } from '../../../src/adapters/import/import-file.js';
import { readImportFile } from '../../../src/adapters/import/import-reader.js';
import { MAX_LISTED_PROBLEMS } from '../../../src/adapters/import/problem-list.js';
import type { ImportProblem } from '../../../src/machines/import.types.js';
import { tempFolder } from '../../helpers/temp-store.js';

type Read = { records: SourceRecord[]; problems: ImportProblem[] };

async function readFileOf(content: string, options: { maxLineBytes?: number } = {}): Promise<Read> {
  const file = join(tempFolder(), 'import.txt');
  writeFileSync(file, content);
  const records: SourceRecord[] = [];
  const problems = await readImportFile(file, { record: (line, kind, value) => records.push({ line, kind, value }) }, options);
  return { records, problems: problems.sorted() };
}

function readTextOf(content: string): Read {
  const records: SourceRecord[] = [];
  const problems = readImportText(content, { record: (line, kind, value) => records.push({ line, kind, value }) });
  return { records, problems: problems.sorted() };
}

const a = '{"kind":"object","id":"a","type":"t"}';
const b = '{"id":"b","type":"t"}';
const link = '{"child":"b","parent":"a","linkTag":"x","linkType":"dependent"}';
const document = { objects: [{ id: 'a', type: 't' }], links: [{ child: 'a', parent: 'b', linkTag: 'x', linkType: 'dependent' }] };

describe('reading an import file from disk', () => {
  // Each form the text reader knows, read from a file as the streamed reader does: the same records and problems.
  const forms: [string, string][] = [
    ['JSON Lines', [a, '', `  ${b}`, '{not json', link, '[1]'].join('\n')],
    ['JSON Lines with a BOM and CRLF', `\ufeff${a}\r\n${link}\r\n`],
    ['JSON Lines, links before their objects', [link, a, b].join('\n')],
    ['JSON Lines after blank lines', `\n \n\t\n${a}\n${b}`],
    ['JSON Lines whose first line is broken', ['{"id": "a",', b, link].join('\n')],
    ['JSON Lines whose first line is a lone brace', ['{', b].join('\n')],
    ['a JSON array over several lines', `[\n  ${a},\n  ${b},\n  ${link}\n]`],
    ['a JSON array with a syntax error', '[\n {"id": "a"},\n {"id": "b",}\n]'],
    ['an { objects, links } document on one line', JSON.stringify(document)],
    ['an { objects, links } document after a BOM and blank lines', `\ufeff\n\n${JSON.stringify(document, null, 2)}\n\n`],
    ['an { objects, links } document, links first, with an unknown field', JSON.stringify({ links: document.links, objects: document.objects, extra: 1 }, null, 2)],
    ['a one-line document followed by records', `${JSON.stringify(document)}\n${b}`],
    ['a single record over several lines', '{\n"id": "a",\n"type": "t"\n}'],
    ['a document whose lists are not lists', '{"objects": 3, "links": [1, {"kind": "object"}]}'],
    ['nothing', ''],
    ['white space', ' \n\t\n'],
  ];
  for (const [name, text] of forms) {
    it(`reads ${name} as the text reader does`, async () => {
      const expected = readTextOf(text);
      const read = await readFileOf(text);
      const byLine = (r: Read) => ({ records: [...r.records].sort((x, y) => x.line - y.line), problems: [...r.problems].sort((x, y) => x.line - y.line) });
      expect(byLine(read)).toEqual(byLine(expected));
    });
  }

  it('reads the records of JSON Lines in file order, links before objects as they come', async () => {
    const { records, problems } = await readFileOf([link, a, b].join('\n'));
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.kind])).toEqual([[1, 'link'], [2, 'object'], [3, 'object']]);
  });

  it('reports a line over 16 MB by its number and reads the others', async () => {
    const huge = `{"id": "big", "type": "t", "data": "${'x'.repeat(16 * 1024 * 1024)}"}`;
    const { records, problems } = await readFileOf([a, huge, b].join('\n'));
    expect(problems).toEqual([{ line: 2, message: 'longer than 16 MB: not read (a record must fit on one line of at most 16 MB)' }]);
    expect(records.map((r) => r.value.id)).toEqual(['a', 'b']);
  });

  it('reads a document over 16 MB on one line as a document', async () => {
    const objects = Array.from({ length: 3 }, (_, i) => ({ id: `o${i}`, type: 't', data: { text: 'y'.repeat(6 * 1024 * 1024) } }));
    const { records, problems } = await readFileOf(JSON.stringify({ objects, links: [] }));
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.value.id])).toEqual([[1, 'o0'], [1, 'o1'], [1, 'o2']]);
  });

  it('reports a first line over the limit when it is not a document either', async () => {
    const { records, problems } = await readFileOf(`{"id": "${'z'.repeat(200)}"\n${b}`, { maxLineBytes: 100 });
    expect(problems).toEqual([{ line: 1, message: 'longer than 100 bytes: not read (a record must fit on one line of at most 100 bytes)' }]);
    expect(records.map((r) => r.value.id)).toEqual(['b']);
  });

  it('fails with SOURCE_MISSING for a missing file and SOURCE_UNREADABLE for a folder', async () => {
    const folder = tempFolder();
    const sink = { record: () => undefined };
    await expect(readImportFile(join(folder, 'none.jsonl'), sink)).rejects.toMatchObject({ code: 'SOURCE_MISSING', message: expect.stringContaining('the import file') });
    mkdirSync(join(folder, 'dir'));
    await expect(readImportFile(join(folder, 'dir'), sink)).rejects.toMatchObject({ code: 'SOURCE_UNREADABLE' });
  });
});

describe('reading a file of broken lines', () => {
  // 200,000 problems were 200,000 objects in one array, then one record: now counted, and 10,000 listed.
  const broken = 200_000;

  it('counts every broken line of JSON Lines and keeps the first MAX_LISTED_PROBLEMS, in line order', async () => {
    const file = join(tempFolder(), 'broken.jsonl');
    writeFileSync(file, 'x\n'.repeat(broken));
    let records = 0;
    const problems = await readImportFile(file, { record: () => void records++ });
    expect(records).toBe(0);
    expect(problems.count).toBe(broken);
    expect(problems.held).toBeLessThanOrEqual(2 * MAX_LISTED_PROBLEMS);
    const listed = problems.sorted();
    expect(listed).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(listed.every((p, i) => p.line === i + 1 && p.message.startsWith('not JSON'))).toBe(true);
  });

  it('counts every element of a JSON document that is not a record, and keeps the first MAX_LISTED_PROBLEMS', async () => {
    const file = join(tempFolder(), 'broken.json');
    writeFileSync(file, `[\n${Array.from({ length: broken }, () => '1').join(',\n')}\n]`);
    const problems = await readImportFile(file, { record: () => undefined });
    expect(problems.count).toBe(broken);
    const listed = problems.sorted();
    expect(listed).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(listed[0]).toEqual({ line: 2, message: 'a record must be a JSON object' });
    expect(listed.at(-1)!.line).toBe(MAX_LISTED_PROBLEMS + 1);
  });
});
