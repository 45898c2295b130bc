/** The file sources over real files: ids, line numbers in errors, hostile input, streaming. */
import { chmodSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import { openSource, parseSourceSpec } from '../../../src/adapters/batch/sources/source-spec.js';
import { fullScale } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

async function items(spec: string, cwd: string) {
  const all: { id: string; value: unknown }[] = [];
  for await (const item of await openSource(parseSourceSpec(spec, cwd), { cwd })) all.push(item);
  return all;
}

async function failure(spec: string, cwd: string): Promise<HoldfastError> {
  try {
    await items(spec, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(HoldfastError);
    return error as HoldfastError;
  }
  throw new Error(`expected ${spec} to fail`);
}

/** A file of one line of `bytes` x's, written in 1 MB pieces. */
function hugeLine(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const piece = Buffer.alloc(1 << 20, 'x');
  for (let written = 0; written < bytes; written += piece.length) writeSync(fd, piece, 0, Math.min(piece.length, bytes - written));
  closeSync(fd);
}

describe('jsonl: source', () => {
  it('numbers items by line (blank lines skipped but counted) or takes the id field', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'a.jsonl'), '{"id":"x","n":1}\n\n{"id":"y","n":2}\r\n{"id":3,"n":3}');
    expect(await items('jsonl:a.jsonl', folder)).toEqual([
      { id: '1', value: { id: 'x', n: 1 } },
      { id: '3', value: { id: 'y', n: 2 } },
      { id: '4', value: { id: 3, n: 3 } },
    ]);
    expect((await items('jsonl:a.jsonl#id', folder)).map((item) => item.id)).toEqual(['x', 'y', '3']);
  });

  it('names the file and line of malformed JSON, a missing id field and a duplicate id', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'bad.jsonl'), '{"id":1}\n{"id":2}\n{"id":3,\n');
    const bad = await failure('jsonl:bad.jsonl', folder);
    expect(bad.code).toBe('INVALID_INPUT');
    expect(bad.message).toContain(`${join(folder, 'bad.jsonl')} line 3: malformed JSON`);
    writeFileSync(join(folder, 'noid.jsonl'), '{"id":1}\n{"name":"x"}\n');
    expect((await failure('jsonl:noid.jsonl#id', folder)).message).toMatch(/noid.jsonl line 2: the id field "id" is missing/);
    writeFileSync(join(folder, 'dup.jsonl'), '{"id":1}\n{"id":2}\n{"id":1}\n');
    expect((await failure('jsonl:dup.jsonl#id', folder)).message).toMatch(/duplicate id "1" at .*dup.jsonl line 3 \(first at .*dup.jsonl line 1\)/);
  });

  it('refuses binary garbage and invalid UTF-8 with the line number', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'bin.jsonl'), Buffer.from([0x7b, 0x7d, 0x0a, 0xff, 0xfe, 0x00, 0x01, 0x0a]));
    const error = await failure('jsonl:bin.jsonl', folder);
    expect(error.message).toMatch(/bin.jsonl line 2: not valid UTF-8 text/);
    writeFileSync(join(folder, 'nul.jsonl'), Buffer.from([0x00, 0x01, 0x02, 0x0a]));
    expect((await failure('jsonl:nul.jsonl', folder)).message).toMatch(/nul.jsonl line 1: malformed JSON/);
  });

  it('refuses a line over 16 MB without buffering it whole', async () => {
    const folder = tempFolder();
    const size = fullScale ? 100 * 1024 * 1024 : 17 * 1024 * 1024;
    writeFileSync(join(folder, 'big.jsonl'), '{"a":1}\n');
    hugeLine(join(folder, 'line.jsonl'), size);
    const before = process.memoryUsage().arrayBuffers;
    const error = await failure('jsonl:line.jsonl', folder);
    expect(error.message).toMatch(/line.jsonl line 1: longer than 16777216 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('streams a large file in bounded memory', async () => {
    const folder = tempFolder();
    const lines = fullScale ? 1_000_000 : 100_000;
    const fd = openSync(join(folder, 'many.jsonl'), 'w');
    let chunk = '';
    for (let i = 1; i <= lines; i++) {
      chunk += `{"id":"r${i}","address":"1055 Budapest, Kossuth Lajos u. ${i}."}\n`;
      if (i % 10_000 === 0) (writeSync(fd, chunk), (chunk = ''));
    }
    closeSync(fd);
    let count = 0;
    let last = '';
    const startedAt = Date.now();
    for await (const item of await openSource(parseSourceSpec('jsonl:many.jsonl', folder), { cwd: folder })) {
      count += 1;
      last = item.id;
    }
    expect(count).toBe(lines);
    expect(last).toBe(String(lines));
    // Not a benchmark (other work shares the machine): a generous floor that a quadratic reader would miss.
    expect(Date.now() - startedAt).toBeLessThan(lines / 10);
  });

  it('says SOURCE_MISSING for a missing file and SOURCE_UNREADABLE for a folder', async () => {
    const folder = tempFolder();
    const missing = await failure('jsonl:nope.jsonl', folder);
    expect(missing.code).toBe('SOURCE_MISSING');
    expect(missing.message).toContain(join(folder, 'nope.jsonl'));
    mkdirSync(join(folder, 'sub'));
    expect((await failure('jsonl:sub', folder)).code).toBe('SOURCE_UNREADABLE');
    expect((await failure('csv:sub', folder)).code).toBe('SOURCE_UNREADABLE');
    expect((await failure('dir:nope', folder)).code).toBe('SOURCE_MISSING');
    writeFileSync(join(folder, 'file'), 'x');
    expect((await failure('dir:file', folder)).code).toBe('SOURCE_UNREADABLE');
  });
});

describe('csv: source', () => {
  it('reads records with a header row, id by record number or field, quoted newlines kept', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'a.csv'), '\ufeffcode,address\nA1,"1055 Budapest, Fő u. 1"\n\nB2,"multi\nline"\nC3,x\n');
    const all = await items('csv:a.csv', folder);
    expect(all).toEqual([
      { id: '1', value: { code: 'A1', address: '1055 Budapest, Fő u. 1' } },
      { id: '2', value: { code: 'B2', address: 'multi\nline' } },
      { id: '3', value: { code: 'C3', address: 'x' } },
    ]);
    expect((await items('csv:a.csv#code', folder)).map((item) => item.id)).toEqual(['A1', 'B2', 'C3']);
  });

  it('names the line of a malformed record, a missing id, a duplicate id and a NUL byte', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'cols.csv'), 'a,b\n1,2\n3,4,5\n');
    const cols = await failure('csv:cols.csv', folder);
    expect(cols.code).toBe('INVALID_INPUT');
    expect(cols.message).toMatch(/cols.csv line 3: malformed CSV/);
    writeFileSync(join(folder, 'quote.csv'), 'a,b\n1,2\n3,"open\n');
    expect((await failure('csv:quote.csv', folder)).message).toMatch(/quote.csv line \d+: malformed CSV/);
    writeFileSync(join(folder, 'noid.csv'), 'a,b\n1,2\n,4\n');
    expect((await failure('csv:noid.csv#a', folder)).message).toMatch(/noid.csv line 3: the id field "a" is missing or empty/);
    writeFileSync(join(folder, 'dup.csv'), 'a,b\n1,2\n1,3\n');
    expect((await failure('csv:dup.csv#a', folder)).message).toMatch(/duplicate id "1" at .*dup.csv line 3/);
    writeFileSync(join(folder, 'bin.csv'), Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0, 1, 2]), Buffer.from('\n')]));
    expect((await failure('csv:bin.csv', folder)).message).toMatch(/bin.csv line 2: a field holds a NUL byte/);
  });

  it('refuses invalid UTF-8 with its line, never decoding it to replacement characters (issue 17)', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'latin1.csv'), Buffer.concat([Buffer.from('name,city\nA,Paris\nB,'), Buffer.from([0x4d, 0xfc, 0x6e]), Buffer.from('chen\n')]));
    const error = await failure('csv:latin1.csv', folder);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/latin1.csv line 3: not valid UTF-8 text/);
    // A character split across two reads is still one character.
    const long = `name\n${'x'.repeat(65_535)}é\n`;
    writeFileSync(join(folder, 'split.csv'), long);
    expect((await items('csv:split.csv', folder)).map((item) => (item.value as { name: string }).name.slice(-1))).toEqual(['é']);
    writeFileSync(join(folder, 'cut.csv'), Buffer.concat([Buffer.from('a\nx'), Buffer.from([0xc3])]));
    expect((await failure('csv:cut.csv', folder)).message).toMatch(/cut.csv line 2: ends inside a multi-byte character/);
  });

  it('refuses a field over 16 MB', async () => {
    const folder = tempFolder();
    const path = join(folder, 'huge.csv');
    writeFileSync(path, 'a,b\n1,"');
    const fd = openSync(path, 'a');
    const piece = Buffer.alloc(1 << 20, 'y');
    for (let i = 0; i < 17; i++) writeSync(fd, piece);
    writeSync(fd, '"\n');
    closeSync(fd);
    expect((await failure('csv:huge.csv', folder)).message).toMatch(/huge.csv line 2: a record is longer than 16777216 bytes/);
  });
});

describe('dir: source', () => {
  it('yields one item per regular file in a stable order, text inline only when small and UTF-8', async () => {
    const folder = tempFolder();
    const root = join(folder, 'files');
    mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'b.txt'), 'bee');
    writeFileSync(join(root, 'a.txt'), 'ay');
    writeFileSync(join(root, 'sub', 'deeper', 'c.bin'), Buffer.from([0, 1, 2]));
    writeFileSync(join(root, 'sub', 'big.txt'), 'z'.repeat(64 * 1024 + 1));
    writeFileSync(join(root, '.hidden'), 'h');
    symlinkSync(join(root, 'a.txt'), join(root, 'link.txt'));
    const all = await items('dir:files', folder);
    expect(all.map((item) => item.id)).toEqual(['a.txt', 'b.txt', 'sub/big.txt', 'sub/deeper/c.bin']);
    expect(all[0]!.value).toEqual({ path: 'a.txt', file: join(root, 'a.txt'), size: 2, text: 'ay' });
    expect(all[2]!.value).toEqual({ path: 'sub/big.txt', file: join(root, 'sub', 'big.txt'), size: 64 * 1024 + 1 });
    expect(all[3]!.value).toEqual({ path: 'sub/deeper/c.bin', file: join(root, 'sub', 'deeper', 'c.bin'), size: 3 });
  });

  it('fails on a subfolder it cannot list rather than leaving a silent gap', async () => {
    if (process.getuid?.() === 0) {
      // root reads everything: a file name that is not UTF-8 is the other refusal, and it does not depend on permissions.
      const folder = tempFolder();
      mkdirSync(join(folder, 'files'));
      writeFileSync(Buffer.concat([Buffer.from(join(folder, 'files') + '/'), Buffer.from([0xff, 0x61])]), 'x');
      expect((await failure('dir:files', folder)).message).toMatch(/not valid UTF-8/);
      return;
    }
    const folder = tempFolder();
    mkdirSync(join(folder, 'files', 'locked'), { recursive: true });
    chmodSync(join(folder, 'files', 'locked'), 0o000);
    try {
      expect((await failure('dir:files', folder)).message).toMatch(/locked: the folder cannot be listed/);
    } finally {
      chmodSync(join(folder, 'files', 'locked'), 0o755);
    }
  });
});
