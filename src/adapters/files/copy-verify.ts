/**
 * Copies one file into the Dataverse file store and proves the copy by hashing
 * it again. Dataverse does not check the MD5 it is sent at registration, so
 * this verification is the only guard against a torn or corrupted copy.
 *
 * Crash safety: the bytes go to a temporary name in the target's folder, are
 * fsynced, then renamed onto the target (atomic within one file system) and
 * the folder is fsynced, so after a crash the target is either absent or
 * complete. A re-run finds a complete, matching target and does not write it
 * again; a leftover temporary file is overwritten by the same idempotency key
 * or removed with its load's others by `removeTemporariesOf`.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { HoldfastError, NonRetryableError, toHoldfastError } from '../../errors.js';
import { describeFreeBytes, freeBytesAt } from './free-space.js';
import type { HashPool, Md5Result } from './hash-pool.js';

/** What to copy where, and what the copy must hash to. */
export interface CopyRequest {
  source: string;
  target: string;
  /** Lower-case hex MD5 measured when the file was prepared. */
  expectedMd5: string;
  expectedSize: number;
}

/** The effect context of one copy attempt. */
export interface CopyContext {
  /** Stable across retries and restarts of the same copy; names its temporary file. */
  idempotencyKey: string;
  /** 1 for the first try; reported in error details. */
  attempt: number;
  signal?: AbortSignal | undefined;
}

/** The verified copy; `reused` when the target already matched and nothing was written. */
export interface CopyResult extends Md5Result {
  reused: boolean;
}

const TEMPORARY_SUFFIX = '.holdfast-tmp';

/**
 * Copies `source` to `target` (creating its folders) unless `target` already
 * holds the expected bytes, then verifies the copy's size and MD5 in the pool.
 *
 * @throws NonRetryableError `SOURCE_MISSING` when the source vanished,
 *   `SOURCE_UNREADABLE` when it cannot be read; HoldfastError
 *   `CHECKSUM_MISMATCH` (retryable; the bad target is deleted) when the copy
 *   does not match, `STORAGE_FULL` (retryable) when the target disk is full;
 *   `signal.reason` when aborted. No temporary file survives a failure.
 */
export async function copyAndVerify(
  request: CopyRequest,
  context: CopyContext,
  hashPool: Pick<HashPool, 'md5File'>,
): Promise<CopyResult> {
  const { source, target, expectedMd5, expectedSize } = request;
  const { signal } = context;
  signal?.throwIfAborted();
  const existing = await matchingTarget(request, hashPool, signal);
  if (existing !== undefined) return { ...existing, reused: true };

  const folder = dirname(target);
  const temporary = join(folder, temporaryName(basename(target), context.idempotencyKey));
  try {
    await mkdir(folder, { recursive: true });
    // FICLONE: a reflink on btrfs and XFS (instant, no extra space), and a
    // plain kernel copy (copy_file_range) elsewhere; the bytes never enter JS.
    await copyFile(source, temporary, constants.COPYFILE_FICLONE).catch((error: unknown) =>
      classifyCopyError(error, source),
    );
    signal?.throwIfAborted();
    await fsyncPath(temporary, 'r+');
    await rename(temporary, target);
    await fsyncPath(folder, 'r');
  } catch (error) {
    // Removed before anything else: a partial copy on a full disk would hold the space it waits for.
    await rm(temporary, { force: true });
    throw await toCopyError(error, context, request);
  }

  signal?.throwIfAborted();
  const copied = await hashPool.md5File(target, signal).catch(async (error: unknown) => {
    throw await toCopyError(error, context, request);
  });
  if (copied.md5 !== expectedMd5 || copied.size !== expectedSize) {
    await rm(target, { force: true });
    throw new HoldfastError(
      'CHECKSUM_MISMATCH',
      `copy of ${source} to ${target} has MD5 ${copied.md5} (${copied.size} bytes), ` +
        `expected ${expectedMd5} (${expectedSize} bytes)`,
      { details: { source, target, expectedMd5, expectedSize, md5: copied.md5, size: copied.size, attempt: context.attempt } },
    );
  }
  return { ...copied, reused: false };
}

/**
 * The temporary name of a copy: hidden (so a walk of the store skips it),
 * beside its target (so the rename stays on one file system), and the same
 * for every retry of one copy (so a crashed attempt's leftover is overwritten).
 */
export function temporaryName(targetName: string, idempotencyKey: string): string {
  const key = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12);
  // Truncated so that the name stays under NAME_MAX (255 bytes) whatever the target.
  return `.${targetName.slice(0, 64)}.${key}${TEMPORARY_SUFFIX}`;
}

/** True for a name `copyAndVerify` uses for its temporary files. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMPORARY_SUFFIX) && name.length > TEMPORARY_SUFFIX.length + 1;
}

/**
 * Deletes the temporary files that crashed copies to the given target names
 * left in `folder` (none when it is missing), and no other: another load
 * copying into the same folder at the same time keeps its own. Not recursive.
 *
 * @returns the names removed.
 */
export async function removeTemporariesOf(folder: string, targetNames: Iterable<string>): Promise<string[]> {
  const prefixes = new Set([...targetNames].map((name) => `.${name.slice(0, 64)}.`));
  // The name is `.<target, at most 64 characters>.<12 hex>.holdfast-tmp` (temporaryName).
  const keyAt = (name: string) => name.length - TEMPORARY_SUFFIX.length - 12;
  const ours = (name: string) => prefixes.has(name.slice(0, keyAt(name))) && /^[0-9a-f]{12}$/.test(name.slice(keyAt(name), -TEMPORARY_SUFFIX.length));
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const removed: string[] = [];
  for (const entry of entries) {
    if (!isTemporaryName(entry.name) || !entry.isFile() || !ours(entry.name)) continue;
    await rm(join(folder, entry.name), { force: true });
    removed.push(entry.name);
  }
  return removed;
}

/**
 * Turns a failure to read a source file into holdfast's error: missing and
 * unreadable sources will not fix themselves, so retrying them is pointless.
 */
export function toSourceError(error: unknown, source: string): HoldfastError {
  if (error instanceof HoldfastError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new NonRetryableError(`source file ${source} no longer exists`, {
      code: 'SOURCE_MISSING',
      cause: error,
      details: { source },
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
    return new NonRetryableError(`source file ${source} cannot be read (${code})`, {
      code: 'SOURCE_UNREADABLE',
      cause: error,
      details: { source },
    });
  }
  return toHoldfastError(error);
}

/** The target's MD5 when it already holds exactly the expected bytes. */
async function matchingTarget(
  request: CopyRequest,
  hashPool: Pick<HashPool, 'md5File'>,
  signal: AbortSignal | undefined,
): Promise<Md5Result | undefined> {
  const stats = await lstat(request.target).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toHoldfastError(error);
  });
  // Size first: a wrong size settles it without reading a byte.
  if (stats === undefined || !stats.isFile() || stats.size !== request.expectedSize) return undefined;
  const existing = await hashPool.md5File(request.target, signal).catch((error: unknown) => {
    // Removed between lstat and hashing: copy it afresh.
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw signal?.aborted && error === signal.reason ? error : toHoldfastError(error);
  });
  return existing?.md5 === request.expectedMd5 ? existing : undefined;
}

/**
 * `copyFile` reports one error for both ends; ENOENT or EACCES may be the
 * target folder's. Probing the source tells which, before calling it final.
 */
async function classifyCopyError(error: unknown, source: string): Promise<never> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ENOTDIR') {
    const sourceProblem = await access(source, constants.R_OK).then(
      () => (code === 'EISDIR' ? error : undefined),
      (probe: unknown) => probe,
    );
    if (sourceProblem !== undefined) throw toSourceError(sourceProblem, source);
  }
  throw error;
}

/** ENOSPC and EDQUOT are a full disk (a full tmpfs says ENOSPC too, measured here): STORAGE_FULL, with the free space. */
async function toCopyError(error: unknown, context: CopyContext, request: CopyRequest): Promise<unknown> {
  if (error instanceof HoldfastError) return error;
  if (context.signal?.aborted && error === context.signal.reason) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const folder = dirname(request.target);
    const free = await freeBytesAt(folder);
    const why = code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left';
    return new HoldfastError('STORAGE_FULL', `files dir ${folder}: ${why} (${describeFreeBytes(free)}) to copy ${request.source} (${request.expectedSize} bytes)`, {
      cause: error,
      details: { source: request.source, target: request.target, folder, freeBytes: free ?? null, size: request.expectedSize, attempt: context.attempt },
    });
  }
  return toHoldfastError(error);
}

/** fsync a file or folder by path: the copy and the rename survive power loss. */
async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
