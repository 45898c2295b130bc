/**
 * `holdfast backup DEST`: a consistent, compacted copy of the store as of one
 * moment (LMDB copies in a read transaction, so the owner keeps running),
 * with the archive files its records reference, checked as `holdfast verify`
 * checks a store. It is built in a temporary folder beside DEST
 * (`.NAME.holdfast-backup-PID`) and renamed onto DEST at the end, so a killed
 * backup leaves no half store at DEST; the next backup to DEST removes the
 * temporary a dead one left. The copy opens with `--store DEST`.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { archiveFolder, openArchive } from '../../adapters/tasks/content-archive.js';
import { openLmdbStore } from '../../create-runtime.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';
import { checkArchiveFiles, checkRecords, type ArchiveReferences, type StoreCheck } from '../store-check.js';
import { sayCheck } from './verify.js';

const TEMPORARY_MARK = '.holdfast-backup-';
/** lmdb-js names the lock file of a store opened as `data.mdb` (no subdirectory) this way. */
const LMDB_LOCK_FILE = 'data.mdb-lock';

export function registerBackup(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('backup')
    .description('write a consistent, compacted copy of the store (beside a running owner) and the archive files it references into DEST; open it with --store DEST')
    .argument('<dest>', 'a folder that does not exist yet, or is empty')
    .action((destination: string, _options: unknown, command: Command) => run(() => backup(destination, command.optsWithGlobals<GlobalOptions>())));
}

export async function backup(destination: string, options: GlobalOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const source = resolve(options.store);
  const target = resolve(destination);
  if (target === source || target.startsWith(source + sep)) throw usage(`backup ${destination}: DEST must be outside the store ${source}`);
  await assertFree(target, destination);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  await sweepAbandoned(parent, basename(target));
  const temporary = join(parent, `.${basename(target)}${TEMPORARY_MARK}${process.pid}`);
  await mkdir(temporary, { mode: 0o700 });
  let check: StoreCheck;
  let archiveFiles: number;
  try {
    const store = openLmdbStore(source, { readOnly: true });
    try {
      await store.backup(temporary);
    } finally {
      await store.close();
    }
    // The copy is checked, and its archive files chosen, from the copy itself: exactly what it references.
    const copy = openLmdbStore(temporary, { readOnly: true });
    let references: ArchiveReferences;
    try {
      ({ check, references } = await checkRecords(copy));
    } finally {
      await copy.close();
    }
    await rm(join(temporary, LMDB_LOCK_FILE), { force: true });
    archiveFiles = await copyArchiveFiles(archiveFolder(source), archiveFolder(temporary), references);
    await checkArchiveFiles(archiveFolder(temporary), references, check);
    await fsyncFolder(temporary);
    await assertFree(target, destination); // another process may have taken DEST meanwhile
    await rename(temporary, target);
    await fsyncFolder(parent);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  check.store = target;
  const bytes = (await stat(join(target, 'data.mdb'))).size;
  out.result({ backup: target, source, bytes, archiveFiles, check });
  out.say(`backup of ${source} written to ${target}: ${bytes.toLocaleString('en-US')} bytes, ${archiveFiles} archive files; open it with --store ${destination}`);
  sayCheck(out, check);
  return check.sound ? 0 : 1;
}

/** DEST may be absent or an empty folder; anything else is refused (exit 2) and left alone. */
async function assertFree(target: string, given: string): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw usage(`backup ${given}: DEST exists and is not a folder`);
  if ((await readdir(target)).length > 0) throw usage(`backup ${given}: DEST exists and is not empty; give a new folder`);
}

/** Copies each referenced file that the source archive holds (read-only, fsynced); a missing one is reported by the check. */
async function copyArchiveFiles(from: string, to: string, references: ArchiveReferences): Promise<number> {
  const source = openArchive(from);
  const copy = openArchive(to);
  let copied = 0;
  for (const hash of references.keys()) {
    if (!(await source.has(hash))) continue;
    const path = copy.pathOf(hash);
    await mkdir(dirname(path), { recursive: true });
    await copyFile(source.pathOf(hash), path, constants.COPYFILE_FICLONE);
    await chmod(path, 0o444);
    await fsyncPath(path);
    copied++;
  }
  if (copied > 0) for (const folder of foldersOf(copy, references)) await fsyncPath(folder);
  return copied;
}

/** The archive's hash folders (`ab/cd`, `ab`) and root, deepest first. */
function foldersOf(archive: ReturnType<typeof openArchive>, references: ArchiveReferences): string[] {
  const folders = new Set<string>();
  for (const hash of references.keys()) {
    const leaf = dirname(archive.pathOf(hash));
    folders.add(leaf).add(dirname(leaf));
  }
  return [...folders, archive.root];
}

/** Removes temporaries of backups to the same DEST whose process is gone. */
async function sweepAbandoned(parent: string, name: string): Promise<void> {
  const prefix = `.${name}${TEMPORARY_MARK}`;
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const fsyncFolder = fsyncPath;
