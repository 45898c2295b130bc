import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { WalkEntry, WalkOptions } from '../../../src/adapters/files/walk-folder.js';
import { walkFolder } from '../../../src/adapters/files/walk-folder.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'holdfast-walk-'));
  root = join(base, 'data');
  await mkdir(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function files(tree: Record<string, string>): Promise<void> {
  for (const [relativePath, content] of Object.entries(tree)) {
    const path = join(root, relativePath);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
}

async function walk(options: WalkOptions = {}): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkFolder(root, options)) entries.push(entry);
  return entries;
}

function paths(entries: WalkEntry[]): string[] {
  return entries.map((entry) => entry.relativePath);
}

describe('walkFolder', () => {
  it('yields nested files depth first in byte order of names, folders among files', async () => {
    await files({ 'b.txt': 'b', 'a/z.txt': 'z', 'a/b/c.txt': 'c', 'C.txt': 'C', 'a.txt': 'a', 'ab/x': 'x' });
    expect(paths(await walk())).toEqual(['C.txt', 'a/b/c.txt', 'a/z.txt', 'a.txt', 'ab/x', 'b.txt']);
  });

  it('reports directoryLabel, fileName, size and mtime of each file', async () => {
    await files({ 'top.csv': '1,2\n', 'raw/2024/a b.csv': 'hello' });
    const entries = await walk();
    expect(entries[0]).toMatchObject({
      kind: 'file',
      relativePath: 'raw/2024/a b.csv',
      directoryLabel: 'raw/2024',
      fileName: 'a b.csv',
      size: 5,
    });
    expect(entries[1]).toMatchObject({ kind: 'file', relativePath: 'top.csv', directoryLabel: '', fileName: 'top.csv', size: 4 });
    expect(entries[1]?.kind === 'file' && entries[1].mtimeMs).toBeGreaterThan(0);
  });

  it('keeps non-ASCII and space-containing names exactly, sorted by UTF-8 bytes', async () => {
    await files({ 'données brutes/été.csv': 'x', 'z.txt': 'z', '数据.txt': 'y', 'émoji 😀.bin': 'e' });
    // 'z' (0x7a) < 'é' (0xc3 0xa9) < '数' (0xe6 ...) < ... 'd' (0x64) first.
    expect(paths(await walk())).toEqual(['données brutes/été.csv', 'z.txt', 'émoji 😀.bin', '数据.txt']);
  });

  it('skips hidden and system files and hidden folders unless includeHidden', async () => {
    await files({
      'keep.txt': 'k',
      '.env': 'secret',
      '.DS_Store': 'x',
      'Thumbs.db': 'x',
      'sub/desktop.ini': 'x',
      '.git/config': 'x',
      'sub/keep.txt': 'k',
    });
    expect(paths(await walk())).toEqual(['keep.txt', 'sub/keep.txt']);
    expect(paths(await walk({ includeHidden: true }))).toEqual([
      '.DS_Store',
      '.env',
      '.git/config',
      'Thumbs.db',
      'keep.txt',
      'sub/desktop.ini',
      'sub/keep.txt',
    ]);
  });

  it('refuses symbolic links to files and folders outside the root without following them', async () => {
    await files({ 'a.txt': 'a' });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret.txt'), 'secret');
    await symlink(join(base, 'outside'), join(root, 'linked-folder'));
    await symlink(join(base, 'outside', 'secret.txt'), join(root, 'linked-file'));
    const entries = await walk();
    expect(entries).toEqual([
      { kind: 'file', relativePath: 'a.txt', directoryLabel: '', fileName: 'a.txt', size: 1, mtimeMs: expect.any(Number) },
      { kind: 'refused', relativePath: 'linked-file', reason: 'symbolic link, not followed' },
      { kind: 'refused', relativePath: 'linked-folder', reason: 'symbolic link, not followed' },
    ]);
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    await files({ 'a.txt': 'a' });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect(await walk()).toEqual([
      expect.objectContaining({ kind: 'file', relativePath: 'a.txt' }),
      { kind: 'refused', relativePath: 'pipe', reason: 'named pipe (FIFO), not a regular file' },
    ]);
  });

  it('refuses a name containing a backslash', async () => {
    await files({ 'a\\b.txt': 'x', 'c.txt': 'c' });
    expect(await walk()).toEqual([
      { kind: 'refused', relativePath: 'a\\b.txt', reason: 'the name contains a backslash' },
      expect.objectContaining({ kind: 'file', relativePath: 'c.txt' }),
    ]);
  });

  it('yields a name containing a backslash with allowBackslash, for the data load to screen', async () => {
    await files({ 'a\\b.txt': 'x' });
    expect(await walk({ allowBackslash: true })).toEqual([expect.objectContaining({ kind: 'file', relativePath: 'a\\b.txt', fileName: 'a\\b.txt' })]);
  });

  it('skips excluded paths, matching globs with dots, bare names at any depth, and pruning folders', async () => {
    await files({
      'keep.csv': 'k',
      'scratch.tmp': 't',
      'deep/er/scratch.tmp': 't',
      'build/out.bin': 'b',
      'build/nested/more.bin': 'b',
      'raw/.cache/x': 'x',
      'raw/data.csv': 'd',
    });
    const entries = await walk({ includeHidden: true, exclude: ['*.tmp', 'build/**', 'raw/.cache'] });
    expect(paths(entries)).toEqual(['keep.csv', 'raw/data.csv']);
  });

  it('yields nothing for an empty folder', async () => {
    expect(await walk()).toEqual([]);
  });

  it('throws SOURCE_MISSING when the root is missing or a file', async () => {
    await expect(walkFolder(join(base, 'nope')).next()).rejects.toMatchObject({ code: 'SOURCE_MISSING' });
    await writeFile(join(base, 'file'), 'x');
    await expect(walkFolder(join(base, 'file')).next()).rejects.toMatchObject({ code: 'SOURCE_MISSING' });
  });

  it('walks a root that is itself a symbolic link to a folder', async () => {
    await files({ 'a.txt': 'a' });
    await symlink(root, join(base, 'alias'));
    const entries: WalkEntry[] = [];
    for await (const entry of walkFolder(join(base, 'alias'))) entries.push(entry);
    expect(paths(entries)).toEqual(['a.txt']);
  });
});
