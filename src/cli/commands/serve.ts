/**
 * `holdfast serve [--port P] [--host H] [--app FILE] [--data-dir DIR]`: owns
 * the store, runs its work, and serves the inspector page at `/`, its
 * WebSocket at `/ws`, `/health`, and the HTTP API under `/api` (process jobs,
 * data files, stored data, batch jobs; docs/http-api.md), until SIGINT or
 * SIGTERM, which close the server and then the store cleanly. Prints the
 * page's address with a read-only token in it, as Jupyter does, the admin
 * address, and the API's base address. The tokens are kept in the store folder
 * (serve-tokens.json, mode 0600), so the addresses last across restarts;
 * `holdfast token rotate` replaces them, answered here while this runs. The host
 * module (holdfast.config.* or --app) gives functions, datatypes, scripts and
 * data folders, batch-job applications, and the tasks and queues of task jobs,
 * which run here (deferred before, or while it serves).
 */
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { describeTaskJob, type TaskWorkerOptions } from '../../adapters/tasks/task-worker.js';
import { TASK_JOB_MACHINE } from '../../machines/task-job.machine.js';
import type { Runtime } from '../../runtime/runtime.js';
import { loadHostModule } from '../../kinds/host-loader.js';
import { inspectorsOf } from '../../kinds/work-kind.js';
import type { JobServerOptions } from '../../adapters/jobserver/job-server.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type ServerHandle } from '../../adapters/http/http-server.js';
import { loadServeTokens, rotateServeTokens } from '../../adapters/http/serve-tokens.js';
import { openHoldfast } from '../assembly.js';
import { createOutput, usage, type GlobalOptions } from '../cli-context.js';
import { retentionFlag } from '../duration-flag.js';

interface ServeOptions extends GlobalOptions {
  port: number;
  host: string;
  app?: string;
  dataDir?: string;
  allowUnsandboxedEval?: boolean;
  retention?: number | false;
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
    .option('--retention <duration>', "how long a finished actor keeps its step journal (jobs' summaries, results and registrations stay): milliseconds, or 12h, 7d; never keeps it (default 7d)", retentionFlag('--retention'))
    .action((options: ServeOptions, command: Command) => run(() => serve({ ...command.optsWithGlobals<GlobalOptions>(), ...options })));
}

/** `task jobs: queue default (2 at once), index (8 at once); tasks: a.b, c.d` */
function taskWorkerLine(worker: TaskWorkerOptions): string {
  const queues = Object.entries(worker.queues).map(([queue, concurrency]) => `${queue} (${concurrency} at once)`);
  return `task jobs: queues ${queues.join(', ')}; tasks ${worker.tasks.names().sort().join(', ')}`;
}

/** Task jobs queued here on queues no task of the host module serves, said once at start (they would wait unseen). */
async function unservedTaskJobs(runtime: Runtime, worker: TaskWorkerOptions | undefined): Promise<string | undefined> {
  const byQueue = new Map<string, number>();
  for (const record of await runtime.query({ machine: TASK_JOB_MACHINE, status: 'active' })) {
    const { queue } = describeTaskJob(record);
    if (!worker || !Object.hasOwn(worker.queues, queue)) byQueue.set(queue, (byQueue.get(queue) ?? 0) + 1);
  }
  if (byQueue.size === 0) return undefined;
  const queues = [...byQueue].map(([queue, count]) => `${count} on queue ${queue}`).join(', ');
  return `task jobs wait queued (${queues}): no task here serves them; add tasks and queues to the host module (holdfast.config.* or --app FILE) and start serve again`;
}

/** A line per task job that ends here: `task job ID (TASK) succeeded`, or failed with its error. */
function reportTaskJobs(runtime: Runtime, say: (text: string) => void, line: (event: Record<string, unknown>) => void): () => void {
  return runtime.subscribe((event) => {
    if (event.type !== 'actor.stepped' || event.machine !== TASK_JOB_MACHINE || event.status === 'active') return;
    // Read now (the port is called at once); said once the answer comes, in the order the steps came.
    void runtime.get(event.id).then((record) => {
      if (!record) return;
      const view = describeTaskJob(record);
      line({ event: `task.${view.state}`, id: view.id, queue: view.queue, task: view.task, ...(view.next ? { next: view.next } : {}), ...(view.error ? { error: view.error } : {}) });
      say(`task job ${view.id} (${view.task}) ${view.state}${view.next ? `, deferred ${view.next}` : ''}${view.error ? `: [${view.error.code}] ${view.error.message}` : ''}`);
    }, () => undefined); // a record that does not decode is parked, and that is reported by itself
  });
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
  let server: ServerHandle | undefined;
  // `holdfast token rotate` beside this process: new tokens in the file, then in the server, whose old connections close.
  const rotateTokens = async () => {
    const tokens = rotateServeTokens(holdfast.store.path);
    server?.replaceTokens(tokens);
    line({ event: 'serve.tokensRotated', url: server?.url, adminUrl: server?.adminUrl });
    return { tokens, served: server !== undefined, ...(server ? { url: server.url, adminUrl: server.adminUrl } : {}) };
  };
  const holdfast = await openHoldfast({
    store: options.store,
    applications: host?.applications ?? [],
    kinds: host?.kinds ?? [],
    ...(host?.module.sources ? { sources: host.module.sources } : {}),
    ...(host?.tasks ? { tasks: host.tasks } : {}),
    jobServer,
    ownerCommands: { rotateTokens },
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
  });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    server = await startServer(holdfast.runtime, {
      port: options.port,
      host: options.host,
      tokens: loadServeTokens(holdfast.store.path),
      machines: holdfast.machines,
      batchJobs: holdfast.batchJobs,
      inspectors: inspectorsOf(holdfast.kinds, { runtime: holdfast.runtime, services: { batchJobs: holdfast.batchJobs, applications: host?.applications ?? [] } }),
      ...(holdfast.jobServer ? { jobServer: holdfast.jobServer } : {}),
      // A 500's cause goes to stderr (the answer holds none); never a request's URL, which may hold a token.
      onError: (error) => out.error(`holdfast serve: ${error instanceof Error ? error.message : String(error)}`),
    });
    try {
      line({ event: 'serve.started', url: server.url, adminUrl: server.adminUrl, apiUrl: server.apiUrl, host: server.host, port: server.port, store: holdfast.runtime.location, dataDir: jobServer.dataDir, queues: host?.tasks?.queues ?? {}, allowUnsandboxedEval: options.allowUnsandboxedEval ?? false });
      out.say(`holdfast serve: store ${holdfast.runtime.location}`);
      out.say(`inspector (read-only): ${server.url}`);
      out.say(`metrics (Prometheus): ${server.apiUrl.replace(/api\/$/, 'metrics')} (Authorization: Bearer TOKEN)`);
      out.say(`admin (pause, unpause, retry, resolve, reprocess): ${server.adminUrl}`);
      out.say(`HTTP API: ${server.apiUrl} (Authorization: Bearer TOKEN; the OpenAPI document is at /openapi.json); data folder ${jobServer.dataDir}`);
      if (host?.tasks) out.say(taskWorkerLine(host.tasks));
      const unserved = await unservedTaskJobs(holdfast.runtime, host?.tasks);
      if (unserved) out.error(`holdfast: ${unserved}`);
      if (options.allowUnsandboxedEval) out.error('holdfast: --allow-unsandboxed-eval: eval jobs run even where this machine cannot isolate their network and user; each job records which');
      if (!LOOPBACK.has(options.host)) out.error(`holdfast: listening on ${options.host}: anyone who can reach it and holds a token can read this store`);
      out.say('stop with Ctrl-C');
      const unsubscribe = host?.tasks ? reportTaskJobs(holdfast.runtime, out.say, line) : () => {};
      await stopped;
      unsubscribe();
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
