/**
 * `holdfast serve [--port P] [--host H] [--app FILE] [--data-dir DIR]`: owns
 * the store, runs its work, and serves the inspector page at `/`, its
 * WebSocket at `/ws`, `/health`, and the HTTP API under `/api` (process jobs,
 * data files, stored data, batch jobs; docs/http-api.md), until SIGINT or
 * SIGTERM, which close the server and then the store cleanly. Prints the
 * page's address with a read-only token in it (tokens are new for every run),
 * as Jupyter does, the admin address, and the API's base address. The host
 * module (holdfast.config.* or --app) gives functions, datatypes, scripts and
 * data folders, and batch-job applications.
 */
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { loadHostModule } from '../../host/host-loader.js';
import type { JobServerOptions } from '../../jobserver/job-server.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../adapters/http/http-server.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';

interface ServeOptions extends GlobalOptions {
  port: number;
  host: string;
  app?: string;
  dataDir?: string;
  allowUnsandboxedEval?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServe(program: Command, run: (task: () => Promise<number>) => Promise<void>): void {
  program
    .command('serve')
    .description('serve the live inspector (page, WebSocket, /health) and the HTTP API (/api), and run the store until stopped')
    .option('--port <port>', 'port to listen on (0 picks a free one)', portNumber, DEFAULT_PORT)
    .option('--host <host>', 'address to bind (anything but loopback opens the inspector to the network)', DEFAULT_HOST)
    .option('--app <file>', 'the host module (default: holdfast.config.* in this folder)')
    .option('--data-dir <dir>', "the job server's data folder (default: the host module's dataDir, else STORE/data)")
    .option('--allow-unsandboxed-eval', "run superusers' eval jobs even where this machine cannot isolate them (no network namespace, or not root to drop to nobody); each job records it. Without it they are refused with EVAL_UNSANDBOXED")
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
  const host = await loadHostModule({ cwd: process.cwd(), ...(options.app !== undefined ? { app: options.app } : {}) });
  const jobServer: JobServerOptions = {
    dataDir: options.dataDir !== undefined ? resolvePath(options.dataDir) : (host?.dataDir ?? resolvePath(options.store, 'data')),
    ...(host?.scriptsDir !== undefined ? { scriptsDir: host.scriptsDir } : {}),
    ...(host?.module.functions !== undefined ? { functions: host.module.functions } : {}),
    ...(host?.module.datatypes !== undefined ? { datatypes: host.module.datatypes } : {}),
    ...(host !== undefined ? { functionsVersion: host.codeVersion } : {}),
    ...(options.allowUnsandboxedEval ? { allowUnsandboxedEval: true } : {}),
  };
  const holdfast = await openHoldfast({ store: options.store, applications: host?.applications ?? [], kinds: host?.kinds ?? [], ...(host?.module.sources ? { sources: host.module.sources } : {}), jobServer });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const server = await startServer(holdfast.runtime, {
      port: options.port,
      host: options.host,
      machines: holdfast.machines,
      batchJobs: holdfast.batchJobs,
      applications: host?.applications ?? [],
      ...(holdfast.jobServer ? { jobServer: holdfast.jobServer } : {}),
      // A 500's cause goes to stderr (the answer holds none); never a request's URL, which may hold a token.
      onError: (error) => out.error(`holdfast serve: ${error instanceof Error ? error.message : String(error)}`),
    });
    try {
      line({ event: 'serve.started', url: server.url, adminUrl: server.adminUrl, apiUrl: server.apiUrl, host: server.host, port: server.port, store: holdfast.runtime.location, dataDir: jobServer.dataDir, allowUnsandboxedEval: options.allowUnsandboxedEval ?? false });
      out.say(`holdfast serve: store ${holdfast.runtime.location}`);
      out.say(`inspector (read-only): ${server.url}`);
      out.say(`admin (pause, unpause, retry, resolve, reprocess): ${server.adminUrl}`);
      out.say(`HTTP API: ${server.apiUrl} (Authorization: Bearer TOKEN; the OpenAPI document is at /openapi.json); data folder ${jobServer.dataDir}`);
      if (options.allowUnsandboxedEval) out.error('holdfast: --allow-unsandboxed-eval: eval jobs run even where this machine cannot isolate their network and user; each job records which');
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
