/**
 * `holdfast serve`: prints the page's address with a read-only token, serves
 * /health, the page and the WebSocket on the store it owns, and closes the
 * server and the store cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { TestClient, upgradeStatus } from './inspector-harness.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('holdfast serve', () => {
  it('prints its address with a read-only token, serves the inspector, and stops cleanly on SIGTERM', async () => {
    const store = join(tempFolder(), 'store');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/inspector/serve-entry.ts', 'serve', '--port', '0', '--store', store, '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const started = JSON.parse(stdout.split('\n')[0]!) as { event: string; url: string; adminUrl: string; host: string; port: number };
      expect(started).toMatchObject({ event: 'serve.started', host: '127.0.0.1' });
      expect(started.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${started.port}/\\?token=[\\w-]{32}$`));
      const token = new URL(started.url).searchParams.get('token')!;

      const health = await fetch(`http://127.0.0.1:${started.port}/health`);
      expect(health.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${started.port}/`)).status).toBe(401);
      expect(await upgradeStatus(`ws://127.0.0.1:${started.port}/ws`)).toBe(401);
      const client = await TestClient.connect(`ws://127.0.0.1:${started.port}/ws?token=${token}`);
      expect(client.messages[0]).toMatchObject({ type: 'summary', role: 'readOnly', machines: expect.arrayContaining([expect.objectContaining({ name: 'dataload' }), expect.objectContaining({ name: 'datafile' })]) });
      expect(await client.request({ type: 'pause', id: 'anything' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await client.waitClosed()).code).toBe(1001);
      expect(stdout).toContain('"event":"serve.stopped"');
      // The store was released: it opens for writing again.
      const reopened = openLmdbStore(store);
      await reopened.close();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (stderr.trim()) console.error(stderr);
    }
  });
});
