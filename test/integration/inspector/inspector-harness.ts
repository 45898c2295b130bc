/**
 * A runtime with the inspector's fixture machines and a server on 127.0.0.1:0,
 * and a real `ws` client that records every frame and waits for the ones a
 * test expects (no sleeps: each wait has a timeout).
 */
import { join } from 'node:path';
import WebSocket from 'ws';
import { createRuntime, inspectorsOf, startServer, type Runtime, type ServerHandle, type ServerOptions } from '../../../src/index.js';
import { BUILTIN_KINDS } from '../../../src/kinds/builtin-kinds.js';
import type { ClientRequest, ServerMessage } from '../../../src/adapters/inspector/inspector-protocol.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { inspectorMachines } from './inspector-fixtures.js';

export interface Harness {
  runtime: Runtime;
  server: ServerHandle;
  folder: string;
  /** ws://127.0.0.1:PORT/ws, without a token. */
  wsUrl: string;
  close(): Promise<void>;
}

/** `folder`: where the store goes (default: a temporary folder removed after the current test). */
export async function startHarness(options: ServerOptions = {}, folder = tempFolder('holdfast-inspector-')): Promise<Harness> {
  const runtime = await createRuntime({ store: join(folder, 'store'), machines: inspectorMachines, durability: 'commit' });
  // The built-in kinds' inspectors, as `holdfast serve` gives them, without their services (no batch jobs).
  const server = await startServer(runtime, { port: 0, machines: inspectorMachines, inspectors: inspectorsOf(BUILTIN_KINDS, { runtime, services: {} }), ...options });
  return {
    runtime,
    server,
    folder,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    close: async () => {
      await server.close();
      await runtime.close();
    },
  };
}

type Predicate = (message: ServerMessage) => boolean;

/** A `ws` client that keeps every message it received. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private nextRef = 1;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.waiters) wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const wake of this.waiters) wake();
    });
    ws.on('error', () => {});
  }

  /** Connects and waits for the summary. */
  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
    await client.next((message) => message.type === 'summary');
    return client;
  }

  /** The first message (received or to come) matching `predicate`. */
  async next<T extends ServerMessage = ServerMessage>(predicate: Predicate, timeoutMs = 10_000, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found as T;
      if (this.closed) throw new Error(`closed (${this.closed.code}) before the awaited message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.messages.slice(-3)).slice(0, 600)}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** Sends a request with a fresh ref and waits for the reply carrying it (an error frame included). */
  async request<T extends ServerMessage = ServerMessage>(message: ClientRequest, timeoutMs = 10_000): Promise<T> {
    const ref = this.nextRef++;
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ ...message, ref }));
    return this.next<T>((reply) => 'ref' in reply && reply.ref === ref, timeoutMs, from);
  }

  /** Sends raw text (malformed frames) and waits for the next error frame. */
  async sendRaw(text: string | Buffer): Promise<Extract<ServerMessage, { type: 'error' }>> {
    const from = this.messages.length;
    this.ws.send(text);
    return this.next((message) => message.type === 'error', 10_000, from);
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the connection stayed open');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status a refused upgrade got (or 101 when it was accepted). */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Polls `check` until it returns true. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
