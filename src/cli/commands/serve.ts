/**
 * `holdfast serve [--port P] [--host H]`: owns the store, runs its work, and
 * serves the inspector page at `/`, its WebSocket at `/ws` and `/health`,
 * until SIGINT or SIGTERM, which close the server and then the store cleanly.
 * Prints the page's address with a read-only token in it (tokens are new for
 * every run), as Jupyter does, and the admin address for pause/unpause/retry.
 */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../adapters/http/http-server.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';

interface ServeOptions extends GlobalOptions {
  port: number;
  host: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServe(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('serve')
    .description('serve the live inspector (page, WebSocket, /health) and run the store until stopped')
    .option('--port <port>', 'port to listen on (0 picks a free one)', portNumber, DEFAULT_PORT)
    .option('--host <host>', 'address to bind (anything but loopback opens the inspector to the network)', DEFAULT_HOST)
    .action((options: ServeOptions, command: Command) => run(() => serve({ ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usage(`--port must be 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

async function serve(options: ServeOptions): Promise<number> {
  const out = createOutput(options.json ?? false);
  const line = (event: Record<string, unknown>) => (out.json ? process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`) : undefined);
  const holdfast = await openHoldfast({ store: options.store });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const server = await startServer(holdfast.runtime, { port: options.port, host: options.host, machines: holdfast.machines });
    try {
      line({ event: 'serve.started', url: server.url, adminUrl: server.adminUrl, host: server.host, port: server.port, store: holdfast.store.path });
      out.say(`holdfast serve: store ${holdfast.store.path}`);
      out.say(`inspector (read-only): ${server.url}`);
      out.say(`admin (pause, unpause, retry): ${server.adminUrl}`);
      if (!LOOPBACK.has(options.host)) out.error(`holdfast: listening on ${options.host}: anyone who can reach it and holds a token can read this store`);
      out.say('stop with Ctrl-C');
      await stopped;
    } finally {
      await server.close();
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await holdfast.close();
  }
  line({ event: 'serve.stopped' });
  out.say('holdfast serve stopped; the store is closed');
  return 0;
}
