/**
 * Joins untrusted relative paths (file names from a walked folder, PIDs turned
 * into folders) under a trusted root, so that no name can reach outside it.
 *
 * The check is lexical first (cheap, no disk access, total: every refused
 * input is refused for a stated reason), then optionally physical
 * (`assertNoSymlinkEscape`), because a symbolic link planted inside the root
 * can point anywhere and only the disk knows.
 */
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { HoldfastError } from '../../errors.js';

/**
 * Why a relative path is refused, or `undefined` when it is acceptable.
 * Separate from `resolveUnder` so that callers (the folder walk) can refuse an
 * entry with a reason instead of catching an error.
 */
export function relativePathProblem(relativePath: string): string | undefined {
  if (relativePath.length === 0) return 'the path is empty';
  // A NUL byte truncates the path inside the C library: `a\0/../../etc` would
  // be checked as one thing and opened as another.
  if (relativePath.includes('\0')) return 'the path contains a NUL byte';
  // Backslashes are separators on Windows and in some Dataverse clients; on
  // POSIX they are ordinary characters, so the same name would mean two paths.
  if (relativePath.includes('\\')) return 'the path contains a backslash';
  if (isAbsolute(relativePath)) return 'the path is absolute';
  for (const segment of relativePath.split('/')) {
    // Empty segments (`a//b`, a trailing `/`) and `.` are harmless to the
    // kernel but make two spellings of one file; refusing them keeps paths
    // canonical, so equal files have equal keys.
    if (segment === '') return 'the path has an empty segment';
    if (segment === '.') return 'the path has a "." segment';
    if (segment === '..') return 'the path has a ".." segment';
  }
  return undefined;
}

/**
 * Joins `relativePath` (POSIX separators) under `root` and returns the absolute
 * result. Percent-encoded names such as `%2e%2e` are literal names here and stay
 * inside the root; nothing is decoded or normalised.
 *
 * @throws HoldfastError `PATH_OUTSIDE_ROOT` for an empty or absolute path, a
 *   `..`, `.` or empty segment, a NUL byte or a backslash.
 * @example resolveUnder('/srv/files', '10.5072/FK2/ABC123') // '/srv/files/10.5072/FK2/ABC123'
 */
export function resolveUnder(root: string, relativePath: string): string {
  const problem = relativePathProblem(relativePath);
  if (problem !== undefined) {
    throw new HoldfastError('PATH_OUTSIDE_ROOT', `refused path ${JSON.stringify(relativePath)}: ${problem}`, {
      details: { root, path: relativePath },
    });
  }
  const absoluteRoot = resolve(root);
  const joined = join(absoluteRoot, ...relativePath.split('/'));
  // Defence in depth: the lexical rules above already exclude every escape,
  // but a future edit to them must not silently open one.
  if (!isInside(absoluteRoot, joined)) {
    throw new HoldfastError('PATH_OUTSIDE_ROOT', `path ${JSON.stringify(relativePath)} leaves ${absoluteRoot}`, {
      details: { root, path: relativePath },
    });
  }
  return joined;
}

/**
 * Checks on disk that `path` (which need not exist yet) stays under `root` once
 * every symbolic link along it is resolved. A target path is checked before a
 * copy is written, so a link planted in the file store cannot redirect it.
 *
 * @throws HoldfastError `PATH_OUTSIDE_ROOT` when the resolved path leaves the root.
 * @throws the underlying file-system error when `root` itself cannot be resolved.
 */
export async function assertNoSymlinkEscape(root: string, path: string): Promise<void> {
  const realRoot = await realpath(root);
  const realPath = await realpathOfExistingPrefix(resolve(path));
  if (!isInside(realRoot, realPath)) {
    throw new HoldfastError('PATH_OUTSIDE_ROOT', `${path} resolves to ${realPath}, outside ${realRoot}`, {
      details: { root, path, resolved: realPath },
    });
  }
}

/** True when `candidate` is `root` or lies beneath it (both absolute). */
function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * `realpath` of the deepest ancestor that exists, with the missing tail
 * appended: the target of a copy does not exist until the rename.
 */
async function realpathOfExistingPrefix(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      // lstat first: a dangling link exists as a link, and realpath of it fails
      // with ENOENT; walking past it would hide where it points.
      await lstat(current);
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && (await isSymbolicLink(current))) {
        // A dangling link: where it would lead is unknown, so treat it as out.
        throw new HoldfastError('PATH_OUTSIDE_ROOT', `${current} is a dangling symbolic link`, {
          details: { path: current },
        });
      }
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = dirname(current);
      if (parent === current) throw error;
      missing.push(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      current = parent;
    }
  }
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    // Absent: not a link. Any other failure surfaces from the realpath walk.
    return false;
  }
}
