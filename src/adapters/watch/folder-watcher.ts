/**
 * Watches a folder with chokidar and reports each file once it has settled.
 * Symbolic links are not followed; hidden files, temporaries (`.part`, `.tmp`,
 * `~`, `.crdownload`...) and excluded paths are ignored, so a file written under
 * a temporary name and renamed is taken under its final name only. The root
 * vanishing is reported as an error. On start chokidar reports every file
 * present, which is the rescan that finds files added while holdfast was down.
 */
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import { HoldfastError } from '../../errors.js';
import { isHiddenName } from '../files/walk-folder.js';
import { SettleQueue, type SettledFile } from './settle-queue.js';

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
  close(): Promise<void>;
}

const TEMPORARY = /(\.part|\.partial|\.tmp|\.temp|\.crdownload|\.download|\.swp|~)$/i;

export function isTemporaryUpload(name: string): boolean {
  return TEMPORARY.test(name);
}

export function startFolderWatcher(options: FolderWatcherOptions): FolderWatcher {
  const excluded = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true, basename: true }) : () => false;
  const toRelative = (path: string) => relative(options.dir, path).split(sep).join('/');
  const ignored = (path: string) => {
    const relativePath = toRelative(path);
    if (relativePath === '') return false;
    const names = relativePath.split('/');
    const name = names[names.length - 1]!;
    if (!options.includeHidden && names.some(isHiddenName)) return true;
    return isTemporaryUpload(name) || excluded(relativePath);
  };
  const queue = new SettleQueue(options.dir, options.settleMs, options.ready, options.refused);
  const watcher: FSWatcher = watch(options.dir, {
    followSymlinks: false,
    usePolling: options.poll,
    interval: 500,
    ignoreInitial: false,
    ignorePermissionErrors: false,
    ignored,
  });
  const track = (path: string) => queue.track(toRelative(path));
  watcher.on('add', track).on('change', track);
  watcher.on('unlink', (path) => queue.forget(toRelative(path)));
  watcher.on('error', (error) => options.failed(new HoldfastError('SOURCE_UNREADABLE', `watching ${options.dir} failed: ${(error as Error).message}`, { cause: error })));
  // chokidar does not always report the root itself vanishing: look at it on every settle period.
  const rootCheck = setInterval(() => {
    void stat(options.dir).then(
      (info) => {
        if (!info.isDirectory()) options.failed(new HoldfastError('SOURCE_MISSING', `${options.dir} is no longer a folder`));
      },
      () => options.failed(new HoldfastError('SOURCE_MISSING', `${options.dir} disappeared while watched`)),
    );
  }, Math.max(250, options.settleMs));
  const scanned = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  let closed: Promise<void> | undefined;
  return {
    scanned,
    get unsettled() {
      return queue.size;
    },
    close: () =>
      (closed ??= (async () => {
        clearInterval(rootCheck);
        queue.close();
        await watcher.close();
      })()),
  };
}
