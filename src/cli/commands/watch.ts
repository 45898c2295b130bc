/**
 * `holdfast watch DIR --dataset PID --files-dir FILES [...]`: files dropped into
 * DIR are loaded automatically in rolling batches until SIGINT or SIGTERM, which
 * close the open batch and the store cleanly. Restarting resumes the same watch.
 */
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { startFolderWatcher } from '../../adapters/watch/folder-watcher.js';
import { printable } from '../../adapters/files/dataverse-labels.js';
import { screenNames } from '../../adapters/files/name-screen.js';
import { loadTarget } from '../load-target.js';
import type { HoldfastError } from '../../errors.js';
import { WATCH_MACHINE, type WatchContext, type WatchInput } from '../../machines/watch.machine.js';
import { actorId, type ActorId } from '../../runtime/actor-types.js';
import { openHoldfast, type Holdfast } from '../assembly.js';
import { createOutput, milliseconds, positiveInt, usage, type GlobalOptions } from '../cli-context.js';
import { retentionFlag } from '../duration-flag.js';
import type { LoadedFile } from '../../adapters/dataload/dataload-effects.js';
import { DATALOAD_MACHINE, type DataLoadContext } from '../../machines/dataload.machine.js';
import { WAITING_STATES } from '../load-follow.js';

interface WatchOptions extends GlobalOptions {
  dataset: string;
  filesDir: string;
  dataverse?: string;
  token?: string;
  tokenFile?: string;
  fixLabels?: boolean;
  settle: number;
  batchFiles: number;
  batchIdle: number;
  poll?: boolean;
  chunkSize: number;
  move?: boolean;
  includeHidden?: boolean;
  exclude: string[];
  lockWait: number;
  retention?: number | false;
}

export function registerWatch(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('watch')
    .description('load files dropped into a folder automatically, in rolling batches, until stopped')
    .argument('<dir>', 'the folder to watch')
    .requiredOption('--dataset <pid>', 'the dataset persistent id')
    .requiredOption('--files-dir <dir>', "the Dataverse file store's root folder")
    .option('--dataverse <url>', 'Dataverse installation URL (default: $DATAVERSE_SERVER; without either, files are copied but not registered)')
    .option('--token <token>', 'Dataverse API token (visible to `ps`: prefer --token-file or $DATAVERSE_KEY; kept in the store, never printed)')
    .option('--token-file <file>', 'read the API token from this file (one line)')
    .option('--fix-labels', 'load a file whose name or folder Dataverse would refuse or alter under the name it would accept')
    .option('--settle <ms>', 'a file is taken once its size and mtime are stable this long', milliseconds('--settle'), 2_000)
    .option('--batch-files <n>', 'close a batch after this many files', positiveInt('--batch-files'), 1_000)
    .option('--batch-idle <ms>', 'close a batch after this long without a new file', milliseconds('--batch-idle'), 10_000)
    .option('--poll', 'poll the folder (network mounts)')
    .option('--chunk-size <n>', 'files per addFiles call', positiveInt('--chunk-size'), 100)
    .option('--move', 'remove the sources of registered files')
    .option('--include-hidden', 'load hidden and system files too')
    .option('--exclude <glob>', 'skip matching paths (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--lock-wait <ms>', 'how long to wait for a locked dataset', milliseconds('--lock-wait'), 600_000)
    .option('--retention <duration>', "how long a finished batch's files keep their step journal and their actors, then folded into a count (summaries, results and registrations stay): milliseconds, or 12h, 7d; never keeps it (default 7d)", retentionFlag('--retention'))
    .action((dir: string, options: WatchOptions, command: Command) => run(() => watchFolder(dir, { ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

async function watchFolder(dirArgument: string, options: WatchOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const { target, credentials } = await loadTarget(dirArgument, options, 'watch');
  const { dir, dataverseUrl } = target;
  const { token } = credentials;
  const input: WatchInput = { ...target, batchFiles: options.batchFiles, batchIdleMs: options.batchIdle };
  const holdfast = await openHoldfast({ store: options.store, ...(options.retention !== undefined ? { retention: options.retention } : {}) });
  const line = (event: Record<string, unknown>) => (out.json ? process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`) : undefined);
  let id: ActorId;
  try {
    if (dataverseUrl && token) await holdfast.keepToken(dataverseUrl, token);
    id = await watchActor(holdfast, input);
  } catch (error) {
    // Closed here, or the store and its socket would keep the process running after the error.
    await holdfast.close();
    throw error;
  }
  out.say(`watching ${dir} -> ${options.dataset} (watch ${id}); stop with Ctrl-C`);
  line({ event: 'watch.started', id, dir });
  const status = statusLine(holdfast, id, out.json);
  // Batch lines are read asynchronously and said in the order their events came: one after the other.
  let saying = Promise.resolve();
  const unsubscribe = holdfast.runtime.subscribe((event) => {
    if (event.type === 'actor.emitted' && event.id === id) line({ event: event.event.type, file: event.event.relativePath });
    if (event.type === 'actor.spawned' && event.machine === DATALOAD_MACHINE && event.parent === id) line({ event: 'batch.closed', batch: event.id });
    if (event.type === 'actor.stepped' && event.machine === DATALOAD_MACHINE && event.id.startsWith(`${id}/`) && (event.status !== 'active' || (WAITING_STATES.has(event.to) && event.from !== event.to))) {
      if (event.status !== 'active') line({ event: 'batch.finished', batch: event.id, state: event.to });
      const batch = event.id;
      saying = saying
        .then(() => batchLine(holdfast, batch, id))
        .then((text) => {
          if (text && !out.json) status.print(text);
        })
        .catch(() => {}); // a batch deleted meanwhile has nothing to say
    }
    if (event.type === 'actor.stepped' && (event.id === id || event.id.startsWith(`${id}/`))) status.refresh();
    if (event.type === 'runtime.pruned') line({ event: 'retention.pruned', entries: event.entries, actors: event.actors, snapshots: event.snapshots, folded: event.folded, bytes: event.bytes });
  });
  // What was sent and is not yet committed, by path: a file reported ready twice meanwhile is sent once.
  // Once committed, the `watch.taken` record answers, so this map holds only the files in flight.
  const sent = new Map<string, string>();
  const inFlight = new Set<Promise<void>>();
  let failure: HoldfastError | undefined;
  let stop: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  const fail = (error: HoldfastError) => {
    failure ??= error;
    stop(1);
  };
  /** Runs a store write without awaiting it here (sends to one actor keep their order; commits are grouped); stopping awaits them all. */
  const track = (write: Promise<void>) => {
    const done = write.catch(fail).finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  let readying = Promise.resolve();
  /** Sends a ready file to the watch, unless it is in flight, taken or loaded as it is now. */
  const fileReady = async (file: { relativePath: string; size: number; mtimeMs: number }): Promise<void> => {
    const path = file.relativePath;
    const version = `${file.size}:${file.mtimeMs}`;
    const pending = sent.get(path);
    if (pending === version) return;
    const taken = await holdfast.runtime.records.get<{ size: number; mtimeMs: number }>('watch.taken', [id, path]);
    if (pending === undefined && taken && `${taken.size}:${taken.mtimeMs}` === version) return;
    const loaded = await holdfast.runtime.records.get<LoadedFile>('loaded', [input.dataset, path]);
    if (pending === undefined && !taken && loaded && `${loaded.size}:${loaded.mtimeMs}` === version) return;
    sent.set(path, version);
    const replaced = pending !== undefined || taken !== undefined || loaded !== undefined;
    track(
      holdfast.runtime.send(id, { type: 'file.ready', ...file, replaced }).then(() => {
        if (sent.get(path) === version) sent.delete(path);
      }),
    );
  };
  // As the watch was started (a restart resumes it with its first options), so the batches agree.
  const fixLabels = ((await holdfast.runtime.get(id))?.snapshot?.context as WatchContext | undefined)?.fixLabels ?? false;
  const refuse = (relativePath: string, reason: string) => {
    line({ event: 'file.refused', file: relativePath, reason });
    out.say(`refused ${printable(relativePath)}: ${printable(reason)}`);
    // Kept in the store (`watch.refused`, by watch and path) so the refusal outlives the output.
    track(holdfast.runtime.records.put('watch.refused', [id, relativePath], { reason, at: Date.now() }));
  };
  const watcher = startFolderWatcher({
    dir,
    settleMs: options.settle,
    poll: options.poll ?? false,
    includeHidden: input.includeHidden,
    exclude: input.exclude,
    ready: (file) => {
      const path = file.relativePath;
      // Refused at once, as `ingest` refuses it, unless the batch is to load it under the name Dataverse would accept.
      const refusal = fixLabels ? undefined : nameRefusal(path);
      if (refusal) return refuse(path, refusal);
      // Files are checked one after the other, in the order they became ready: their sends keep that order.
      readying = readying.then(() => fileReady(file));
      track(readying);
    },
    refused: (relativePath, reason) => refuse(relativePath, reason),
    failed: fail,
  });
  // Files present at start are found by the initial scan (the rescan after a restart).
  void watcher.scanned.then(() => line({ event: 'watch.scanned' }));
  const onSignal = () => stop(0);
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const code = await stopped;
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  // Graceful stop: no new batch; the open one is closed and handed to a load; running copies finish or stay resumable.
  await watcher.close();
  while (inFlight.size > 0) await Promise.all(inFlight);
  await holdfast.runtime.send(id, { type: 'watch.flush' }).catch(() => {});
  unsubscribe();
  await saying;
  await status.stop();
  const context = (await holdfast.runtime.get(id))?.snapshot?.context as WatchContext | undefined;
  await holdfast.close();
  if (failure) out.error(`holdfast: ${failure.message}`);
  // A failure ends --json output as every command's does: a line whose `error` is { code, message, details }.
  out.result({ ...(failure ? { error: failure.toJSON() } : {}), id, stopped: true, counts: context?.counts });
  out.say(`watch ${id} stopped; \`holdfast watch\` again (or \`holdfast resume\`) continues it`);
  return failure ? 1 : code;
}

/** The watch of this folder and dataset: resumed if it exists, else created. */
async function watchActor(holdfast: Holdfast, input: WatchInput): Promise<ActorId> {
  const id = actorId(`watch-${createHash('sha1').update(`${input.dir}\u0000${input.dataset}`).digest('hex').slice(0, 12)}`);
  const existing = await holdfast.runtime.get(id);
  if (existing?.status === 'active') return id;
  if (existing) throw usage(`watch ${id} of ${input.dir} is ${existing.status}; delete it to start over`);
  return actorId(await holdfast.runtime.spawn(WATCH_MACHINE, input, { id }));
}

/** One line for a batch that ended or waits on a person: `batch 3 completed: 12 files, 12 copied, 12 registered, 0 skipped, 0 failed`. */
export async function batchLine(holdfast: Holdfast, batchId: ActorId, watchId: ActorId): Promise<string | undefined> {
  const record = await holdfast.runtime.listedActor(batchId);
  const context = record?.snapshot?.context as DataLoadContext | undefined;
  if (!record || !context) return undefined;
  const c = context.counts;
  const name = batchId.slice(watchId.length + 1).replace(/^b(\d+)$/, 'batch $1');
  const wait = WAITING_STATES.has(record.state) ? ' (waits: fix the cause, then `holdfast resume`)' : '';
  return `${name} ${record.state}: ${c.total} files, ${c.copied} copied, ${c.registered} registered, ${c.skipped} skipped, ${c.failed} failed${context.error ? `; ${context.error.code}: ${context.error.message}` : ''}${wait}`;
}

/** On a terminal, one live line: accepted, in flight, loaded, failed, current batch; lines printed meanwhile go above it. */
function statusLine(holdfast: Holdfast, id: ActorId, silent: boolean) {
  const print = (text: string) => void process.stdout.write(`${text}\n`);
  if (silent || !process.stdout.isTTY) return { refresh: () => {}, print, stop: async () => {} };
  let last = 0;
  let shown = false;
  let drawn: WatchContext | undefined;
  let reading: Promise<void> | undefined;
  /** Reads the watch (one read at a time), then draws it. */
  const update = (): Promise<void> => {
    reading ??= holdfast.runtime
      .listedActor(id)
      .then((record) => {
        drawn = (record?.snapshot?.context as WatchContext | undefined) ?? drawn;
        draw();
      }, () => undefined)
      .finally(() => (reading = undefined));
    return reading;
  };
  const draw = () => {
    const context = drawn;
    if (!context) return;
    const c = context.counts;
    const inFlight = c.accepted - c.loaded - c.failed - c.skipped - context.open;
    shown = true;
    process.stdout.write(`\r\x1b[Kseen ${c.accepted} | in flight ${Math.max(0, inFlight)} | loaded ${c.loaded} | failed ${c.failed} | batch ${context.batch} (${context.open} files)`);
  };
  return {
    refresh() {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      void update();
    },
    print(text: string) {
      process.stdout.write(`${shown ? '\r\x1b[K' : ''}${text}\n`);
      if (shown) draw();
    },
    async stop() {
      await reading;
      await update();
      process.stdout.write('\n');
    },
  };
}

/** Why Dataverse would refuse or alter the name of the file at `relativePath`, or nothing. */
function nameRefusal(relativePath: string): string | undefined {
  const slash = relativePath.lastIndexOf('/');
  const [verdict] = screenNames([{ relativePath, directoryLabel: slash < 0 ? '' : relativePath.slice(0, slash), fileName: relativePath.slice(slash + 1) }], { fixLabels: false });
  return verdict && !verdict.ok ? `${verdict.code}: ${verdict.reason}` : undefined;
}
