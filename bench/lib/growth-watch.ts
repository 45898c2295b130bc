/**
 * The growth workload's watch: `holdfast watch` over a fresh folder and store, with the
 * Dataverse stand-in, its `--json` events read as they come; batches of small files are
 * dropped into the folder one at a time. Shared by the growth suite and bench/tools/growth-trend.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { codeFlags, repoRoot } from './suite.js';
import { tempFolder } from './temp.js';

export const GROWTH_PID = 'doi:10.5072/FK2/GROWTH';
const TOKEN = 'bench-token-0123456789';

export interface GrowthWatch {
  root: ReturnType<typeof tempFolder>;
  store: string;
  child: ChildProcess;
  standin: Awaited<ReturnType<typeof startDataverseStandin>>;
  /** How many `--json` events of this name the watch printed so far. */
  seen(event: string): number;
  /** The watch's last event of this name. */
  last(event: string): Record<string, unknown> | undefined;
  wait(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Writes batch `n` (FILES files of `fileBytes`) and resolves once the watch finished it, completed. */
  loadBatch(n: number, fileBytes: number): Promise<void>;
  /** Stops the watch (SIGTERM) and the stand-in; the temp folder stays for the caller to read and remove. */
  stop(): Promise<void>;
}

export async function startGrowthWatch(options: { retention: string; files: number; nodeFlags?: string[] }): Promise<GrowthWatch> {
  const root = tempFolder(`growth-${options.retention}`);
  const dir = join(root.path, 'watched');
  const filesDir = join(root.path, 'files');
  const store = join(root.path, 'store');
  mkdirSync(dir);
  const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: GROWTH_PID }] });
  const args = ['watch', dir, '--dataset', GROWTH_PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json', '--settle', '200', '--batch-idle', '60000', '--batch-files', String(options.files), '--retention', options.retention];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', ...codeFlags(), 'src/cli/cli-child.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(partial.slice(0, newline)) as Record<string, unknown>);
      partial = partial.slice(newline + 1);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const seen = (event: string) => lines.filter((line) => line.event === event).length;
  const wait = async (check: () => boolean, what: string, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (child.exitCode !== null) throw new Error(`the watch exited (${child.exitCode}) waiting for ${what}: ${stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const last = (event: string) => lines.filter((line) => line.event === event).at(-1);
  return {
    root,
    store,
    child,
    standin,
    seen,
    last,
    wait,
    async loadBatch(n, fileBytes) {
      const folder = join(dir, `b${n}`);
      mkdirSync(folder);
      for (let i = 0; i < options.files; i++) writeFileSync(join(folder, `f${i}.txt`), randomBytes(fileBytes / 2).toString('hex'));
      await wait(() => seen('batch.finished') >= n, `batch ${n} to finish`);
      const finished = last('batch.finished')!;
      if (finished.state !== 'completed') throw new Error(`batch ${n} ended ${String(finished.state)}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await standin.close();
    },
  };
}
