/**
 * Watch-folder test helpers (issue 4): `holdfast watch --json` in a child
 * process with its JSON lines parsed, waits on those lines or on the store
 * (read-only, beside the running owner) with a timeout, slow and
 * preallocating writers, and what a finished watch must hold.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, readlink } from 'node:fs/promises';
import type { LoadedFile } from '../../src/adapters/dataload/dataload-effects.js';
import type { WatchContext } from '../../src/machines/watch.machine.js';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { actorId, type ActorRecord, type SyncStore } from '../../src/persistence/store.js';
import { listFiles, md5OfFile } from './dataload.js';
import { startWorkload, type Workload } from './processes.js';

/** One `--json` line of `holdfast watch` (or the workload's own exit line). */
export interface WatchLine {
  event?: string;
  file?: string;
  batch?: string;
  state?: string;
  reason?: string;
  id?: string;
  code?: number;
  maxRssKb?: number;
  stopped?: boolean;
  counts?: WatchContext['counts'];
  error?: { code: string; message: string };
  [key: string]: unknown;
}

export interface WatchSetup {
  dir: string;
  store: string;
  filesDir: string;
  dataset: string;
  /** The stand-in's URL; without it the watch copies only. */
  dataverse?: string;
  token?: string | undefined;
  /** @default 300 */
  settleMs?: number;
  /** @default 500 */
  batchIdleMs?: number;
  extra?: string[];
}

export interface WatchProcess extends Workload {
  /** Every JSON line printed so far. */
  lines(): WatchLine[];
  /** Resolves with the first line matching, or rejects after `timeoutMs` (or when the process exits first) showing what it printed. */
  waitForLine(predicate: (line: WatchLine) => boolean, what: string, timeoutMs?: number): Promise<WatchLine>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whatever the process printed on stderr so far. */
  errors(): string;
}

/** The arguments of `holdfast watch` for a setup. */
export function watchArgs(setup: WatchSetup): string[] {
  return [
    'watch', setup.dir, '--dataset', setup.dataset, '--files-dir', setup.filesDir, '--store', setup.store, '--json',
    '--settle', String(setup.settleMs ?? 300), '--batch-idle', String(setup.batchIdleMs ?? 500),
    ...(setup.dataverse ? ['--dataverse', setup.dataverse] : []),
    ...(setup.token ? ['--token', setup.token] : []),
    ...(setup.extra ?? []),
  ];
}

/** Starts `holdfast watch` in a child process (test/crash/workloads/watch-cli.ts). */
export function startWatch(setup: WatchSetup): WatchProcess {
  return startCli(watchArgs(setup));
}

/** Starts any holdfast command line in a child process, with its JSON lines parsed. */
export function startCli(args: string[]): WatchProcess {
  const workload = startWorkload('watch-cli', args);
  let stderr = '';
  workload.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let parsedUpTo = 0;
  const parsed: WatchLine[] = [];
  const lines = () => {
    const output = workload.output();
    const end = output.lastIndexOf('\n') + 1;
    if (end > parsedUpTo) {
      for (const text of output.slice(parsedUpTo, end).split('\n')) {
        if (!text.startsWith('{')) continue;
        try {
          parsed.push(JSON.parse(text) as WatchLine);
        } catch {
          // not a JSON line
        }
      }
      parsedUpTo = end;
    }
    return parsed;
  };
  let exited = false;
  const described: StartedCli = {
    args,
    output: () => workload.output(),
    errors: () => stderr,
    // The CLI answers SIGUSR2 with its runtime's inner state on stderr (src/cli/diagnostics-signal.ts).
    diagnose: () => void (!exited && workload.child.kill('SIGUSR2')),
  };
  recent.push(described);
  if (recent.length > 4) recent.shift();
  void workload.exited.then(({ code, signal }) => {
    exited = true;
    described.exit = signal ?? `code ${code}`;
  });
  return {
    ...workload,
    lines,
    errors: () => stderr,
    async waitForLine(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().find(predicate);
        if (found) return found;
        if (exited || Date.now() > deadline) {
          const found = lines().find(predicate);
          if (found) return found;
          throw new Error(`waited ${exited ? 'until the process exited' : `${timeoutMs} ms`} for ${what}; it printed:\n${workload.output().slice(-4_000)}\nstderr:\n${stderr.slice(-2_000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!exited) workload.child.kill(signal);
      return workload.exited;
    },
  };
}

interface StartedCli {
  args: string[];
  output: () => string;
  errors: () => string;
  /** Asks it, while it runs, to print its runtime's inner state on stderr. */
  diagnose: () => void;
  /** How it ended, once it did. */
  exit?: string;
}

/** The last command lines started by startCli: a timed-out waitUntil shows what they printed, and their stores. */
const recent: StartedCli[] = [];

function whatRunningPrinted(): string {
  return recent
    .map((p) => `\n--- holdfast ${p.args.slice(0, 2).join(' ')} … (${p.exit ? `exited: ${p.exit}` : 'running'}) printed:\n${p.output().slice(-4_000)}\nstderr:\n${p.errors().slice(-12_000)}${unfinishedIn(p.args)}`)
    .join('');
}

/** The actors of the command line's `--store` that are not final, with their effects and timers: where a wait stalled. */
function unfinishedIn(args: string[]): string {
  const at = args.indexOf('--store');
  if (at < 0 || !args[at + 1]) return '';
  let store: SyncStore | undefined;
  try {
    store = openLmdbStore(args[at + 1]!, { readOnly: true });
    const now = Date.now();
    const lines = [...store.queryActors({})]
      .filter((actor) => actor.status !== 'done')
      .slice(0, 40)
      .map((actor) => {
        const effects = Object.entries(actor.effects).map(([id, e]) => `${id}:${e.src}#${e.attempt}`).join(' ');
        const timers = Object.entries(actor.timers).map(([id, due]) => `${id}@${due - now}ms`).join(' ');
        return `  ${actor.id} ${actor.machine} ${actor.status}/${actor.state} seq ${actor.seq}, ${now - actor.updatedAt} ms ago${effects ? `; effects ${effects}` : ''}${timers ? `; timers ${timers}` : ''}${actor.error ? `; ${actor.error.code}: ${actor.error.message}` : ''}`;
      });
    const messages = [...store.inbox()].slice(0, 20).map((m) => `  to ${m.to} from ${m.from ?? '(outside)'}: ${m.event.type} (seq ${m.seq})`);
    return `\nunfinished actors in the store:\n${lines.join('\n') || '  (none)'}\nmessages waiting in the store:\n${messages.join('\n') || '  (none)'}`;
  } catch (error) {
    return `\n(the store could not be read: ${(error as Error).message})`;
  } finally {
    void store?.close();
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what` after `timeoutMs` (showing what running command lines printed). */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 45_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      // Those still running print their inner state first: where a stall is held (a step, a commit, an effect).
      for (const started of recent) started.diagnose();
      await new Promise((resolve) => setTimeout(resolve, 500));
      throw new Error(`waited ${timeoutMs} ms for ${what}${whatRunningPrinted()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Reads a store read-only (beside a running owner, or after it stopped). */
export async function readStore<T>(path: string, read: (store: SyncStore) => T | Promise<T>): Promise<T> {
  const store = openLmdbStore(path, { readOnly: true });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** What a store holds about one watch. */
export interface WatchView {
  watch: ActorRecord | undefined;
  context: WatchContext | undefined;
  /** The watch's dataload children. */
  batches: ActorRecord[];
  /** `loaded` records of the dataset, by relative path. */
  loaded: Map<string, LoadedFile>;
  /** `watch.taken` records of the watch, by relative path. */
  taken: Map<string, { size: number; mtimeMs: number; batch: number }>;
  /** Messages to the watch not yet taken (a batch's `batch.finished` lands a step before the watch counts it). */
  waiting: number;
}

export function viewWatch(store: SyncStore, watchId: string, dataset: string): WatchView {
  const watch = store.getActor(actorId(watchId));
  const loaded = new Map<string, LoadedFile>();
  for (const { key, value } of store.scanRecords<LoadedFile>('loaded', [dataset])) loaded.set(String((key as unknown[])[1]), value);
  const taken = new Map<string, { size: number; mtimeMs: number; batch: number }>();
  for (const { key, value } of store.scanRecords<{ size: number; mtimeMs: number; batch: number }>('watch.taken', [watchId])) taken.set(String((key as unknown[])[1]), value);
  return {
    watch,
    context: watch?.snapshot?.context as WatchContext | undefined,
    batches: [...store.queryActors({ parent: actorId(watchId), machine: 'dataload' })],
    loaded,
    taken,
    waiting: [...store.inbox(actorId(watchId))].length,
  };
}

/** Every batch of the watch ended and told the watch so, and no file waits in an open batch: nothing left in flight. */
export function watchSettled(view: WatchView): boolean {
  return view.context?.open === 0 && view.batches.every((batch) => batch.status === 'done') && view.waiting === 0;
}

/** The id `holdfast watch` gives the watch of a folder and dataset (as printed in `watch.started`). */
export function watchIdOf(started: WatchLine): string {
  if (typeof started.id !== 'string') throw new Error(`no watch id in ${JSON.stringify(started)}`);
  return started.id;
}

/** Writes `content` in `chunks` pieces with `pauseMs` between them: a slow writer. */
export async function writeSlowly(path: string, content: Buffer, chunks: number, pauseMs: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const size = Math.ceil(content.length / chunks);
    for (let start = 0; start < content.length; start += size) {
      await handle.write(content.subarray(start, start + size));
      await handle.sync();
      if (start + size < content.length) await pause(pauseMs);
    }
  } finally {
    await handle.close();
  }
}

/** Creates the file at its final size (zeros) first, then fills it in `chunks` pieces with `pauseMs` between them. */
export async function writePreallocated(path: string, content: Buffer, chunks: number, pauseMs: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.truncate(content.length);
    await handle.sync();
    await pause(pauseMs);
    const size = Math.ceil(content.length / chunks);
    for (let start = 0; start < content.length; start += size) {
      await handle.write(content.subarray(start, start + size), 0, Math.min(size, content.length - start), start);
      await handle.sync();
      if (start + size < content.length) await pause(pauseMs);
    }
  } finally {
    await handle.close();
  }
}

/** A writer's pause (part of a fixture's misbehaviour, never used to wait for holdfast). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function md5(content: Buffer | string): string {
  return createHash('md5').update(content).digest('hex');
}

/** MD5 of every file under the file store, counted: exactly-once means each expected MD5 once, nothing else. */
export async function fileStoreMd5Counts(filesDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const path of await listFiles(filesDir)) {
    const sum = await md5OfFile(`${filesDir}/${path}`);
    counts.set(sum, (counts.get(sum) ?? 0) + 1);
  }
  return counts;
}

/** Open file descriptors and inotify watches of a process (Linux, from /proc); undefined elsewhere. */
export async function handlesOf(pid: number): Promise<{ fds: number; inotifyWatches: number } | undefined> {
  const fdDir = `/proc/${pid}/fd`;
  const fds = await readdir(fdDir).catch(() => undefined);
  if (!fds) return undefined;
  let inotifyWatches = 0;
  for (const fd of fds) {
    const target = await readlink(`${fdDir}/${fd}`).catch(() => '');
    if (!target.includes('inotify')) continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    inotifyWatches += info.split('\n').filter((line) => line.startsWith('inotify ')).length;
  }
  return { fds: fds.length, inotifyWatches };
}
