/**
 * A local stand-in for a Dataverse installation, for tests, `holdfast demo` and
 * `holdfast dataverse-standin`, exported from `holdfast/testing`.
 *
 * It answers the native API calls of a data load (dataset, version files, locks,
 * addFiles, file metadata) as Dataverse 6.11 or 5.14 does, written from its Java
 * sources (docs/dataverse.md), checks what it receives as Dataverse would (token,
 * dataset, jsonData), and can misbehave on request: fail the next calls, lock a
 * dataset, refuse chosen files, fail addFiles' final command. Malformed input of
 * any kind gets an error answer, never a crash.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { error, standinRouter } from './dataverse-standin-routes.js';
import type { Reply } from './dataverse-standin-routes.js';
import type { DataverseRelease } from './dataverse-standin-json.js';
import { StandinState } from './dataverse-standin-state.js';
import type { RegisteredFile, StandinDatasetConfig } from './dataverse-standin-state.js';

export type { RegisteredFile, StandinDatasetConfig } from './dataverse-standin-state.js';
export type { DataverseRelease } from './dataverse-standin-json.js';

/** Options of {@link startDataverseStandin}. */
export interface DataverseStandinOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** The one API token it accepts. */
  token: string;
  /** The Dataverse file store: a dataset's files are looked for in `filesDir/<authority>/<identifier>/`. */
  filesDir: string;
  datasets: StandinDatasetConfig[];
  /** Larger bodies get 413. @default 16 MiB */
  maxBodyBytes?: number;
  /** Which release's answers to give: they differ in fields and messages. @default '6.11' */
  release?: DataverseRelease;
}

/** Ways to make the stand-in misbehave. */
export interface StandinFaults {
  /**
   * The next `times` requests whose path starts with `pathPrefix` (e.g.
   * `/api/datasets/:persistentId/addFiles`) get `status` with an ERROR body, or a
   * dropped connection for `'reset'`. With `afterProcessing` the request takes
   * effect first and only its answer is lost, as when a proxy times out.
   */
  failNext(pathPrefix: string, status: number | 'reset', times?: number, options?: { afterProcessing?: boolean }): void;
  /** Locks the dataset for `ms` (Infinity: until {@link StandinFaults.unlock}). @default lockType 'Ingest' */
  lock(pid: string, ms: number, lockType?: string): void;
  unlock(pid: string): void;
  /** addFiles entries with these storageIdentifiers (with or without `file://`) fail inside a 200 answer. */
  rejectStorageIds: Set<string>;
  /**
   * The next `times` addFiles calls answer every entry as added, then fail at
   * their final UpdateDatasetVersionCommand: 500 "CommandException updating
   * DatasetVersion from addFiles job: ...", nothing registered. (A lock other
   * than Ingest does the same, as in Dataverse.)
   */
  failFinalCommand(times?: number): void;
}

/** A running stand-in; see {@link startDataverseStandin}. */
export interface DataverseStandin {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** The release whose answers it gives. */
  release: DataverseRelease;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  /** The files registered with a dataset, draft and published. */
  registered(pid: string): RegisteredFile[];
  /** The folder where a dataset's files must be placed before addFiles. */
  folderOf(pid: string): string;
  /** Publishes the dataset: afterwards it has no draft until the next change. */
  publish(pid: string): void;
  /** Every request received, in order; `path` without the query and with `/api/v1` read as `/api`. */
  calls: Array<{ method: string; path: string }>;
  faults: StandinFaults;
}

interface Fault {
  prefix: string;
  status: number | 'reset';
  remaining: number;
  afterProcessing: boolean;
}

/**
 * Starts the stand-in and resolves once it listens.
 * @throws NonRetryableError `INVALID_PID` for a malformed dataset PID.
 * @example
 * const standin = await startDataverseStandin({ token: 't', filesDir, datasets: [{ persistentId: 'doi:10.5072/FK2/ABC123' }] });
 */
export async function startDataverseStandin(options: DataverseStandinOptions): Promise<DataverseStandin> {
  const state = new StandinState(options.filesDir, options.datasets, options.release ?? '6.11');
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const calls: DataverseStandin['calls'] = [];
  const pending: Fault[] = [];
  const route = standinRouter(state, options.token);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname.replace(/^\/api\/v1\//, '/api/').replace(/(.)\/+$/, '$1');
    const method = req.method ?? 'GET';
    calls.push({ method, path });
    const body = await readBody(req, maxBodyBytes);
    if (body === 'aborted') return;
    const fault = pending.find((candidate) => path.startsWith(candidate.prefix) && candidate.remaining > 0);
    if (fault) fault.remaining -= 1;
    const answerFault = (active: Fault, when: string): void => {
      if (active.status === 'reset') req.socket.destroy();
      else send(res, error(active.status, `stand-in fault (${when})`));
    };
    if (fault && !fault.afterProcessing) return answerFault(fault, 'before processing');
    const reply =
      body === 'too large'
        ? error(413, `request body larger than ${maxBodyBytes} bytes`)
        : await route(method, path, url.searchParams, req.headers, body);
    // afterProcessing: the call took effect, only its answer is lost.
    if (fault) return answerFault(fault, 'after processing');
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      // A bug of the stand-in itself: answer it, never let it take the process down.
      if (!res.headersSent) send(res, error(500, `stand-in internal error: ${cause instanceof Error ? cause.message : String(cause)}`));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    release: state.release,
    close,
    [Symbol.asyncDispose]: close,
    registered: (pid) => state.registered(pid),
    folderOf: (pid) => state.folderOf(pid),
    publish: (pid) => state.publish(pid),
    calls,
    faults: {
      failNext: (prefix, status, times = 1, faultOptions = {}) => {
        pending.push({ prefix, status, remaining: times, afterProcessing: faultOptions.afterProcessing === true });
      },
      lock: (pid, ms, lockType = 'Ingest') => state.lock(pid, ms, lockType),
      unlock: (pid) => state.unlock(pid),
      rejectStorageIds: state.rejectStorageIds,
      failFinalCommand: (times = 1) => {
        state.failFinalCommands += times;
      },
    },
  };
}

// The whole body, up to `limit` bytes; past it the rest is drained (so the client
// reads the 413 instead of a reset) and 'too large' is returned.
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      // Draining a runaway upload forever would let one client hold the server:
      // past 64 MiB more, the connection is dropped instead.
      else if (size > limit + 64 * 1024 * 1024) req.destroy();
    });
    req.on('end', () => resolve(size > limit ? 'too large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const text = reply.text ? String(reply.body) : JSON.stringify(reply.body);
  const type = reply.text ? 'text/plain' : 'application/json';
  res.writeHead(reply.status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
