/**
 * Data-load test helpers: sample folders with awkward names, runs of the CLI
 * in-process with its output captured, loads started through the runtime (so
 * a test can hook its events), and `verifyLoad`, the invariants every
 * finished load must hold (issue 3; RELIABILITY.md I5, I6).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { vi } from 'vitest';
import type { DataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { datasetFolderFromPid } from '../../src/adapters/files/dataset-location.js';
import type { Holdfast } from '../../src/cli/assembly.js';
import { loadSettled } from '../../src/cli/load-follow.js';
import { main } from '../../src/cli/main.js';
import type { DataFileContext } from '../../src/machines/datafile.machine.js';
import type { DataLoadContext, DataLoadCounts } from '../../src/machines/dataload.machine.js';
import type { DataLoadInput } from '../../src/machines/dataload.types.js';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { actorId, type ActorId, type ActorRecord, type SyncStore } from '../../src/persistence/store.js';
import { FOLDED, type FoldedChildren } from '../../src/runtime/child-fold.js';
import { verifyStore, type StoreViolation } from '../../src/runtime/verify-store.js';

/** A file a sample folder holds, with what its copy must hash to. */
export interface SampleFile {
  relativePath: string;
  size: number;
  md5: string;
}

export interface SampleOptions {
  /** Nested folders, non-ASCII and space-containing names, an empty file. @default true */
  awkward?: boolean;
  /** Small files (1 to 4 KiB each) spread over ten folders. @default 0 */
  smallFiles?: number;
  /** Size of one large file written in 1 MiB chunks; 0 for none. @default 0 */
  largeBytes?: number;
  /** More files of exactly this many bytes each (`medium/m-<i>.bin`). */
  mediumFiles?: { count: number; bytes: number };
}

/**
 * Names that trip naive code: deep nesting, accents, CJK, spaces, an empty
 * file. Non-ASCII only in file names: Dataverse refuses it in a folder
 * (FileDirectoryNameValidator), and holdfast refuses such a file before copying.
 */
const AWKWARD: Record<string, string> = {
  'README.txt': 'Survey of coastal sediment cores.\n',
  'nested/deeper/deepest/leaf.csv': 'a,b\n1,2\n',
  'mesures/résumé des mesures.txt': 'Résumé : profondeur moyenne 42 cm.\n',
  'japanese/試料 一覧.csv': 'id,値\n1,3.14\n',
  'with space/file name with spaces.txt': 'spaces everywhere\n',
  'notes/empty.txt': '',
};

/** Writes a sample folder under `root` and returns its files in walk order (byte order of paths). */
export async function makeSampleFolder(root: string, options: SampleOptions = {}): Promise<SampleFile[]> {
  const files: SampleFile[] = [];
  const put = async (relativePath: string, content: Buffer | string) => {
    const path = join(root, relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    files.push({ relativePath, size: Buffer.byteLength(content), md5: md5Of(content) });
  };
  if (options.awkward ?? true) for (const [relativePath, content] of Object.entries(AWKWARD)) await put(relativePath, content);
  for (let i = 0; i < (options.smallFiles ?? 0); i++) {
    await put(`small/group-${i % 10}/file-${String(i).padStart(4, '0')}.dat`, randomBytes(1_024 + ((i * 977) % 3_072)));
  }
  for (let i = 0; i < (options.mediumFiles?.count ?? 0); i++) await put(`medium/m-${i}.bin`, randomBytes(options.mediumFiles!.bytes));
  if (options.largeBytes) files.push(await writeLargeFile(root, 'large/scan.bin', options.largeBytes));
  return files.sort((a, b) => Buffer.compare(Buffer.from(a.relativePath), Buffer.from(b.relativePath)));
}

/** A file of `bytes` random-looking bytes, written and hashed 1 MiB at a time (200 MB never sits in memory). */
export async function writeLargeFile(root: string, relativePath: string, bytes: number): Promise<SampleFile> {
  const path = join(root, relativePath);
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('md5');
  const block = randomBytes(1_048_576);
  const handle = await open(path, 'w');
  try {
    for (let written = 0, index = 0; written < bytes; index++) {
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, bytes - written)));
      chunk.writeUInt32LE(index, 0); // no two chunks alike
      await handle.write(chunk);
      hash.update(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
  return { relativePath, size: bytes, md5: hash.digest('hex') };
}

export function md5Of(content: Buffer | string): string {
  return createHash('md5').update(content).digest('hex');
}

/** What `holdfast …` printed and returned, run in this process. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (the `--json` summary), if it is JSON. */
  json: unknown;
}

/** Runs `main(argv)` with stdout and stderr captured. */
export async function runCli(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  let code: number;
  try {
    code = await main(argv);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

/** The `--json` summary of `holdfast ingest`, as the tests read it. */
export interface SummaryJson {
  id: string;
  state: string;
  succeeded: boolean;
  counts: DataLoadCounts;
  error?: { code: string; message: string };
  files: { relativePath: string; state: string; reason?: string; storageIdentifier?: string; fileId?: number }[];
}

/** A data load's input as `holdfast ingest` builds it, with its defaults. */
export function loadInput(input: Pick<DataLoadInput, 'dir' | 'dataset' | 'filesDir'> & Partial<DataLoadInput>): DataLoadInput {
  return { chunkSize: 100, lockWaitMs: 600_000, allowPartial: false, move: false, includeHidden: false, exclude: [], hasMetadata: false, ...input };
}

/**
 * Starts a load through an open holdfast, as `holdfast ingest` does, so that a
 * test can subscribe to the runtime first and misbehave at a chosen step.
 */
export async function startLoad(holdfast: Holdfast, input: DataLoadInput, token?: string): Promise<ActorId> {
  if (input.dataverseUrl !== undefined && token !== undefined) await holdfast.keepToken(input.dataverseUrl, token);
  const id = actorId(`load-${randomBytes(6).toString('hex')}`);
  await holdfast.runtime.spawn('dataload', input, { id });
  return id;
}

/** Waits until a load is final or waits on a person, then until its files have taken their verdicts. */
export async function settleLoad(holdfast: Holdfast, id: ActorId, timeoutMs = 60_000): Promise<ActorRecord> {
  const record = await holdfast.runtime.waitFor(id, loadSettled, timeoutMs);
  await holdfast.runtime.whenIdle(timeoutMs);
  return record;
}

/** Opens a store folder read-only for the length of `read`. */
export async function withStore<T>(path: string, read: (store: SyncStore) => T | Promise<T>): Promise<T> {
  const store = openLmdbStore(path, { readOnly: true });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** Every dataload of a store. */
export function loadsOf(store: SyncStore): ActorRecord[] {
  return [...store.queryActors({ machine: 'dataload' })];
}

/** A load's datafiles with their contexts. */
export function filesOf(store: SyncStore, load: ActorId): { record: ActorRecord; context: DataFileContext }[] {
  return [...store.queryActors({ parent: load })].map((record) => ({ record, context: record.snapshot?.context as DataFileContext }));
}

/** States of a datafile that counted as copied on its batch. */
const COPIED_STATES = new Set(['copied', 'registered', 'registrationFailed', 'stored', 'discarded']);

/** I5: a dataload's counters against a recount of its datafiles by state. */
export function countViolations(record: ActorRecord, store: SyncStore): StoreViolation[] {
  if (record.machine !== 'dataload' || !record.snapshot) return [];
  const counts = (record.snapshot.context as DataLoadContext).counts;
  const recount = { total: 0, copied: 0, skipped: 0, failed: 0, registered: 0, registrationFailed: 0 };
  const add = (state: string, n: number) => {
    recount.total += n;
    if (COPIED_STATES.has(state)) recount.copied += n;
    if (state === 'skipped') recount.skipped += n;
    if (state === 'failed') recount.failed += n;
    if (state === 'registered') recount.registered += n;
    if (state === 'registrationFailed') recount.registrationFailed += n;
  };
  for (const child of store.queryActors({ parent: record.id })) add(child.state, 1);
  // Children folded by retention are counted by the state they ended in, on the load's `folded` record.
  for (const [state, n] of Object.entries(store.getRecord<FoldedChildren>(FOLDED, record.id)?.states ?? {})) add(state, n);
  const wrong = (Object.keys(recount) as (keyof typeof recount)[]).filter((name) => counts[name] !== recount[name]);
  return wrong.map((name) => ({ invariant: 'I5', id: record.id, message: `${name} is ${counts[name]} on the load, ${recount[name]} by its datafiles` }));
}

export interface VerifyLoadOptions {
  /** The store folder (opened read-only: the runtime that wrote it must be closed). */
  store: string;
  filesDir: string;
  dataset: string;
  /** The files that must have been loaded (registered, or stored without a Dataverse). */
  expected: readonly SampleFile[];
  /** The stand-in the load registered with; omitted for a copy-only load. */
  standin?: DataverseStandin;
}

/**
 * The invariants after a load, as a list of problems (empty when all hold):
 * every expected file is in the dataset's folder of the file store exactly
 * once, under its storage identifier and with its MD5; nothing else and no
 * `*.holdfast-tmp` is anywhere under FILES; the stand-in registered each file
 * exactly once with its storage identifier, name, checksum and size, and the
 * file id holdfast keeps is Dataverse's; every load's counters equal a recount
 * of its datafiles (I5); no message waits undelivered; verifyStore is clean.
 */
export async function verifyLoad(options: VerifyLoadOptions): Promise<string[]> {
  const problems: string[] = [];
  const folder = options.standin ? options.standin.folderOf(options.dataset) : join(options.filesDir, ...pidFolder(options.dataset));
  const onDisk = await listFiles(options.filesDir);
  for (const path of onDisk.filter((p) => p.endsWith('.holdfast-tmp'))) problems.push(`temporary file left: ${path}`);
  const loaded = await withStore(options.store, async (store) => {
    const report = await verifyStore(store, { checks: countViolations });
    for (const violation of report.violations) problems.push(`${violation.invariant} ${violation.id ?? ''}: ${violation.message}`);
    for (const message of store.inbox()) problems.push(`a ${message.event.type} message still waits for ${message.to}`);
    const records = new Map<string, { storageIdentifier: string; md5: string; fileId: number | null }>();
    for (const { key, value } of store.scanRecords<{ storageIdentifier: string; md5: string; fileId: number | null }>('loaded', [options.dataset])) {
      records.set(String((key as unknown[])[1]), value);
    }
    return records;
  });

  const expectedIds = new Set<string>();
  for (const file of options.expected) {
    const record = loaded.get(file.relativePath);
    if (!record) {
      problems.push(`${file.relativePath}: not recorded as loaded`);
      continue;
    }
    expectedIds.add(record.storageIdentifier);
    if (record.md5 !== file.md5) problems.push(`${file.relativePath}: recorded MD5 ${record.md5}, the file has ${file.md5}`);
    const target = join(folder, record.storageIdentifier);
    const md5 = await md5OfFile(target).catch(() => undefined);
    if (md5 === undefined) problems.push(`${file.relativePath}: no copy at ${target}`);
    else if (md5 !== file.md5) problems.push(`${file.relativePath}: the copy at ${target} has MD5 ${md5}, expected ${file.md5}`);
  }
  for (const path of onDisk.filter((p) => !p.endsWith('.holdfast-tmp'))) {
    const inFolder = relative(folder, join(options.filesDir, path));
    if (!expectedIds.has(inFolder)) problems.push(`unexpected file in the file store: ${path}`);
  }

  if (options.standin) {
    const registered = options.standin.registered(options.dataset);
    for (const file of options.expected) {
      const record = loaded.get(file.relativePath);
      if (!record) continue;
      const matches = registered.filter((r) => r.storageIdentifier === `file://${record.storageIdentifier}`);
      if (matches.length !== 1) problems.push(`${file.relativePath}: registered ${matches.length} times`);
      const match = matches[0];
      if (!match) continue;
      const name = file.relativePath.split('/').at(-1);
      const label = file.relativePath.includes('/') ? file.relativePath.slice(0, file.relativePath.lastIndexOf('/')) : undefined;
      if (match.fileName !== name || (match.directoryLabel ?? undefined) !== label) problems.push(`${file.relativePath}: registered as ${match.directoryLabel ?? ''}/${match.fileName}`);
      if (match.checksum.value !== file.md5) problems.push(`${file.relativePath}: registered with checksum ${match.checksum.value}, expected ${file.md5}`);
      if (match.size !== file.size) problems.push(`${file.relativePath}: registered with ${match.size} bytes, expected ${file.size}`);
      if (record.fileId !== match.fileId) problems.push(`${file.relativePath}: holdfast keeps file id ${record.fileId}, Dataverse gave ${match.fileId}`);
    }
    const byPath = new Map<string, number>();
    for (const file of registered) {
      const path = `${file.directoryLabel ?? ''}/${file.fileName}`;
      byPath.set(path, (byPath.get(path) ?? 0) + 1);
    }
    for (const [path, count] of byPath) if (count > 1) problems.push(`${path}: registered ${count} times under different storage identifiers`);
    if (registered.length !== options.expected.length) problems.push(`the stand-in holds ${registered.length} files, expected ${options.expected.length}`);
  }
  return problems;
}

/** Every file under `root`, as POSIX paths relative to it. */
export async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await visit(path);
      else found.push(relative(root, path).split(sep).join('/'));
    }
  };
  await visit(root);
  return found.sort();
}

/** The dataset folder `FILES/<authority>/<identifier>` derived from a PID, as path parts. */
export function pidFolder(pid: string): string[] {
  const { authority, identifier } = datasetFolderFromPid(pid);
  return [authority, ...identifier.split('/')];
}

/** The MD5 of a file on disk, streamed. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
