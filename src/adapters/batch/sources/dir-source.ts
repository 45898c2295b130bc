/**
 * `dir:PATH`: one item per regular file under the folder (symlinks, special and
 * hidden files skipped; an unreadable one is an error), in a stable order (names by UTF-8 bytes, depth first); the
 * id is the relative path with '/'. The value is `{ path, file, size }` plus
 * `text` when the file is at most 64 KB of valid UTF-8: steps read bigger or
 * binary files themselves from `file`, so memory stays bounded.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HoldfastError } from '../../../errors.js';
import { walkFolder } from '../../files/walk-folder.js';
import { MAX_INLINE_TEXT_BYTES, type SourceItem } from './item-source.js';
import { sourceError } from './source-file.js';

/** The value of a `dir:` item. */
export interface DirItemValue {
  /** Relative path, '/' separators (also the item id). */
  path: string;
  /** Absolute path. */
  file: string;
  size: number;
  /** The content, when at most 64 KB of valid UTF-8. */
  text?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function* dirItems(folder: string): AsyncGenerator<SourceItem> {
  const root = resolve(folder);
  try {
    for await (const entry of walkFolder(root)) {
      if (entry.kind !== 'file') {
        // Links and special files are not items; a file that cannot be read or named is an error, not a silent gap.
        if (/not followed|not a regular file/.test(entry.reason)) continue;
        throw new HoldfastError('SOURCE_UNREADABLE', `source ${folder}: ${entry.relativePath}: ${entry.reason}`, { details: { path: folder, file: entry.relativePath } });
      }
      const file = resolve(root, entry.relativePath);
      const value: DirItemValue = { path: entry.relativePath, file, size: entry.size };
      if (entry.size <= MAX_INLINE_TEXT_BYTES) {
        const text = textOf(await readFile(file));
        if (text !== undefined) value.text = text;
      }
      yield { id: entry.relativePath, value };
    }
  } catch (error) {
    throw sourceError(error, folder);
  }
}

function textOf(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
