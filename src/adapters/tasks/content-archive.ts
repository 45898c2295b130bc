/**
 * holdfast's content-addressed archive: each file is kept once under the
 * SHA-1 of its content, as FollowTheMoney's `contentHash` names it, at
 * `<root>/ab/cd/<sha1>` (`<store>/archive` by default).
 *
 * Crash safety: bytes go to `<root>/.tmp/` while they are hashed, are
 * fsynced, then renamed onto their hash (atomic within one file system) and
 * the folder is fsynced; so a hash path either is absent or holds exactly
 * that content. Putting the same content twice, even from two processes at
 * once, keeps one copy. Files are read-only once archived.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, type ReadStream } from 'node:fs';
import { access, chmod, copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HoldfastError, NonRetryableError } from '../../errors.js';
import { CONTENT_HASH } from './job-model.js';

/** Temporaries older than this were left by a killed writer: any live one finishes sooner. */
const STALE_TEMPORARY_MS = 3_600_000;

export interface ContentArchive {
  readonly root: string;
  /** Archives a file (by path), bytes or a stream; resolves with the content's SHA-1. Idempotent. */
  put(source: string | Uint8Array | Readable, options?: { signal?: AbortSignal }): Promise<string>;
  has(contentHash: string): Promise<boolean>;
  /** Where a hash lives. @throws INVALID_INPUT for anything but 40 lower-case hex digits */
  pathOf(contentHash: string): string;
  /** A read stream of the content. @throws ARCHIVE_MISSING */
  open(contentHash: string): Promise<ReadStream>;
  /** Copies the content to `target` (a reflink where the file system has them). @throws ARCHIVE_MISSING */
  copyTo(contentHash: string, target: string): Promise<void>;
  /** True when the file exists and re-hashes to its name. */
  verify(contentHash: string): Promise<boolean>;
}

/** The archive folder of a store folder. */
export function archiveFolder(storeFolder: string): string {
  return join(storeFolder, 'archive');
}

/** Opens (lazily creates) the archive at `root`. */
export function openArchive(root: string): ContentArchive {
  const temporaries = join(root, '.tmp');
  let swept: Promise<void> | undefined;
  const pathOf = (contentHash: string) => {
    if (!CONTENT_HASH.test(contentHash)) throw new HoldfastError('INVALID_INPUT', `${JSON.stringify(contentHash)} is not a contentHash: 40 lower-case hex digits`);
    return join(root, contentHash.slice(0, 2), contentHash.slice(2, 4), contentHash);
  };
  const existing = async (contentHash: string) => {
    const path = pathOf(contentHash);
    const found = await access(path).then(() => true, () => false);
    if (!found) throw new NonRetryableError(`no file with contentHash ${contentHash} in the archive ${root}: add it with \`holdfast archive add FILE\``, { code: 'ARCHIVE_MISSING', details: { contentHash } });
    return path;
  };

  return {
    root,
    pathOf,
    async put(source, options = {}) {
      await mkdir(temporaries, { recursive: true });
      swept ??= sweepStale(temporaries);
      await swept;
      const temporary = join(temporaries, `${randomBytes(8).toString('hex')}.tmp`);
      try {
        const contentHash = await writeHashed(source, temporary, options.signal);
        const target = pathOf(contentHash);
        await mkdir(join(target, '..'), { recursive: true });
        if (await access(target).then(() => true, () => false)) await rm(temporary, { force: true });
        else {
          await chmod(temporary, 0o444);
          await rename(temporary, target);
          await fsyncFolder(join(target, '..'));
        }
        return contentHash;
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    has: (contentHash) => access(pathOf(contentHash)).then(() => true, () => false),
    async open(contentHash) {
      return createReadStream(await existing(contentHash));
    },
    async copyTo(contentHash, target) {
      await copyFile(await existing(contentHash), target, constants.COPYFILE_FICLONE);
      await chmod(target, 0o600);
    },
    async verify(contentHash) {
      const path = pathOf(contentHash);
      if (!(await stat(path).then((info) => info.isFile(), () => false))) return false;
      const hash = createHash('sha1');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      return hash.digest('hex') === contentHash;
    },
  };
}

/** Writes the source to `temporary`, hashing it on the way; fsyncs; resolves with the SHA-1. */
async function writeHashed(source: string | Uint8Array | Readable, temporary: string, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('sha1');
  const handle = await open(temporary, 'wx', 0o600);
  try {
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = typeof source === 'string' ? await readable(source) : source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>);
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function readable(path: string): Promise<ReadStream> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new HoldfastError('SOURCE_MISSING', `${path} does not exist`, { details: { path } });
  if (!info.isFile()) throw new HoldfastError('INVALID_INPUT', `${path} is not a regular file`, { details: { path } });
  return createReadStream(path);
}

async function fsyncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporaries a killed writer left (old enough that no live writer owns them). */
async function sweepStale(folder: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_TEMPORARY_MS) await rm(path, { force: true });
  }
}
