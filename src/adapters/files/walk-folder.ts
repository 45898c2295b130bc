/**
 * The folder walk of a data load: every regular file under a root, in a stable
 * order, with what Dataverse needs to know about where it sat.
 *
 * Stable order (names sorted by their UTF-8 bytes, depth first) makes two walks
 * of an unchanged folder identical, so a resumed or repeated load lines up
 * with the first. Bytes rather than `localeCompare`, because locale order
 * changes with ICU versions and the host's settings.
 */
import type { Stats } from 'node:fs';
import { lstat, opendir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import picomatch from 'picomatch';

import { HoldfastError } from '../../errors.js';

/** One thing found by `walkFolder`: a file to load, or an entry refused with a reason. */
export type WalkEntry =
  | {
      kind: 'file';
      /** Path from the root, POSIX separators: `raw/2024/a.csv`. */
      relativePath: string;
      /** The folder part, Dataverse's `directoryLabel`: `raw/2024`, `''` at the root. */
      directoryLabel: string;
      fileName: string;
      size: number;
      mtimeMs: number;
    }
  | { kind: 'refused'; relativePath: string; reason: string };

/** Options of `walkFolder`. */
export interface WalkOptions {
  /** Also yield hidden and system files and enter hidden folders. @default false */
  includeHidden?: boolean;
  /** picomatch globs matched against each relative path; a matching folder is not entered. @default [] */
  exclude?: readonly string[];
  /** Yield names holding a backslash instead of refusing them (the data load screens names itself: name-screen.ts). @default false */
  allowBackslash?: boolean;
}

// Files that operating systems drop into folders on their own; nobody means
// to publish them. Compared in lower case, as Windows names are case-blind.
const SYSTEM_FILES = new Set(['.ds_store', 'thumbs.db', 'ehthumbs.db', 'desktop.ini']);

/** True for names skipped unless `includeHidden`: dot files and OS droppings. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FILES.has(name.toLowerCase());
}

/**
 * Walks `root` recursively and yields its regular files, depth first in byte
 * order of names. Symbolic links (to files or folders) are never followed:
 * they could lead out of the root or into a loop; they, FIFOs, sockets and
 * devices are yielded as `refused`. Hidden entries and those matching
 * `exclude` are skipped silently.
 *
 * Memory is bounded by the depth of the tree, not its size: only the sorted
 * names of the folders on the current path are held, never the whole tree.
 *
 * @throws HoldfastError `SOURCE_MISSING` when `root` is missing or not a folder,
 *   `SOURCE_UNREADABLE` when it cannot be listed (on the first `next()`).
 * @example for await (const entry of walkFolder('./data', { exclude: ['**\/*.tmp'] })) { ... }
 */
export async function* walkFolder(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const absoluteRoot = resolve(root);
  await assertFolder(absoluteRoot);
  // basename: a pattern without a slash (`*.tmp`) matches a name at any depth,
  // as in .gitignore, which is what a user typing --exclude expects.
  const exclude = options.exclude ?? [];
  const isExcluded = exclude.length === 0 ? () => false : picomatch([...exclude], { dot: true, basename: true });
  let names: Buffer[];
  try {
    names = await sortedNames(absoluteRoot);
  } catch (error) {
    throw new HoldfastError('SOURCE_UNREADABLE', `cannot list folder ${absoluteRoot}`, {
      cause: error,
      details: { path: absoluteRoot },
    });
  }
  yield* walkNames(absoluteRoot, '', names, { includeHidden: options.includeHidden ?? false, isExcluded, allowBackslash: options.allowBackslash ?? false });
}

interface Filters {
  includeHidden: boolean;
  allowBackslash: boolean;
  isExcluded: (relativePath: string) => boolean;
}

async function* walkNames(folder: string, label: string, names: Buffer[], filters: Filters): AsyncGenerator<WalkEntry> {
  for (const raw of names) {
    const name = raw.toString('utf8');
    const relativePath = label === '' ? name : `${label}/${name}`;
    if (!filters.includeHidden && isHiddenName(name)) continue;
    if (filters.isExcluded(relativePath)) continue;
    // A name that does not survive a UTF-8 round trip (Latin-1 from an old
    // archive) decodes to U+FFFD and could never be opened by that name again.
    if (!Buffer.from(name, 'utf8').equals(raw)) {
      yield { kind: 'refused', relativePath, reason: 'the name is not valid UTF-8' };
      continue;
    }
    // On POSIX a backslash is part of a name, but Dataverse and Windows
    // clients read it as a separator; the file store paths refuse it too.
    if (!filters.allowBackslash && name.includes('\\')) {
      yield { kind: 'refused', relativePath, reason: 'the name contains a backslash' };
      continue;
    }
    const path = join(folder, name);
    let stats: Stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      // Deleted since the listing: it is simply no longer part of the folder.
      if (errorCode(error) === 'ENOENT') continue;
      yield { kind: 'refused', relativePath, reason: `cannot inspect it (${errorCode(error) ?? String(error)})` };
      continue;
    }
    if (stats.isFile()) {
      yield { kind: 'file', relativePath, directoryLabel: label, fileName: name, size: stats.size, mtimeMs: stats.mtimeMs };
    } else if (stats.isDirectory()) {
      let children: Buffer[];
      try {
        children = await sortedNames(path);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        yield { kind: 'refused', relativePath, reason: `the folder cannot be listed (${errorCode(error) ?? String(error)})` };
        continue;
      }
      yield* walkNames(path, relativePath, children, filters);
    } else {
      yield { kind: 'refused', relativePath, reason: describeSpecial(stats) };
    }
  }
}

/** The names in one folder, sorted by bytes; the only listing held per level. */
async function sortedNames(folder: string): Promise<Buffer[]> {
  // encoding 'buffer' keeps names as the bytes on disk (typed as string by
  // @types/node, which only lists text encodings).
  const dir = await opendir(folder, { encoding: 'buffer' as BufferEncoding });
  const names: Buffer[] = [];
  for await (const entry of dir) names.push(entry.name as unknown as Buffer);
  return names.sort(Buffer.compare);
}

async function assertFolder(path: string): Promise<void> {
  let stats: Stats;
  try {
    // stat, not lstat: the root itself may be a link the user chose to name.
    stats = await stat(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new HoldfastError('SOURCE_UNREADABLE', `cannot read folder ${path}`, { cause: error, details: { path } });
    }
    throw new HoldfastError('SOURCE_MISSING', `folder ${path} does not exist`, { cause: error, details: { path } });
  }
  if (!stats.isDirectory()) {
    throw new HoldfastError('SOURCE_MISSING', `${path} is not a folder`, { details: { path } });
  }
}

function describeSpecial(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'symbolic link, not followed';
  if (stats.isFIFO()) return 'named pipe (FIFO), not a regular file';
  if (stats.isSocket()) return 'socket, not a regular file';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device, not a regular file';
  return 'not a regular file';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
