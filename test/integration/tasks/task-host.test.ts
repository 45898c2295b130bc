/**
 * Task jobs run from the command line (issue 22, item 1): the tasks and queues
 * of holdfast.config.* are served by `holdfast serve` and `holdfast resume`.
 * examples/tasks runs as the README's "Running task jobs" walks through it,
 * through the CLI as bin/holdfast.js runs it (supervised, in child processes).
 */
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, holdfastChild, killChildren } from '../../helpers/cli-child.js';
import { runCli } from '../../helpers/dataload.js';
import { waitForOutput } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

afterEach(killChildren);

/** examples/tasks copied to a temp folder (its reports land there), with node_modules linked for tsx. */
function copyExample(): string {
  const folder = tempFolder('holdfast-tasks-example-');
  cpSync(join(repoRoot, 'examples', 'tasks'), folder, { recursive: true, filter: (path) => !/[\\/](reports|\.holdfast)$/.test(path) });
  symlinkSync(join(repoRoot, 'node_modules'), join(folder, 'node_modules'));
  return folder;
}

/** A supervised `holdfast ARGS` in `cwd`, run to its end. */
async function holdfast(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = holdfastChild(args, cwd, { supervised: true });
  const ended = await exitWithin(run, 60_000);
  if (ended === 'hung') throw new Error(`holdfast ${args.join(' ')} did not end: ${run.output()}`);
  return { code: ended.code, stdout: run.output().slice(0, run.output().length - run.errors().length), stderr: run.errors() };
}

async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the task-jobs example', () => {
  it('defers a job, then `serve` runs it and the stage it defers, and a job deferred while it serves', async () => {
    const folder = copyExample();
    const deferred = await holdfast(['defer', 'default', 'notes.count', '--payload', 'note.json', '--id', 'first', '--json'], folder);
    expect(deferred.code, deferred.stderr).toBe(0);
    expect(JSON.parse(deferred.stdout)).toEqual({ id: 'first', queue: 'default', task: 'notes.count', state: 'queued' });

    const serve = holdfastChild(['serve', '--port', '0', '--json'], folder, { supervised: true });
    const report = join(folder, 'reports', 'hello.txt');
    await until(() => existsSync(report), 'the report of the deferred job');
    expect(readFileSync(report, 'utf8')).toBe('hello: 14 words (job first/next)\n');
    await until(() => serve.output().includes('"id":"first/next"'), 'the next stage reported');

    // Deferred while serve owns the store: handed to it, and run at once.
    writeFileSync(join(folder, 'second.json'), JSON.stringify({ name: 'second', text: 'one two three' }));
    const handed = await holdfast(['defer', 'default', 'notes.count', '--payload', 'second.json', '--id', 'second'], folder);
    expect(handed.stdout).toContain('deferred second: notes.count on queue default (handed to the owner)');
    await until(() => existsSync(join(folder, 'reports', 'second.txt')), 'the second report');
    expect(readFileSync(join(folder, 'reports', 'second.txt'), 'utf8')).toBe('second: 3 words (job second/next)\n');

    serve.child.kill('SIGINT');
    expect(await exitWithin(serve, 30_000)).toEqual({ code: 0, signal: null });
    const events = serve
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; id?: string; queues?: unknown });
    expect(events[0]).toMatchObject({ event: 'serve.started', queues: { default: 2, reports: 1 } });
    expect(events.filter((event) => event.event === 'task.succeeded').map((event) => event.id)).toEqual(['first', 'first/next', 'second', 'second/next']);
    expect(events.at(-1)).toMatchObject({ event: 'serve.stopped' });
  }, 180_000);
});

describe('holdfast serve without the tasks of a queued job', () => {
  it('says at start which queues wait, and what to do', async () => {
    const folder = copyExample();
    const store = join(folder, 'store');
    expect((await runCli(['defer', 'ingest', 'notes.count', '--payload', join(folder, 'note.json'), '--store', store])).code).toBe(0);
    const serve = holdfastChild(['serve', '--port', '0', '--store', store, '--app', join(folder, 'holdfast.config.ts')], folder);
    expect(await waitForOutput(serve, 'stop with Ctrl-C')).toBe(true);
    expect(serve.errors()).toContain('holdfast: task jobs wait queued (1 on queue ingest): no task here serves them; add tasks and queues to the host module');
    serve.child.kill('SIGINT');
    expect(await exitWithin(serve, 30_000)).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('holdfast resume with task jobs', () => {
  it('names queued task jobs no task here serves (exit 1), then runs them with --app', async () => {
    const folder = copyExample();
    const store = join(tempFolder(), 'store');
    expect((await runCli(['defer', 'default', 'notes.count', '--payload', join(folder, 'note.json'), '--id', 'j1', '--store', store])).code).toBe(0);

    const missing = await runCli(['resume', '--store', store, '--app', join(folder, 'none.config.ts')]);
    expect(missing.code).toBe(2); // a missing --app is refused, not read as "no tasks"

    const without = await runCli(['resume', '--store', store]); // the test's cwd has no holdfast.config.*
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('resuming 0 load(s), 0 import(s), 0 batch run(s) and 1 task job(s)');
    expect(without.stdout).toMatch(/task jobs waiting: 1 on queue default, which no task of this process serves; add the tasks and queues to holdfast\.config\.\*/);

    const served = await runCli(['resume', '--store', store, '--app', join(folder, 'holdfast.config.ts'), '--json']);
    expect(served.code, served.stderr).toBe(0);
    expect(served.json).toMatchObject({ resumed: 2, taskJobs: { succeeded: 2, failed: [], waiting: {}, paused: [] } });
    expect(readFileSync(join(folder, 'reports', 'hello.txt'), 'utf8')).toBe('hello: 14 words (job j1/next)\n');
    expect((await runCli(['resume', '--store', store])).stdout).toContain('nothing to resume');
  }, 60_000);

  it('does not wait on a paused task job: names it, exit 1; unpaused, it runs', async () => {
    const folder = copyExample();
    const store = join(tempFolder(), 'store');
    const app = ['--app', join(folder, 'holdfast.config.ts')];
    expect((await runCli(['defer', 'default', 'notes.count', '--payload', join(folder, 'note.json'), '--id', 'held', '--store', store])).code).toBe(0);
    expect((await runCli(['pause', 'held', '--store', store])).code).toBe(0);
    const paused = await runCli(['resume', '--store', store, ...app]);
    expect(paused.code).toBe(1);
    expect(paused.stdout).toContain('task job held is paused: holdfast unpause held, then holdfast resume');
    expect((await runCli(['unpause', 'held', '--store', store])).code).toBe(0);
    const resumed = await runCli(['resume', '--store', store, ...app, '--json']);
    expect(resumed.json).toMatchObject({ taskJobs: { succeeded: 2, paused: [] } });
  }, 60_000);

  it('runs again a task job interrupted mid-run (SIGKILL), once more, to its end', async () => {
    const folder = copyExample();
    // A task that says it started, then waits for a file: killed while it waits.
    writeFileSync(
      join(folder, 'slow.config.ts'),
      `import { appendFileSync, existsSync } from 'node:fs';
export default {
  queues: { slow: 1 },
  tasks: {
    'slow.wait': async (job, { attempt, signal }) => {
      appendFileSync(${JSON.stringify(join(folder, 'runs.log'))}, 'attempt ' + attempt + '\\n');
      while (!existsSync(${JSON.stringify(join(folder, 'go'))})) {
        if (signal.aborted) throw new Error('aborted');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  },
};
`,
    );
    const store = join(folder, 'store');
    expect((await runCli(['defer', 'slow', 'slow.wait', '--payload', join(folder, 'note.json'), '--id', 'slow-1', '--store', store])).code).toBe(0);
    const serve = holdfastChild(['serve', '--port', '0', '--store', store, '--app', join(folder, 'slow.config.ts')], folder, { supervised: true });
    expect(await waitForOutput(serve, 'stop with Ctrl-C')).toBe(true);
    await until(() => existsSync(join(folder, 'runs.log')), 'the task to start');
    serve.child.kill('SIGKILL');
    await exitWithin(serve, 10_000);

    writeFileSync(join(folder, 'go'), '');
    // The supervised child dies with its parent, within moments: until then the store is still locked.
    let resumed = await holdfast(['resume', '--store', store, '--app', join(folder, 'slow.config.ts'), '--json'], folder);
    for (let tries = 0; resumed.stderr.includes('STORE_LOCKED') && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumed = await holdfast(['resume', '--store', store, '--app', join(folder, 'slow.config.ts'), '--json'], folder);
    }
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ resumed: 1, taskJobs: { succeeded: 1, failed: [], waiting: {} } });
    expect(readFileSync(join(folder, 'runs.log'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
    const view = await runCli(['job', 'slow-1', '--store', store, '--json']);
    expect(view.json).toMatchObject({ state: 'succeeded' });
  }, 120_000);
});
