/**
 * Watches a folder and reports each file once it has settled. Symbolic links
 * are never followed (a link, FIFO or socket is refused with a reason); hidden
 * files, temporaries (`.part`, `.tmp`, `~`, `.crdownload`...) and excluded
 * paths are ignored, so a file written under a temporary name and renamed is
 * taken under its final name only. The root vanishing is reported as an
 * error. On start the whole tree is scanned, which is the rescan that finds
 * files added while holdfast was down.
 *
 * Open handles and memory are bounded by the number of folders, not files:
 * one `fs.watch` per folder (inotify reports changes to the files in a
 * watched folder), never one per file as chokidar does, which for a folder of
 * 10,000 files holds 10,000 watchers and can exhaust the inotify limit. The
 * initial scan waits while too many files are still settling. `--poll`
 * (network mounts, where change notifications do not arrive) uses chokidar's
 * polling, which stats each file on an interval.
 */
import { statSync, watch as watchFolder, type FSWatcher as FolderHandle } from 'node:fs';
import { lstat, opendir, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import { HoldfastError } from '../../errors.js';
import { isHiddenName } from '../files/walk-folder.js';
import { SettleQueue, type SettledFile, type SettleHandlers } from './settle-queue.js';

export interface FolderWatcherOptions {
  dir: string;
  settleMs: number;
  poll: boolean;
  includeHidden: boolean;
  exclude: string[];
  ready(file: SettledFile): void;
  refused(relativePath: string, reason: string): void;
  failed(error: HoldfastError): void;
}

export interface FolderWatcher {
  /** Resolves once the initial scan is done. */
  scanned: Promise<void>;
  /** Files seen but not yet settled. */
  readonly unsettled: number;
  /** Folders watched (one handle each; 0 when polling). */
  readonly folders: number;
  close(): Promise<void>;
}

const TEMPORARY = /(\.part|\.partial|\.tmp|\.temp|\.crdownload|\.download|\.swp|~)$/i;

/** At most this many files settle at once during a scan; the scan waits for room below it. */
const MAX_SETTLING = 10_000;

export function isTemporaryUpload(name: string): boolean {
  return TEMPORARY.test(name);
}

export function startFolderWatcher(options: FolderWatcherOptions): FolderWatcher {
  const excluded = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true, basename: true }) : () => false;
  /** Ignored relative paths (POSIX separators; '' is the root, never ignored). */
  const ignored = (relativePath: string) => {
    if (relativePath === '') return false;
    const names = relativePath.split('/');
    const name = names[names.length - 1]!;
    if (!options.includeHidden && names.some(isHiddenName)) return true;
    return isTemporaryUpload(name) || excluded(relativePath);
  };
  let failed = false;
  const fail = (error: HoldfastError) => {
    if (failed) return;
    failed = true;
    options.failed(error);
  };
  // The folder itself, to tell it from another folder made at the same path (whose changes nobody watches).
  const rootStats = statSync(options.dir, { throwIfNoEntry: false });
  const rootIdentity = rootStats ? `${rootStats.ino}:${rootStats.birthtimeMs}` : undefined;
  const watcher = options.poll ? pollWithChokidar(options, ignored, fail) : watchFolders(options, ignored, fail);
  // Change notifications do not always report the root itself vanishing: look at it on every settle period.
  const rootCheck = setInterval(() => {
    void stat(options.dir).then(
      (info) => {
        if (!info.isDirectory()) fail(new HoldfastError('SOURCE_MISSING', `${options.dir} is no longer a folder`));
        else if (rootIdentity !== undefined && `${info.ino}:${info.birthtimeMs}` !== rootIdentity) fail(new HoldfastError('SOURCE_MISSING', `${options.dir} was replaced by another folder while watched: start the watch again`));
      },
      () => fail(new HoldfastError('SOURCE_MISSING', `${options.dir} disappeared while watched`)),
    );
  }, Math.max(250, options.settleMs));
  let closed: Promise<void> | undefined;
  return {
    scanned: watcher.scanned,
    get unsettled() {
      return watcher.queue.size;
    },
    get folders() {
      return watcher.folders();
    },
    close: () =>
      (closed ??= (async () => {
        clearInterval(rootCheck);
        watcher.queue.close();
        await watcher.close();
      })()),
  };
}

interface Watching {
  queue: SettleQueue;
  scanned: Promise<void>;
  folders(): number;
  close(): Promise<void>;
}

/** One `fs.watch` per folder; every name a folder reports is looked at by the settle queue. */
function watchFolders(options: FolderWatcherOptions, ignored: (relativePath: string) => boolean, fail: (error: HoldfastError) => void): Watching {
  /** Watched folders by relative path, with the identity of the folder each handle watches. */
  const handles = new Map<string, { handle: FolderHandle; identity: string }>();
  let closed = false;
  const absolute = (relativePath: string) => (relativePath === '' ? options.dir : join(options.dir, relativePath));
  const childOf = (folder: string, name: string) => (folder === '' ? name : `${folder}/${name}`);
  const unreadable = (folder: string, error: unknown) =>
    new HoldfastError('SOURCE_UNREADABLE', `watching ${absolute(folder)} failed: ${(error as Error).message}`, { cause: error });

  /** Stops watching a folder that went away (or was renamed) and everything under it. */
  const unwatch = (folder: string) => {
    for (const [path, { handle }] of handles) {
      if (path === folder || path.startsWith(`${folder}/`)) {
        handle.close();
        handles.delete(path);
      }
    }
  };

  const handlers: SettleHandlers = {
    settled: options.ready,
    refused: options.refused,
    directory: (folder) => void addFolder(folder),
    vanished: (path) => {
      if (handles.has(path)) unwatch(path);
    },
  };
  const queue = new SettleQueue(options.dir, options.settleMs, handlers);

  const onChange = (folder: string, name: string | Buffer | null) => {
    if (closed) return;
    // No name: the platform could not say what changed; look at the whole folder again.
    if (name === null) return void scan(folder).catch((error: unknown) => (folder === '' ? fail(unreadable(folder, error)) : unwatch(folder)));
    const path = childOf(folder, name.toString().split(sep).join('/'));
    if (!ignored(path)) queue.track(path);
  };

  /**
   * Watches a folder first, then lists it, so that nothing created in between is missed. A folder
   * already watched is left alone, unless it is another folder now at that path (removed and made again).
   */
  const addFolder = async (folder: string): Promise<void> => {
    if (closed) return;
    const info = await lstat(absolute(folder)).catch(() => undefined);
    if (closed) return;
    if (!info?.isDirectory()) return folder === '' ? fail(new HoldfastError('SOURCE_MISSING', `${options.dir} disappeared while watched`)) : unwatch(folder);
    // Inode numbers are reused at once (rm -r then mkdir gets the same one): the birth time tells the two apart.
    const identity = `${info.ino}:${info.birthtimeMs}`;
    const watched = handles.get(folder);
    if (watched?.identity === identity) return;
    if (watched) unwatch(folder);
    let handle: FolderHandle;
    try {
      handle = watchFolder(absolute(folder), { persistent: true }, (_event, name) => onChange(folder, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A sub-folder removed before it could be watched is simply gone; the limit of watches is an error to report.
      if (folder !== '' && (code === 'ENOENT' || code === 'ENOTDIR')) return;
      return fail(unreadable(folder, error));
    }
    handle.on('error', (error) => {
      if (folder === '') fail(unreadable(folder, error));
      else unwatch(folder);
    });
    handles.set(folder, { handle, identity });
    await scan(folder).catch((error: unknown) => (folder === '' ? fail(unreadable(folder, error)) : unwatch(folder)));
  };

  /** Lists a folder: its files go to the settle queue, its sub-folders are watched and listed in turn. */
  const scan = async (folder: string): Promise<void> => {
    const listing = await opendir(absolute(folder));
    const folders: string[] = [];
    for await (const entry of listing) {
      if (closed) break;
      const path = childOf(folder, entry.name);
      if (ignored(path)) continue;
      if (entry.isDirectory()) folders.push(path);
      else {
        await queue.room(MAX_SETTLING);
        queue.track(path); // links, FIFOs and sockets are refused by the queue's look
      }
    }
    for (const path of folders) await addFolder(path);
  };

  return {
    queue,
    scanned: addFolder(''),
    folders: () => handles.size,
    close: async () => {
      closed = true;
      for (const { handle } of handles.values()) handle.close();
      handles.clear();
    },
  };
}

const POLL_INTERVAL_MS = 500;

/** chokidar in polling mode (each file is stat-ed on an interval), for mounts that send no change notifications. */
function pollWithChokidar(options: FolderWatcherOptions, ignored: (relativePath: string) => boolean, fail: (error: HoldfastError) => void): Watching {
  const toRelative = (path: string) => relative(options.dir, path).split(sep).join('/');
  const queue = new SettleQueue(options.dir, options.settleMs, { settled: options.ready, refused: options.refused });
  const watcher: FSWatcher = watch(options.dir, {
    followSymlinks: false,
    usePolling: true,
    interval: POLL_INTERVAL_MS,
    ignoreInitial: false,
    ignorePermissionErrors: false,
    ignored: (path) => ignored(toRelative(path)),
  });
  const track = (path: string) => queue.track(toRelative(path));
  watcher.on('add', track).on('change', track);
  watcher.on('unlink', (path) => queue.forget(toRelative(path)));
  // chokidar misses a file written into a new folder between its read of the folder and the start of
  // its polling (chokidar #1471): read a new folder again once a poll later. A file seen twice is
  // tracked once, and one already taken unchanged is not sent again.
  let closed = false;
  const relist = async (path: string) => {
    if (closed) return;
    try {
      for (const entry of await readdir(path, { withFileTypes: true })) {
        const child = join(path, entry.name);
        if (entry.isFile() && !ignored(toRelative(child))) track(child);
      }
    } catch {
      // gone meanwhile: chokidar reports its files' removal
    }
  };
  watcher.on('addDir', (path) => void setTimeout(() => void relist(path), 2 * POLL_INTERVAL_MS).unref());
  watcher.on('error', (error) => fail(new HoldfastError('SOURCE_UNREADABLE', `watching ${options.dir} failed: ${(error as Error).message}`, { cause: error })));
  return {
    queue,
    scanned: new Promise<void>((resolve) => watcher.once('ready', () => resolve())),
    folders: () => 0,
    close: () => {
      closed = true;
      return watcher.close();
    },
  };
}
