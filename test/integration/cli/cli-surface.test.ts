/**
 * The CLI as a new user meets it (issue 22, item 3): --version, one line and a
 * hint for a mistake, a busy port named as such, and a demo that never empties
 * a folder it did not make.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/index.js';
import { runCli } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('the command line', () => {
  it('prints its version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  it('answers an unknown command or option with one line and a hint, exit 2, not the whole help', async () => {
    for (const argv of [['nosuch'], ['jobs', '--nosuch'], ['ingest']]) {
      const run = await runCli(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[1]).toBe("(run 'holdfast --help' for the commands, 'holdfast COMMAND --help' for one)");
      expect(run.stderr).not.toContain('Commands:');
    }
  });

  it('with --json, ends a failure with one JSON error object on stdout and the same exit code', async () => {
    const usageError = await runCli(['jobs', '--nosuch', '--json']);
    expect(usageError.code).toBe(2);
    expect(JSON.parse(usageError.stdout)).toEqual({ error: { code: 'USAGE', message: "unknown option '--nosuch'" } });
    const store = join(tempFolder(), 'store');
    await (await createRuntime({ store, machines: [] })).close(); // a store, with no job in it
    const missing = await runCli(['job', 'no-such-job', '--store', store, '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'ACTOR_NOT_FOUND', message: expect.stringContaining('no-such-job') } });
  });

  it('names a busy port and how to pick another, exit 2, without a stack', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = await runCli(['serve', '--port', String(port), '--store', join(tempFolder(), 'store')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`[PORT_IN_USE] port ${port} on 127.0.0.1 is in use (try --port, or --port 0 for any free one)`);
      expect(run.stderr).not.toMatch(/\bat \S+:\d+:\d+/); // no stack frames
      expect(run.stderr).not.toContain('UNEXPECTED');
    } finally {
      blocker.close();
    }
  });

  it('refuses a demo --dir holding files it did not make, touching nothing; reuses the folder it made', async () => {
    const dir = join(tempFolder(), 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.tex'), 'four years of work');
    const refused = await runCli(['demo', '--dir', dir, '--large-mb', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holds files that holdfast demo did not make; nothing was changed');
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('four years of work');

    const fresh = join(tempFolder(), 'demo');
    const first = await runCli(['demo', '--dir', fresh, '--large-mb', '1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(fresh, '.holdfast-demo'))).toBe(true);
    const again = await runCli(['demo', '--dir', fresh, '--large-mb', '1', '--json']);
    expect(again.code, again.stderr).toBe(0);
  });
});
