/**
 * A registered child's command runs only once its registration is stored
 * (child-process.ts, HELD_START): an owner SIGKILLed between the spawn and the
 * registration's commit leaves a shell that exits without running the command,
 * not an orphan nobody registered (found by test/crash/process-jobs.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runChild } from '../../../src/adapters/processes/child-process.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const path = mkdtempSync(join(tmpdir(), 'holdfast-held-start-'));
  folders.push(path);
  return path;
}

const base = { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdin: 'in', timeoutMs: 10_000, maxOutputBytes: 10_000, signal: new AbortController().signal };

describe('a registered child waits for its registration', () => {
  it('runs its command (args, stdin and the group leader kept) only after the registration settles', async () => {
    const cwd = folder();
    const touched = join(cwd, 'ran');
    let leader = 0;
    let ranBeforeRegistered: boolean | undefined;
    const result = await runChild({
      ...base,
      command: 'sh',
      args: ['-c', 'cat > "$1"; echo "$$"', 'script', touched],
      cwd,
      onGroup: (pid, phase) => {
        if (phase !== 'started') return;
        leader = pid;
        return new Promise((resolve) => setTimeout(() => {
          ranBeforeRegistered = existsSync(touched);
          resolve();
        }, 300));
      },
    });
    expect(ranBeforeRegistered).toBe(false);
    expect(existsSync(touched)).toBe(true);
    expect(result.exit.code).toBe(0);
    expect(Number(result.stdout.trim())).toBe(leader); // exec'd in place: the registered pid is the command's
  });

  it('still runs its command when the registration fails', async () => {
    const result = await runChild({ ...base, command: 'sh', args: ['-c', 'echo ran'], cwd: folder(), onGroup: (_pid, phase) => (phase === 'started' ? Promise.reject(new Error('store closed')) : undefined) });
    expect(result.stdout.trim()).toBe('ran');
  });

  it('never runs the command when its owner is killed before the registration is stored', async () => {
    const cwd = folder();
    const touched = join(cwd, 'ran');
    // An owner whose registration never lands: it prints the child's pid, then is SIGKILLed.
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', `
      import { runChild } from ${JSON.stringify(new URL('../../../src/adapters/processes/child-process.ts', import.meta.url).pathname)};
      void runChild({ command: 'sh', args: ['-c', 'touch "$1"', 'script', ${JSON.stringify(touched)}], env: { PATH: process.env.PATH }, cwd: ${JSON.stringify(cwd)}, stdin: '', timeoutMs: 60000, maxOutputBytes: 1000, signal: new AbortController().signal,
        onGroup: (pid) => { console.log('PID', pid); return new Promise(() => {}); } });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => owner.stdout.on('data', (chunk: Buffer) => { const m = /PID (\d+)/.exec(chunk.toString()); if (m) resolve(Number(m[1])); }));
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    // The waiting shell sees fd 3 close unwritten and exits; give it a moment either way.
    for (let waited = 0; waited < 2_000 && alive(pid); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(pid)).toBe(false);
    expect(existsSync(touched)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
