/** Child processes for crash tests: TypeScript workloads run through tsx, killed at chosen instants. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Workload {
  child: ChildProcess;
  /** Everything the child printed to stdout so far. */
  output(): string;
  /** Everything the child printed to stderr so far. */
  errors(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `test/crash/workloads/<name>.ts` with arguments, in its own process. A workload imports the
 * modules it uses, not `src/index.ts`: through tsx the whole index (CLI, HTTP, inspector) took 1.8 s
 * to load, and crash tests start a child per kill.
 */
export function startWorkload(name: string, args: string[], env: Record<string, string> = {}): Workload {
  const child = spawn(process.execPath, ['--import', 'tsx', `test/crash/workloads/${name}.ts`, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(`[${name}] ${stderr}\n`);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => stdout, errors: () => stderr, exited };
}

/** Waits until the child prints a line containing `marker`, or exits. */
export async function waitForOutput(workload: Workload, marker: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void workload.exited.then(() => (exited = true));
  while (!workload.output().includes(marker)) {
    if (exited || Date.now() > deadline) return workload.output().includes(marker);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** A small seeded PRNG (mulberry32), so a failing crash run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Test sizes: `npm test` runs the small scale, `npm run test:full` the sizes the issues name. */
export const fullScale = process.env.HOLDFAST_TEST_SCALE === 'full';

/** The seed of a crash run (`HOLDFAST_CRASH_SEED` repeats one) and its random source. */
export function crashSeed(): { seed: number; random: () => number } {
  const seed = Number(process.env.HOLDFAST_CRASH_SEED ?? Date.now() % 1_000_000);
  return { seed, random: seededRandom(seed) };
}

/**
 * Waits for the workload's READY, then `delayMs`, then SIGKILLs it unless it
 * already printed DONE. Resolves once it has exited: 'killed', 'finished', or
 * 'unready' when it never became ready.
 */
export async function killAfter(workload: Workload, delayMs: number): Promise<'killed' | 'finished' | 'unready'> {
  if (!(await waitForOutput(workload, 'READY'))) return 'unready';
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (workload.output().includes('DONE')) {
    await workload.exited;
    return 'finished';
  }
  workload.child.kill('SIGKILL');
  await workload.exited;
  return 'killed';
}

/** Lets a last, unkilled run finish; kills it after `timeoutMs`. Resolves with how it exited. */
export async function runToEnd(workload: Workload, timeoutMs = 120_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
  const finished = await Promise.race([workload.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs))]);
  if (!finished) workload.child.kill('SIGKILL');
  return { ...(await workload.exited), timedOut: !finished };
}
