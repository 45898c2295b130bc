/**
 * Old code against new, interleaved: `node --import tsx bench/tools/ab.ts
 * --base REV [--suites transitions,import,batch,recovery] [--runs 5]`
 * (`--quick`: small sizes, to try the tool).
 * Checks REV out in a temporary worktree (node_modules linked from here),
 * then runs each suite once in the old tree and once in this one, alternating
 * which goes first, `--runs` times; prints each side's median of the suite's
 * headline figure and the change, the median of the paired runs' ratios, and
 * (transitions) CPU per step, which a neighbour holding the CPU or the disk does
 * not sway. Interleaving spreads a machine's drift (a neighbour's load, thermal
 * limits) over both sides alike, which back-to-back batches of runs do not.
 * Both sides run their code as it ships (dist; `--source`: src through tsx).
 * Run it on a quiet machine. `--json` prints the
 * result as one JSON object on the last line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchedCode, buildShippedCode, repoRoot } from '../lib/suite.js';
import { median, round } from '../lib/stats.js';

/** Each suite's headline figure, and whether more is better. */
const HEADLINES: Record<string, { key: string; higherIsBetter: boolean }> = {
  transitions: { key: 'transitionsPerSec', higherIsBetter: true },
  import: { key: 'objectsPerSec', higherIsBetter: true },
  batch: { key: 'batchItemsPerSec', higherIsBetter: true },
  recovery: { key: 'recoveryMs', higherIsBetter: false },
  'memory-transitions': { key: 'memoryTransitionsPerSec', higherIsBetter: true },
};

/**
 * Figures steadier than a suite's headline on a shared machine, shown beside it (not judged):
 * CPU per unit of work does not count the time a neighbour held the CPU or the disk.
 */
const STEADIER: Record<string, { key: string; higherIsBetter: boolean }[]> = {
  transitions: [
    { key: 'cpuUsPerStep', higherIsBetter: false },
    { key: 'mainThreadCpuUsPerStep', higherIsBetter: false },
  ],
  'memory-transitions': [{ key: 'memoryCpuUsPerStep', higherIsBetter: false }],
};

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const base = option('--base');
const runs = Number(option('--runs') ?? 5);
const suites = (option('--suites') ?? 'transitions,import,batch,recovery').split(',');
const json = argv.includes('--json');
// Small sizes: a smoke test of the tool, not figures to quote.
const quick = argv.includes('--quick');
if (argv.includes('--source')) process.env.HOLDFAST_BENCH_CODE = 'source';
if (!base || !Number.isInteger(runs) || runs < 1 || suites.some((suite) => !HEADLINES[suite])) {
  console.error(`usage: ab.ts --base REV [--runs N] [--suites ${Object.keys(HEADLINES).join(',')}] [--json]`);
  process.exit(2);
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
const baseCommit = git('rev-parse', '--short', base);
const headCommit = git('rev-parse', '--short', 'HEAD');
const oldTree = join(mkdtempSync(join(tmpdir(), 'holdfast-ab-')), 'base');
git('worktree', 'add', '--detach', oldTree, baseCommit);
symlinkSync(join(repoRoot, 'node_modules'), join(oldTree, 'node_modules'));
// Both sides run their shipped code (dist): an old tree whose bench predates that gets this tree's hook.
const OLD_HOOK = join(oldTree, 'bench', 'lib', 'shipped-code-register.mjs');
const oldEnv: NodeJS.ProcessEnv = { ...process.env };
if (benchedCode() === 'dist' && !existsSync(OLD_HOOK)) {
  for (const file of ['shipped-code.mjs', 'shipped-code-register.mjs']) copyFileSync(join(repoRoot, 'bench', 'lib', file), join(oldTree, 'bench', 'lib', file));
  oldEnv.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${OLD_HOOK}`.trim();
  // Its bench/run.ts does not build: built once here (the new tree's run.ts builds itself each run).
  buildShippedCode(oldTree);
}

/** One run of one suite in one tree: its figures (the last line of `bench --json`). */
function runSuite(tree: string, suite: string): Record<string, unknown> {
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--only', suite, '--repeat', '1', '--json', ...(quick ? ['--quick'] : [])], {
    cwd: tree,
    env: tree === oldTree ? oldEnv : process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !last.startsWith('{')) throw new Error(`${suite} in ${tree} failed (${result.status}):\n${result.stderr.slice(-3000)}`);
  return JSON.parse(last) as Record<string, unknown>;
}

const figures: Record<string, { old: number[]; new: number[] }> = Object.fromEntries(suites.map((suite) => [suite, { old: [], new: [] }]));
/** The steadier figures of each run, by suite and key. */
const steadier: Record<string, Record<string, { old: number[]; new: number[] }>> = {};
try {
  for (let run = 1; run <= runs; run++) {
    for (const suite of suites) {
      const { key } = HEADLINES[suite]!;
      const sides = run % 2 === 1 ? (['old', 'new'] as const) : (['new', 'old'] as const);
      for (const side of sides) {
        const result = runSuite(side === 'old' ? oldTree : repoRoot, suite);
        const value = result[key];
        if (typeof value !== 'number') throw new Error(`${suite} gave no ${key}`);
        figures[suite]![side].push(value);
        for (const { key: other } of STEADIER[suite] ?? []) {
          if (typeof result[other] === 'number') ((steadier[suite] ??= {})[other] ??= { old: [], new: [] })[side].push(result[other]);
        }
        console.error(`run ${run}/${runs} ${suite} ${side === 'old' ? baseCommit : headCommit}: ${key}=${value}`);
      }
    }
  }
} finally {
  git('worktree', 'remove', '--force', oldTree);
  rmSync(join(oldTree, '..'), { recursive: true, force: true });
}

const rows = suites.map((suite) => {
  const { key, higherIsBetter } = HEADLINES[suite]!;
  const old = median(figures[suite]!.old);
  const now = median(figures[suite]!.new);
  // Positive: the new code is better, whichever way the figure points.
  const changePct = round(((higherIsBetter ? now / old : old / now) - 1) * 100, 1);
  // Run n of each side ran back to back: the median of their ratios is less swayed by a slow stretch.
  const { old: olds, new: news } = figures[suite]!;
  const pairedPct = round((median(news.map((value, n) => (higherIsBetter ? value / olds[n]! : olds[n]! / value))) - 1) * 100, 1);
  const others = (STEADIER[suite] ?? []).flatMap(({ key: other, higherIsBetter: higher }) => {
    const seen = steadier[suite]?.[other];
    if (!seen || seen.old.length !== runs || seen.new.length !== runs) return []; // the old code may not report it
    const [was, is] = [median(seen.old), median(seen.new)];
    return [{ key: other, old: round(was, 1), new: round(is, 1), changePct: round(((higher ? is / was : was / is) - 1) * 100, 1) }];
  });
  return { suite, key, old: round(old, 1), new: round(now, 1), changePct, pairedPct, steadier: others, runs: figures[suite] };
});
const signed = (pct: number) => `${pct >= 0 ? '+' : ''}${pct}%`;
console.log(`\nmedians of ${runs} interleaved runs, ${baseCommit} (old) against ${headCommit} (new); change: + is better`);
for (const row of rows) {
  console.log(`${row.suite.padEnd(20)} ${row.key.padEnd(24)} old ${String(row.old).padStart(10)}  new ${String(row.new).padStart(10)}  ${signed(row.changePct)}  (median of paired runs' ratios: ${signed(row.pairedPct)})`);
  for (const other of row.steadier) console.log(`${''.padEnd(20)} ${other.key.padEnd(24)} old ${String(other.old).padStart(10)}  new ${String(other.new).padStart(10)}  ${signed(other.changePct)}`);
}
if (json) console.log(JSON.stringify({ base: baseCommit, head: headCommit, runs, rows }));
