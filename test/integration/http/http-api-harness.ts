/**
 * A real store in a temp folder, a real job server on it, `holdfast serve`'s
 * HTTP server on 127.0.0.1:0 with it, and three users: `alice` (plain),
 * `bob` (at most one job running, two in all) and `root` (superuser).
 * `call` goes through fetch; `raw` sends a path exactly as written (fetch
 * would normalise `..` away), for the traversal matrix.
 */
import { deleteJobWithRecords } from '../../../src/cli/job-records.js';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createRuntime, startServer, type Runtime, type ServerHandle, type ServerOptions } from '../../../src/index.js';
import { createJobServer, processJobMachines, type JobServer, type JobServerOptions } from '../../../src/adapters/jobserver/job-server.js';
import { tempFolder } from '../../helpers/temp-store.js';

export interface ApiHarness {
  runtime: Runtime;
  server: ServerHandle;
  jobServer: JobServer;
  folder: string;
  dataDir: string;
  tokens: { alice: string; bob: string; root: string; admin: string; readOnly: string };
  call(method: string, path: string, options?: { token?: string | null; body?: unknown; raw?: string | Buffer; type?: string }): Promise<{ status: number; headers: Headers; body: any }>;
  raw(method: string, path: string, token: string | null, body?: Buffer, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  /** Polls a job until `done` holds for it (10 s at most). */
  waitJob(id: string, done: (job: { state: string }) => boolean, token?: string): Promise<any>;
  close(): Promise<void>;
}

export const UPLOAD_LIMIT = 64 * 1024;

/** Function processes of the tests: an echo, one that waits until cancelled, one that fails. */
const functions: JobServerOptions['functions'] = {
  echo: async (data, parameters) => ({ data, parameters }),
  wait: (_data, _parameters, { signal }) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('waited'), 20_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('cancelled'));
      });
    }),
};

export async function startApi(extra: Partial<ServerOptions> = {}, jobServerExtra: Partial<JobServerOptions> = {}): Promise<ApiHarness> {
  const folder = tempFolder('holdfast-http-');
  const dataDir = join(folder, 'data');
  mkdirSync(dataDir);
  const options: JobServerOptions = { dataDir, functions, datatypes: { point: (value) => value }, maxUploadBytes: UPLOAD_LIMIT, defaultTimeoutMs: 30_000, ...jobServerExtra };
  const runtime = await createRuntime({ store: join(folder, 'store'), machines: processJobMachines(options), durability: 'commit' });
  const jobServer = createJobServer(runtime, options, { deleteJob: (id) => deleteJobWithRecords(runtime, id) });
  const alice = (await jobServer.users.add('alice')).token;
  const bob = (await jobServer.users.add('bob', { maxRunning: 1, maxTotal: 2 })).token;
  const root = (await jobServer.users.add('root', { superuser: true })).token;
  const server = await startServer(runtime, { port: 0, jobServer, onError: () => {}, ...extra });
  const base = `http://127.0.0.1:${server.port}`;
  const tokens = { alice, bob, root, admin: server.tokens.admin, readOnly: server.tokens.readOnly };

  const call: ApiHarness['call'] = async (method, path, options = {}) => {
    const token = options.token === undefined ? alice : options.token;
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
    const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: a file's bytes
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const raw: ApiHarness['raw'] = (method, path, token, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const waitJob: ApiHarness['waitJob'] = async (id, done, token = alice) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { body } = await call('GET', `/api/jobs/${encodeURIComponent(id)}`, { token });
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`job ${id} stayed ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    runtime,
    server,
    jobServer,
    folder,
    dataDir,
    tokens,
    call,
    raw,
    waitJob,
    close: async () => {
      await server.close();
      await runtime.close();
    },
  };
}

export const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted', 'dismissed']);
