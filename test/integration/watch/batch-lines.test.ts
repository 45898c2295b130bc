/**
 * `holdfast watch` in text (issue 22, item 5): one line per batch loaded,
 * naming the batch and its counts, over a real store (copy-only watch).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForOutput } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { startCli, watchArgs, type WatchProcess } from '../../helpers/watch.js';

const PID = 'doi:10.5072/FK2/LINES1';
let running: WatchProcess | undefined;

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});

describe('watch: a line per batch', () => {
  it('prints one line for each batch loaded, with its files counted', async () => {
    const root = tempFolder('holdfast-watch-lines-');
    const setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: 200, batchIdleMs: 400 };
    mkdirSync(setup.dir);
    const watch = (running = startCli(watchArgs(setup).filter((arg) => arg !== '--json')));
    expect(await waitForOutput(watch, 'stop with Ctrl-C', 30_000), watch.errors()).toBe(true);
    writeFileSync(join(setup.dir, 'a.txt'), 'alpha');
    writeFileSync(join(setup.dir, 'b.txt'), 'beta');
    expect(await waitForOutput(watch, ' completed: ', 30_000), watch.output()).toBe(true);
    writeFileSync(join(setup.dir, 'c.txt'), 'gamma');
    const batchLines = () => watch.output().split('\n').filter((line) => / completed: /.test(line));
    const deadline = Date.now() + 30_000;
    const filesIn = (lines: string[]) => lines.reduce((sum, line) => sum + Number(/: (\d+) files/.exec(line)?.[1] ?? 0), 0);
    while (filesIn(batchLines()) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await watch.stop()).toEqual({ code: 0, signal: null });
    const lines = batchLines();
    // a.txt and b.txt came together (one batch, unless the settle split them), c.txt after the first batch closed.
    expect(lines.length, watch.output()).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^batch \d+ completed: (\d+) files, \1 copied, 0 registered, 0 skipped, 0 failed$/);
    expect(filesIn(lines)).toBe(3);
    expect(new Set(lines.map((line) => line.split(' ')[1])).size, 'one line per batch').toBe(lines.length);
  }, 60_000);
});
