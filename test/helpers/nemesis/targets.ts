/**
 * The nemesis's targets: a workload that owns one store and is restarted
 * after every fault until it ends on its own. Every exit is kept, so the
 * checker can tell the nemesis's SIGKILLs from a death of the workload's own.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startWorkload, waitForOutput, type Workload } from '../processes.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the nemesis sent the signal. */
  killedByNemesis: boolean;
  output: string;
  /** What it printed on stderr. */
  errors: string;
}

export interface Target {
  name: string;
  store: string;
  /** What a run prints when its work ended (`EXIT 0`, `DONE`). */
  doneMarker: string;
  /** The running workload, if any. */
  current: Workload | undefined;
  /** Set once a run ended by itself with its success marker. */
  finished: boolean;
  exits: Exit[];
  /** Actor ids whose records the nemesis damaged. */
  damaged: string[];
  start(): Workload;
  /** SIGKILLs the running workload and waits for it. */
  kill(): Promise<void>;
  /** Starts it again unless it finished. */
  restart(): void;
  /** Runs it without faults until it ends; false when it did not within `timeoutMs`. */
  runToEnd(timeoutMs: number): Promise<boolean>;
}

/**
 * @param done the marker a run prints when its work ended (`EXIT 0`, `DONE`).
 */
export function target(name: string, store: string, workload: string, args: string[], done: string, env: Record<string, string> = {}): Target {
  let nemesisKill = false;
  const self: Target = {
    name,
    store,
    doneMarker: done,
    current: undefined,
    finished: false,
    exits: [],
    damaged: [],
    start() {
      const run = startWorkload(workload, args, env);
      self.current = run;
      void run.exited.then(({ code, signal }) => {
        self.exits.push({ code, signal, killedByNemesis: nemesisKill, output: run.output(), errors: run.errors() });
        nemesisKill = false;
        if (self.current === run) self.current = undefined;
        if (code === 0 && run.output().includes(done)) self.finished = true;
      });
      return run;
    },
    async kill() {
      const run = self.current;
      if (!run) return;
      nemesisKill = true;
      run.child.kill('SIGKILL');
      await run.exited;
      await new Promise((resolve) => setImmediate(resolve));
    },
    restart() {
      if (!self.finished && !self.current) self.start();
    },
    async runToEnd(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!self.finished && Date.now() < deadline) {
        const run = self.current ?? self.start();
        const ended = await Promise.race([run.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref())]);
        if (!ended) break;
        await new Promise((resolve) => setImmediate(resolve));
        // A run that exits 1 (work waiting on something outside, such as space) is run again, as a person would.
        if (!self.finished && self.exits.at(-1)?.code !== 1) break;
      }
      if (self.current) await self.kill();
      return self.finished;
    },
  };
  return self;
}

/** LMDB's own files: the environment and its reader table. */
const LMDB_FILES = new Set(['data.mdb', 'data.mdb-lock', 'lock.mdb']);

/** Deletes every file holdfast keeps beside LMDB's own in a store folder (owner.lock, the socket, temporaries); never LMDB's. */
export function deleteStoreSideFiles(store: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(store).filter((name) => !LMDB_FILES.has(name));
  } catch {
    return [];
  }
  for (const name of names) rmSync(join(store, name), { recursive: true, force: true });
  return names;
}

export { waitForOutput };
