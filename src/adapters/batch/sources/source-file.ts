/**
 * Opening a source file or folder: a missing path is SOURCE_MISSING, one that
 * cannot be read SOURCE_UNREADABLE, both naming the path, before any item is read.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { HoldfastError } from '../../../errors.js';

/** Checks that `path` exists, is of the `kind` wanted and is readable. */
export async function checkSourcePath(path: string, kind: 'file' | 'folder'): Promise<void> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw sourceError(error, path);
  }
  if (kind === 'file' && !stats.isFile()) throw new HoldfastError('SOURCE_UNREADABLE', `source ${path} is not a file`, { details: { path } });
  if (kind === 'folder' && !stats.isDirectory()) throw new HoldfastError('SOURCE_UNREADABLE', `source ${path} is not a folder`, { details: { path } });
  try {
    await access(path, constants.R_OK | (kind === 'folder' ? constants.X_OK : 0));
  } catch (error) {
    throw sourceError(error, path);
  }
}

/** A file-system error on a source, as SOURCE_MISSING or SOURCE_UNREADABLE. */
export function sourceError(error: unknown, path: string): HoldfastError {
  if (error instanceof HoldfastError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new HoldfastError('SOURCE_MISSING', `source ${path} does not exist`, { details: { path } });
  return new HoldfastError('SOURCE_UNREADABLE', `source ${path} cannot be read: ${(error as Error).message}`, { cause: error, details: { path } });
}
