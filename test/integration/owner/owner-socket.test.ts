import { createConnection } from 'node:net';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sendOwnerCommand, startOwnerSocket } from '../../../src/adapters/owner-socket.js';
import { HoldfastError } from '../../../src/errors.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** Sends raw bytes and returns the first reply line. */
function raw(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.write(text));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) {
        socket.destroy();
        resolve(buffer.slice(0, buffer.indexOf('\n')));
      }
    });
    socket.on('error', reject);
  });
}

describe('owner socket', () => {
  it('answers commands, refuses unknown and malformed ones, and is private to its user', async () => {
    const folder = tempFolder();
    const socket = await startOwnerSocket(folder, {
      ping: async () => ({ pid: process.pid }),
      fail: async () => {
        throw new HoldfastError('ACTOR_NOT_FOUND', 'no actor x');
      },
    });
    try {
      expect(statSync(socket.path).mode & 0o777).toBe(0o600);
      await expect(sendOwnerCommand(folder, 'ping')).resolves.toEqual({ pid: process.pid });
      await expect(sendOwnerCommand(folder, 'fail')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
      await expect(sendOwnerCommand(folder, 'constructor')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(JSON.parse(await raw(socket.path, 'not json\n'))).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(JSON.parse(await raw(socket.path, 'x'.repeat(5 * 1024 * 1024)))).toMatchObject({ ok: false, error: { message: 'command too large' } });
      await expect(sendOwnerCommand(folder, 'ping')).resolves.toEqual({ pid: process.pid });
    } finally {
      await socket.close();
      await socket.close();
    }
    await expect(sendOwnerCommand(folder, 'ping', {}, 1_000)).rejects.toMatchObject({ code: 'OWNER_UNREACHABLE' });
  });
});

describe('owner socket close', () => {
  it('lets a command being answered finish and reply before it closes (a delete whose follower ends the owner)', async () => {
    const folder = tempFolder();
    let started = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    const socket = await startOwnerSocket(folder, {
      slow: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
        return { done: true };
      },
    });
    const answer = sendOwnerCommand(folder, 'slow');
    await running;
    await socket.close();
    expect(finished).toBe(true);
    await expect(answer).resolves.toEqual({ done: true });
  });
});
