/**
 * Issue 22's CLI, through the published bin/holdfast.js (dist, built by `npm ci`'s
 * prepare; supervised child and all): the version, a one-line unknown command, a
 * failure in --json, a busy port, a closed pipe, and demo refusing a folder it did not make.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../../helpers/temp-store.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const bin = join(root, 'bin', 'holdfast.js');
const built = existsSync(join(root, 'dist', 'cli', 'cli-supervisor.js'));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin; `pipe` runs it as `holdfast ARGS | head -1` does (its reader goes after one line). */
function holdfast(args: string[], options: { cwd?: string; shell?: string } = {}): Promise<Ran> {
  const child = options.shell ? spawn('bash', ['-c', options.shell], { cwd: options.cwd ?? root }) : spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

// CI builds dist in `npm ci` (prepare): there a missing build is a failure, not a skip.
describe.skipIf(!built && !process.env.CI)('the published bin', () => {
  it('prints its version, and an unknown command as one line with a hint, exit 2', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const ran = await holdfast(['--version']);
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe(version);
    const unknown = await holdfast(['jbos']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(unknown.stderr).toMatch(/unknown command 'jbos'[\s\S]*holdfast --help/);
  });

  it('ends a failure in --json with one {"error"} object on stdout, and a busy port as PORT_IN_USE, exit 2', async () => {
    const missing = join(tempFolder('holdfast-bin-'), 'no-store');
    const jobs = await holdfast(['jobs', '--store', missing, '--json']);
    expect(jobs.code).toBe(2);
    expect(JSON.parse(jobs.stdout.trim())).toMatchObject({ error: { code: 'STORE_MISSING' } });
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const serve = await holdfast(['serve', '--port', String(port), '--store', join(tempFolder('holdfast-bin-'), 'store'), '--json']);
      expect(serve.code).toBe(2);
      expect(JSON.parse(serve.stdout.trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 'PORT_IN_USE' } });
      expect(serve.stderr).toMatch(new RegExp(`port ${port} on \\S+ is in use \\(try --port`));
    } finally {
      blocker.close();
    }
  });

  it('answers SIGUSR2 with its stall report on stderr and goes on running', async () => {
    const store = join(tempFolder('holdfast-bin-'), 'store');
    const serve = spawn(process.execPath, [bin, 'serve', '--store', store, '--port', '0'], { cwd: root });
    let stdout = '';
    let stderr = '';
    serve.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((done) => serve.on('close', done));
    try {
      await expect.poll(() => stdout, { timeout: 20_000 }).toContain('stop with Ctrl-C');
      serve.kill('SIGUSR2'); // the supervisor: the report comes from its child
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('{"diagnostics":');
      const report = JSON.parse(stderr.split('\n').find((line) => line.startsWith('{"diagnostics":'))!) as { diagnostics: { host: unknown; committer: unknown; store: unknown } };
      expect(report.diagnostics).toMatchObject({ host: { busy: [] }, committer: { inFlight: [] }, store: { commitsUnderWay: [] } });
      expect(serve.exitCode).toBeNull();
    } finally {
      serve.kill('SIGTERM');
      expect(await closed).toBe(0);
    }
  });

  it('ends quietly with exit 0 when its reader closes the pipe', async () => {
    const piped = await holdfast([], { shell: `set -o pipefail; node ${JSON.stringify(bin)} --help | head -1` });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
  });

  it('refuses to run the demo in a folder it did not make, and leaves the folder as it was', async () => {
    const mine = join(tempFolder('holdfast-bin-'), 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'keep me');
    const demo = await holdfast(['demo', '--dir', mine]);
    expect(demo.code).toBe(2);
    expect(readFileSync(join(mine, 'thesis.tex'), 'utf8')).toBe('keep me');
  });
});
