import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../../src/adapters/import/import-lines.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** Every line read, and the numbers of those too long. */
async function linesOf(content: string | Buffer, options: { maxLineBytes?: number; stopAt?: number } = {}) {
  const file = join(tempFolder(), 'lines.txt');
  writeFileSync(file, content);
  const lines: [number, string][] = [];
  const tooLong: number[] = [];
  const notText: number[] = [];
  const finished = await readLines(
    file,
    {
      line: (text, line) => {
        lines.push([line, text]);
        return line === options.stopAt ? 'stop' : undefined;
      },
      tooLong: (line) => void tooLong.push(line),
      notText: (line) => void notText.push(line),
    },
    options,
  );
  return { lines, tooLong, notText, finished };
}

describe('reading a file line by line', () => {
  it('numbers lines as split("\\n") does, the text after the last newline included', async () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb\r\n', '\n\nc', '{"x": 1}\n\n  {"y": 2}  ']) {
      const { lines, finished } = await linesOf(text);
      expect(finished).toBe(true);
      expect(lines).toEqual(text.split('\n').map((line, i) => [i + 1, line]));
    }
  });

  it("joins lines cut by the stream's 1 MB reads, multi-byte characters included", async () => {
    // Lines of 1 to ~300 KB of 'é' (2 bytes) and '€' (3 bytes): many cross a read boundary, some mid-character.
    const source = Array.from({ length: 40 }, (_, i) => `${i}:${(i % 2 ? 'é' : '€').repeat(((i * 7919) % 100_000) + 1)}`);
    const { lines } = await linesOf(source.join('\n'));
    expect(lines.map(([, text]) => text)).toEqual(source);
  });

  it('skips a line longer than the limit, reports its number, and reads on', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024); // spans several reads
    const { lines, tooLong } = await linesOf(`a\n${long}\nb\n${'y'.repeat(101)}\n${'z'.repeat(100)}`, { maxLineBytes: 100 });
    expect(tooLong).toEqual([2, 4]);
    expect(lines).toEqual([[1, 'a'], [3, 'b'], [5, 'z'.repeat(100)]]);
  });

  it('counts the limit in bytes, not characters', async () => {
    const { lines, tooLong } = await linesOf(`${'é'.repeat(50)}\n${'é'.repeat(51)}`, { maxLineBytes: 100 });
    expect(lines).toEqual([[1, 'é'.repeat(50)]]);
    expect(tooLong).toEqual([2]);
  });

  it('reports a line of invalid UTF-8 by number instead of decoding it, and reads on', async () => {
    const { lines, notText } = await linesOf(Buffer.concat([Buffer.from('a\nb'), Buffer.from([0xff, 0xfe]), Buffer.from('\né\n'), Buffer.from([0xed, 0xa0, 0x80])]));
    expect(notText).toEqual([2, 4]); // a lone surrogate (ED A0 80) is not UTF-8 either
    expect(lines).toEqual([[1, 'a'], [3, 'é']]);
  });

  it('stops early when the visitor says so', async () => {
    const { lines, finished } = await linesOf('a\nb\nc\n', { stopAt: 2 });
    expect(finished).toBe(false);
    expect(lines).toEqual([[1, 'a'], [2, 'b']]);
  });

  it('fails with the file system error for a missing file', async () => {
    await expect(readLines(join(tempFolder(), 'none.jsonl'), { line: () => undefined, tooLong: () => undefined, notText: () => undefined })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
