/**
 * `holdfast serve`: prints the page's address with a read-only token, serves
 * /health, the page and the WebSocket on the store it owns, and closes the
 * server and the store cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
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

describe('holdfast serve tokens', () => {
  /** Starts `holdfast serve --json` on `store` and resolves with its first line and a way to stop it. */
  async function serve(store: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/inspector/serve-entry.ts', 'serve', '--port', '0', '--store', store, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    if (!stdout.includes('\n')) throw new Error(`serve did not start: ${stderr}`);
    const started = JSON.parse(stdout.split('\n')[0]!) as { url: string; adminUrl: string; port: number };
    return {
      started,
      lines: () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const code = await exited;
        if (stderr.trim()) console.error(stderr);
        return code;
      },
    };
  }

  /** `holdfast token rotate --json` on `store`: its exit and printed result. */
  async function rotate(store: string): Promise<{ code: number | null; result: { served: boolean; url?: string; tokens: { readOnly: string[]; admin: string[] } } }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/inspector/serve-entry.ts', 'token', 'rotate', '--store', store, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exit) => resolve(exit)));
    return { code, result: JSON.parse(stdout.trim().split('\n').pop()!) };
  }

  it('keeps the same addresses across a restart, and token rotate replaces them and disconnects the old ones', async () => {
    const store = join(tempFolder(), 'store');
    const first = await serve(store);
    const firstUrl = new URL(first.started.url);
    expect(statSync(join(store, 'serve-tokens.json')).mode & 0o777).toBe(0o600);
    expect(await first.stop()).toBe(0);

    const second = await serve(store);
    try {
      // Same tokens after a restart: a bookmark of the page still opens it.
      expect(new URL(second.started.url).searchParams.get('token')).toBe(firstUrl.searchParams.get('token'));
      expect(new URL(second.started.adminUrl).searchParams.get('token')).toBe(new URL(first.started.adminUrl).searchParams.get('token'));
      const token = new URL(second.started.url).searchParams.get('token')!;
      const port = second.started.port;
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws?token=${token}`);

      const rotated = await rotate(store);
      expect(rotated.code).toBe(0);
      expect(rotated.result.served).toBe(true);
      expect((await client.waitClosed()).code).toBe(4001);
      const fresh = new URL(rotated.result.url!).searchParams.get('token')!;
      expect(fresh).not.toBe(token);
      expect(fresh).toBe(rotated.result.tokens.readOnly[0]);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
      expect(second.lines().some((line) => line.event === 'serve.tokensRotated')).toBe(true);
    } finally {
      expect(await second.stop()).toBe(0);
    }

    // Without an owner the file is replaced under the store's lock, for the next serve.
    const offline = await rotate(store);
    expect(offline).toMatchObject({ code: 0, result: { served: false } });
    const third = await serve(store);
    try {
      expect(new URL(third.started.url).searchParams.get('token')).toBe(offline.result.tokens.readOnly[0]);
    } finally {
      expect(await third.stop()).toBe(0);
    }
  });
});
