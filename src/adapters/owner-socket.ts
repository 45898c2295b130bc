/**
 * One owner, many commands (DESIGN.md): the process that owns a store listens
 * on `owner.sock` in the store folder (mode 0600, in a 0700 folder), and other
 * holdfast processes send it their writing commands there instead of opening
 * the store. Protocol: one JSON object per line each way,
 * `{ id, command, args }` -> `{ id, ok: true, result }` or `{ id, ok: false, error }`.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { HoldfastError, toHoldfastError, type SerializedError } from '../errors.js';

export const OWNER_SOCKET = 'owner.sock';
/** How long close waits for commands being answered (a delete removing many records) before cutting them off. */
const ANSWER_GRACE_MS = 60_000;
/** A command line longer than this is refused: commands are small; data travels by path. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;

export type OwnerHandlers = Record<string, (args: Record<string, unknown>) => Promise<unknown>>;

export interface OwnerSocket {
  readonly path: string;
  close(): Promise<void>;
}

type Reply = { id: unknown; ok: true; result: unknown } | { id: unknown; ok: false; error: SerializedError };

/** Starts answering commands on `<storeFolder>/owner.sock`. Call only while holding the store's lock. */
export async function startOwnerSocket(storeFolder: string, handlers: OwnerHandlers): Promise<OwnerSocket> {
  const path = join(storeFolder, OWNER_SOCKET);
  if (existsSync(path)) unlinkSync(path); // left by a killed owner: we hold the lock now
  const connections = new Set<Socket>();
  /** Commands being answered: close lets them finish and reply first (a delete whose follower ends the process must not be cut off). */
  const answering = new Set<Promise<void>>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE_BYTES) {
        socket.end(`${JSON.stringify({ id: null, ok: false, error: { code: 'INVALID_INPUT', message: 'command too large' } })}\n`);
        return;
      }
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const replied = answer(line, handlers).then((reply) => {
          if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
        });
        answering.add(replied);
        void replied.finally(() => answering.delete(replied));
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  let closed: Promise<void> | undefined;
  return {
    path,
    close: () =>
      (closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.race([Promise.all([...answering]), new Promise((resolve) => setTimeout(resolve, ANSWER_GRACE_MS).unref())]);
        // Ended, so replies already written are delivered; destroyed if the other side lingers.
        const ended = [...connections].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()).end()));
        await Promise.race([Promise.all(ended), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        for (const socket of connections) socket.destroy();
        await stopped;
      })()),
  };
}

async function answer(line: string, handlers: OwnerHandlers): Promise<Reply> {
  let request: { id?: unknown; command?: unknown; args?: unknown };
  try {
    request = JSON.parse(line) as typeof request;
  } catch {
    return { id: null, ok: false, error: { code: 'INVALID_INPUT', message: 'a command is one JSON object per line' } };
  }
  const id = request.id ?? null;
  const handler = typeof request.command === 'string' && Object.hasOwn(handlers, request.command) ? handlers[request.command] : undefined;
  if (!handler) return { id, ok: false, error: { code: 'INVALID_INPUT', message: `unknown command ${JSON.stringify(request.command)}` } };
  const args = typeof request.args === 'object' && request.args !== null && !Array.isArray(request.args) ? (request.args as Record<string, unknown>) : {};
  try {
    return { id, ok: true, result: (await handler(args)) ?? null };
  } catch (error) {
    return { id, ok: false, error: toHoldfastError(error, 'INVALID_INPUT').toJSON() };
  }
}

/** Sends one command to the store's owner and returns its result; throws its error, or OWNER_UNREACHABLE. */
export function sendOwnerCommand(storeFolder: string, command: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<unknown> {
  const path = join(storeFolder, OWNER_SOCKET);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    const fail = (error: HoldfastError) => {
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new HoldfastError('OWNER_UNREACHABLE', `the store's owner did not answer ${command} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ id: 1, command, args })}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      const reply = JSON.parse(buffer.slice(0, newline)) as Reply;
      if (reply.ok) resolve(reply.result);
      else reject(HoldfastError.fromJSON(reply.error));
    });
    socket.on('error', (cause) => {
      clearTimeout(timer);
      fail(new HoldfastError('OWNER_UNREACHABLE', `cannot reach the store's owner at ${path}: ${cause.message}`, { cause }));
    });
    // The owner closed without answering (it stopped): say so now rather than at the timeout.
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new HoldfastError('OWNER_UNREACHABLE', `the store's owner closed before answering ${command}: see whether it was done (holdfast jobs)`));
    });
  });
}
