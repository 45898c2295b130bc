/** `holdfast serve` (text output) names every admin command the admin address allows. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CommandName } from '../../../src/adapters/inspector/inspector-protocol.js';
import { tempFolder } from '../../helpers/temp-store.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** Every inspector command (a new one fails the typecheck here until the serve line names it). */
const COMMANDS: Record<CommandName, true> = { pause: true, unpause: true, retry: true, resolve: true, reprocess: true };

describe('holdfast serve', () => {
  it('prints the admin address with every command an admin token allows', async () => {
    const store = join(tempFolder(), 'store');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/inspector/serve-entry.ts', 'serve', '--port', '0', '--store', store], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('stop with Ctrl-C') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const admin = stdout.split('\n').find((line) => line.startsWith('admin ('));
      expect(admin).toMatch(/^admin \(pause, unpause, retry, resolve, reprocess\): http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
      const named = admin!.slice('admin ('.length, admin!.indexOf(')')).split(', ');
      expect(named.sort()).toEqual(Object.keys(COMMANDS).sort());
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
