/**
 * The data folder: files a process job can be bound to by name. List (with
 * size, time, sha256 and owner), read, upload, delete. Uploads stream to a
 * temporary name (`.upload-*`, exclusive create), counted while streaming and
 * refused past the limit with the partial file removed, then fsync and rename,
 * so a reader never sees half a file. A name that is, or resolves through, a
 * symbolic link is refused; files are opened with O_NOFOLLOW. Each file's
 * owner is kept in the `dataFiles` records: only the owner or a superuser may
 * replace or delete it (a file put there by hand has no owner: superusers only).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, rmSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HoldfastError } from '../../errors.js';
import type { RecordsApi } from '../../runtime/runtime.js';
import { assertDataFileName, DEFAULT_EXTENSIONS } from './data-file-name.js';
import type { DataFileInfo, DataFilesApi, Principal } from './job-server.types.js';

/** `dataFiles` record: the owner, and the hash of the file as last seen (by size and mtime). */
interface DataFileRecord {
  owner: string;
  sha256?: string;
  size?: number;
  mtimeMs?: number;
}

export const DATA_FILES = 'dataFiles';
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const TEMP_PREFIX = '.upload-';

export interface DataFilesOptions {
  dataDir: string;
  extensions?: readonly string[];
  maxUploadBytes?: number;
}

export interface DataFiles extends DataFilesApi {
  /** The file's path after every check (name, link, regular file). @throws INVALID_INPUT, DATA_NOT_FOUND */
  pathOf(name: string): string;
  readonly extensions: readonly string[];
}

/** The path of an existing regular data file, every check made (name, link, type). @throws INVALID_INPUT, DATA_NOT_FOUND */
export function dataFilePath(root: string, name: string, extensions: readonly string[]): string {
  assertDataFileName(name, extensions);
  const path = join(root, name);
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new HoldfastError('DATA_NOT_FOUND', `no data file named ${JSON.stringify(name)}`, { details: { name } });
    throw error;
  }
  if (stats.isSymbolicLink()) throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} is a symbolic link: refused`, { details: { name } });
  if (!stats.isFile()) throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} is not a regular file: refused`, { details: { name } });
  return path;
}

export function openDataFiles(records: Pick<RecordsApi, 'get' | 'put' | 'delete'>, options: DataFilesOptions): DataFiles {
  const extensions = (options.extensions ?? DEFAULT_EXTENSIONS).map((extension) => extension.toLowerCase());
  const maxBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  mkdirSync(options.dataDir, { recursive: true });
  const root = realpathSync(options.dataDir);
  sweepTemporaries(root);

  /** lstat of a checked name: never follows a link. */
  const lstatOf = (name: string): Stats | undefined => {
    assertDataFileName(name, extensions);
    try {
      return lstatSync(join(root, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };

  const existing = (name: string): Stats => {
    const stats = lstatOf(name);
    if (!stats) throw new HoldfastError('DATA_NOT_FOUND', `no data file named ${JSON.stringify(name)}`, { details: { name } });
    if (stats.isSymbolicLink()) throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} is a symbolic link: refused`, { details: { name } });
    if (!stats.isFile()) throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} is not a regular file: refused`, { details: { name } });
    return stats;
  };

  /** Hashes of files put there by hand, by name, valid while size and mtime stay: each is read once, not per listing. */
  const hashed = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  const infoOf = async (name: string, stats: Stats): Promise<DataFileInfo> => {
    const record = await records.get<DataFileRecord>(DATA_FILES, name);
    const cached = hashed.get(name);
    let sha256 = record?.size === stats.size && record.mtimeMs === stats.mtimeMs ? record.sha256 : undefined;
    if (sha256 === undefined && cached?.size === stats.size && cached.mtimeMs === stats.mtimeMs) sha256 = cached.sha256;
    if (sha256 === undefined) {
      sha256 = hashFileSync(join(root, name));
      if (hashed.size >= 10_000) hashed.clear();
      hashed.set(name, { size: stats.size, mtimeMs: stats.mtimeMs, sha256 });
    }
    return { name, size: stats.size, modifiedAt: Math.round(stats.mtimeMs), sha256, owner: record?.owner ?? '' };
  };

  const assertMayChange = async (principal: Principal, name: string, verb: string): Promise<void> => {
    if (principal.superuser) return;
    const owner = (await records.get<DataFileRecord>(DATA_FILES, name))?.owner;
    if (owner !== principal.user) {
      throw new HoldfastError('FORBIDDEN', `data file ${JSON.stringify(name)} belongs to ${owner ? owner : 'nobody (put there by hand)'}: only its owner or a superuser may ${verb} it`, { details: { name } });
    }
  };

  return {
    maxBytes,
    extensions,
    async list() {
      const files: DataFileInfo[] = [];
      for (const entry of readdirSync(root, { withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.')) continue; // links, folders, temporaries
        try {
          files.push(await infoOf(entry.name, existing(entry.name)));
        } catch {
          // A name the rules refuse (or a file gone meanwhile) is not a data file.
        }
      }
      return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    stat: async (name) => infoOf(name, existing(name)),
    pathOf(name) {
      existing(name);
      return join(root, name);
    },
    read(name) {
      existing(name);
      // O_NOFOLLOW: a link swapped in after the check is refused by the kernel; O_NONBLOCK: a FIFO cannot hang us.
      const fd = openSync(join(root, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} is not a regular file: refused`, { details: { name } });
      }
      return createReadStream('', { fd });
    },
    async write(principal, name, body) {
      // Refusals leave the body unread, not destroyed: an HTTP caller answers, then closes the connection.
      const before = lstatOf(name);
      if (before?.isSymbolicLink() || (before && !before.isFile())) {
        throw new HoldfastError('INVALID_INPUT', `data file ${JSON.stringify(name)} exists and is not a regular file: refused`, { details: { name } });
      }
      if (before) await assertMayChange(principal, name, 'replace');
      const temp = join(root, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
      const written = await streamToFile(body, temp, maxBytes, name);
      try {
        const previous = await records.get<DataFileRecord>(DATA_FILES, name);
        const owner = before && previous?.owner ? previous.owner : principal.user;
        // The record first: a crash before the rename leaves a record without a file, which list() ignores.
        await records.put(DATA_FILES, name, { owner, sha256: written.sha256, size: written.size, mtimeMs: written.mtimeMs } satisfies DataFileRecord);
        await rename(temp, join(root, name));
        await syncFolder(root);
        const stats = existing(name);
        if (stats.mtimeMs !== written.mtimeMs) await records.put(DATA_FILES, name, { owner, sha256: written.sha256, size: stats.size, mtimeMs: stats.mtimeMs } satisfies DataFileRecord);
        return { name, size: stats.size, modifiedAt: Math.round(stats.mtimeMs), sha256: written.sha256, owner };
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async remove(principal, name) {
      existing(name);
      await assertMayChange(principal, name, 'delete');
      await rm(join(root, name));
      await syncFolder(root);
      await records.delete(DATA_FILES, name);
    },
  };
}

/** Streams `body` into `temp` (exclusive create), hashing and counting; past `maxBytes` the partial file is removed. */
async function streamToFile(body: Readable, temp: string, maxBytes: number, name: string): Promise<{ sha256: string; size: number; mtimeMs: number }> {
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  const hash = createHash('sha256');
  let size = 0;
  try {
    // Stopping early must not destroy the body (see write): the iterator leaves it open.
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += bytes.length;
      if (size > maxBytes) {
        throw new HoldfastError('PAYLOAD_TOO_LARGE', `upload of ${JSON.stringify(name)} passed the limit of ${maxBytes} bytes: refused, nothing kept`, { details: { name, maxBytes } });
      }
      hash.update(bytes);
      await handle.write(bytes);
    }
    await handle.sync();
    const stats = await handle.stat();
    await handle.close();
    return { sha256: hash.digest('hex'), size, mtimeMs: stats.mtimeMs };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}

/** The rename is durable once the folder's entry is. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function hashFileSync(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Uploads cut short by a crash left their temporaries: the owner that opens the folder removes them. */
function sweepTemporaries(root: string): void {
  for (const entry of readdirSync(root)) {
    if (entry.startsWith(TEMP_PREFIX)) rmSync(join(root, entry), { force: true });
  }
}
