/**
 * Issue 21's bounded growth: `holdfast watch` (with the Dataverse stand-in)
 * loads BATCHES batches of FILES small files, each dropped into the folder once
 * the one before has finished, once with `--retention 0` and once with
 * `--retention never`. The figure is the store's LMDB pages in use per file
 * loaded with retention over the same without (`growthRatio`, target <= 0.3),
 * read once the watch stopped; the file's high-water mark is reported beside
 * it (`growthFileRatio`): pages freed by retention are reused, so the file
 * grows by about the pages in use. Minutes at full size: not in the default list.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import type { StoreUsage } from '../../src/persistence/store.js';
import { round } from '../lib/stats.js';
import { repoRoot, report, suiteOptions } from '../lib/suite.js';
import { tempFolder } from '../lib/temp.js';

const { quick } = suiteOptions();
const BATCHES = quick ? 5 : 100;
const FILES = quick ? 200 : 1_000;
const FILE_BYTES = 200;
const PID = 'doi:10.5072/FK2/GROWTH';
const TOKEN = 'bench-token-0123456789';
/** A pass every second at retention 0 (retention.ts): the last batch's journals go within this. */
const LAST_PASS_MS = 3_000;

interface Run {
  usage: StoreUsage;
  files: number;
  seconds: number;
}

const without = await run('never');
const withRetention = await run('0');
const perFile = (r: Run, pages: number) => pages / r.files;
report({
  growthRatio: round(perFile(withRetention, withRetention.usage.usedPages) / perFile(without, without.usage.usedPages), 3),
  growthFileRatio: round(perFile(withRetention, withRetention.usage.filePages) / perFile(without, without.usage.filePages), 3),
  growthPagesPerFileRetained: round(perFile(withRetention, withRetention.usage.usedPages), 3),
  growthPagesPerFileUnretained: round(perFile(without, without.usage.usedPages), 3),
  growthFiles: withRetention.files,
  growthSecondsRetained: round(withRetention.seconds, 1),
  growthSecondsUnretained: round(without.seconds, 1),
  growthPageSize: withRetention.usage.pageSize,
});

/** One watch over a fresh folder and store; resolves with the store's pages once it stopped. */
async function run(retention: string): Promise<Run> {
  const root = tempFolder(`growth-${retention}`);
  const dir = join(root.path, 'watched');
  const filesDir = join(root.path, 'files');
  const store = join(root.path, 'store');
  mkdirSync(dir);
  const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
  const args = ['watch', dir, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store, '--json', '--settle', '200', '--batch-idle', '60000', '--batch-files', String(FILES), '--retention', retention];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cli-child.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(partial.slice(0, newline)) as Record<string, unknown>);
      partial = partial.slice(newline + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const seen = (event: string) => lines.filter((line) => line.event === event).length;
  const wait = async (check: () => boolean, what: string, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (child.exitCode !== null) throw new Error(`the watch exited (${child.exitCode}) waiting for ${what}: ${stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const started = performance.now();
  try {
    await wait(() => seen('watch.scanned') > 0, 'the first scan');
    for (let batch = 1; batch <= BATCHES; batch++) {
      const folder = join(dir, `b${batch}`);
      mkdirSync(folder);
      for (let i = 0; i < FILES; i++) writeFileSync(join(folder, `f${i}.txt`), randomBytes(FILE_BYTES / 2).toString('hex'));
      await wait(() => seen('batch.finished') >= batch, `batch ${batch} to finish`);
      const finished = lines.filter((line) => line.event === 'batch.finished').at(-1)!;
      if (finished.state !== 'completed') throw new Error(`batch ${batch} ended ${String(finished.state)}`);
      process.stderr.write(`retention ${retention}: batch ${batch}/${BATCHES} loaded\n`);
    }
    if (retention !== 'never') {
      const before = seen('retention.pruned');
      await wait(() => seen('retention.pruned') > before, 'a retention pass after the last batch', LAST_PASS_MS * 10);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  const seconds = (performance.now() - started) / 1000;
  const registered = standin.registered(PID).length;
  await standin.close();
  if (registered !== BATCHES * FILES) throw new Error(`${registered} files registered of ${BATCHES * FILES}`);
  const opened = openLmdbStore(store, { readOnly: true });
  try {
    return { usage: opened.usage(), files: registered, seconds };
  } finally {
    await opened.close();
    root.remove();
  }
}
