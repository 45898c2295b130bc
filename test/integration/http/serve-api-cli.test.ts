/**
 * `holdfast serve --app FILE`: hosts the job server with the host module's
 * functions and a data folder under the store, prints the API's address, and
 * runs a process job submitted over HTTP with the admin token.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../../helpers/temp-store.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('holdfast serve with the job server', () => {
  it('serves /api with the host module functions, its data folder under the store, and prints the API address', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const app = join(folder, 'holdfast.config.mjs');
    writeFileSync(app, 'export default { functions: { double: (data) => data.map((n) => n * 2) } };\n');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/inspector/serve-entry.ts', 'serve', '--port', '0', '--store', store, '--app', app, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const started = JSON.parse(stdout.split('\n')[0]!) as { event: string; adminUrl: string; apiUrl: string; port: number; dataDir: string };
      expect(started).toMatchObject({ event: 'serve.started', apiUrl: `http://127.0.0.1:${started.port}/api/`, dataDir: join(store, 'data'), allowUnsandboxedEval: false });
      expect(existsSync(join(store, 'data'))).toBe(true);
      const admin = new URL(started.adminUrl).searchParams.get('token')!;
      const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };

      expect((await fetch(new URL('jobs', started.apiUrl))).status).toBe(401);
      const created = await fetch(new URL('jobs', started.apiUrl), { method: 'POST', headers, body: JSON.stringify({ process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: 21 }] }) });
      expect(created.status).toBe(201);
      const job = (await created.json()) as { id: string; owner: string; process: { version: string } };
      expect(job.owner).toBe('admin');
      expect(job.process.version).toMatch(/^[0-9a-f]{12}$/); // the host module's code version
      let state = '';
      while (Date.now() < deadline && state !== 'succeeded' && state !== 'failed') {
        state = ((await (await fetch(new URL(`jobs/${job.id}`, started.apiUrl), { headers })).json()) as { state: string }).state;
        if (state !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(state).toBe('succeeded');
      expect(await (await fetch(new URL(`jobs/${job.id}/output`, started.apiUrl), { headers })).json()).toEqual({ value: [42] });
      expect((await fetch(`http://127.0.0.1:${started.port}/openapi.json`, { headers })).status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (stderr.trim()) console.error(stderr);
    }
  });
});
