import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { detectMimeType, mimeTypeFromName } from '../../../src/adapters/files/mime-type.js';

// The smallest valid PNG: signature, IHDR of a 1x1 grey pixel, IDAT, IEND.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010800000000' +
    '3a7e9b550000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082',
  'hex',
);

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'holdfast-mime-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function file(name: string, content: Buffer | string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

describe('detectMimeType', () => {
  it('types a PNG by its bytes, whatever its name says', async () => {
    expect(await detectMimeType(await file('picture.png', PNG), 'picture.png')).toBe('image/png');
    expect(await detectMimeType(await file('picture.dat', PNG), 'picture.dat')).toBe('image/png');
  });

  it('types text formats without a magic number by their extension', async () => {
    expect(await detectMimeType(await file('t.csv', 'a,b\n1,2\n'), 't.csv')).toBe('text/csv');
    expect(await detectMimeType(await file('t.txt', 'hello'), 't.txt')).toBe('text/plain');
    expect(await detectMimeType(await file('t.json', '{"a":1}'), 't.json')).toBe('application/json');
  });

  it('types an empty file by its extension, else as application/octet-stream', async () => {
    expect(await detectMimeType(await file('empty.csv', ''), 'empty.csv')).toBe('text/csv');
    expect(await detectMimeType(await file('empty', ''), 'empty')).toBe('application/octet-stream');
  });

  it('falls back to application/octet-stream for unknown bytes and no known extension', async () => {
    expect(await detectMimeType(await file('blob.zzz', Buffer.from([1, 2, 3, 4])), 'blob.zzz')).toBe(
      'application/octet-stream',
    );
  });

  it('throws a non-retryable SOURCE_MISSING for a file that vanished', async () => {
    await expect(detectMimeType(join(folder, 'gone.csv'), 'gone.csv')).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'SOURCE_MISSING',
    });
  });
});

describe('mimeTypeFromName', () => {
  it('reads the extension case-insensitively and ignores bare dot files', () => {
    expect(mimeTypeFromName('Table.CSV')).toBe('text/csv');
    expect(mimeTypeFromName('.json')).toBeUndefined();
    expect(mimeTypeFromName('README')).toBeUndefined();
  });
});
