/**
 * `holdfast serve`'s HTTP server: `/health` (no token), the inspector page at
 * `/`, its WebSocket at `/ws`. Bound to 127.0.0.1 unless told otherwise; every
 * other request needs a token, checked before anything is read or upgraded.
 * The HTTP API of later issues mounts here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Runtime } from '../../runtime/runtime.js';
import { InspectorHub, type InspectorHubOptions, type InspectorStats } from '../inspector/inspector-hub.js';
import { INSPECTOR_PROTOCOL } from '../inspector/inspector-protocol.js';
import { allowedHostsFor, hostAllowed, originAllowed, resolveTokens, roleOf, tokenOf, type TokenOptions } from './http-auth.js';
import { receiveImportCallback } from './import-callbacks.js';
import { deferJobRoute, readJobRoute, TASK_JOBS_PATH } from './task-routes.js';
import { loadInspectorPage, pageHeaders, DEFAULT_PAGE_DIR } from './inspector-page-file.js';

export interface ServerOptions extends InspectorHubOptions {
  /** 0 picks a free port. @default 7480 */
  port?: number;
  /** @default '127.0.0.1' (never all interfaces unless asked) */
  host?: string;
  /** Fresh random tokens for the roles not given. */
  tokens?: TokenOptions;
  /** More Host header values to answer (`name:port`), behind a proxy. */
  allowedHosts?: string[];
  /** More page origins allowed to open the WebSocket (`https://name`). */
  allowedOrigins?: string[];
  /** Folder of the built page. @default dist/inspector-page of this package */
  pageDir?: string;
}

/** A running server. `close()` is idempotent. */
export interface ServerHandle {
  /** The page's address with a read-only token in it (what `holdfast serve` prints). */
  readonly url: string;
  /** The same with an admin token. */
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  readonly tokens: { readOnly: string; admin: string };
  /** Connections, their unread bytes, dropped clients: for tests and `/health`. */
  inspect(): InspectorStats;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const DEFAULT_PORT = 7480;
export const DEFAULT_HOST = '127.0.0.1';

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 503: 'Service Unavailable' };

/**
 * Starts the HTTP server with the inspector on `runtime`.
 * @throws INVALID_OPTIONS for bad tokens; the listen error (EADDRINUSE...) as is
 * @example
 * const server = await startServer(runtime, { port: 0, machines });
 * console.log(server.url); // http://127.0.0.1:PORT/?token=...
 * await server.close();
 */
export async function startServer(runtime: Runtime, options: ServerOptions = {}): Promise<ServerHandle> {
  const host = options.host ?? DEFAULT_HOST;
  const tokens = resolveTokens(options.tokens);
  const page = await loadInspectorPage(options.pageDir ?? DEFAULT_PAGE_DIR);
  const hub = new InspectorHub(runtime, options);
  let allowedHosts = new Set<string>();

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => {
    try {
      route(request, response);
    } catch (error) {
      reply(response, 500, { code: 'UNEXPECTED', message: (error as Error).message });
    }
  });
  server.maxHeadersCount = 64;

  function route(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://server');
    if (url.pathname === '/health') return reply(response, 200, { status: 'ok', protocol: INSPECTOR_PROTOCOL, clients: hub.inspect().clients.length });
    if (!hostAllowed(request, allowedHosts)) return refuse(response, 403, 'FORBIDDEN', `Host ${JSON.stringify(request.headers.host ?? '')} is not this server`);
    const role = roleOf(tokens, tokenOf(request, url));
    if (role === undefined) return refuse(response, 401, 'UNAUTHORIZED', 'a token is needed: open the address `holdfast serve` printed');
    if (url.pathname === '/import/callbacks') {
      if (request.method !== 'POST') return refuse(response, 405, 'BAD_MESSAGE', 'callbacks are POSTed');
      if (role !== 'admin') return refuse(response, 403, 'FORBIDDEN', 'a callback needs the admin token');
      return void receiveImportCallback(runtime, request).then(({ status, body }) => reply(response, status, body));
    }
    if (url.pathname === TASK_JOBS_PATH && request.method === 'POST') {
      if (role !== 'admin') return refuse(response, 403, 'FORBIDDEN', 'deferring a job needs the admin token');
      return void deferJobRoute(runtime, request).then(({ status, body }) => reply(response, status, body));
    }
    if (url.pathname.startsWith(`${TASK_JOBS_PATH}/`) && request.method === 'GET') {
      const { status, body } = readJobRoute(runtime, url.pathname.slice(TASK_JOBS_PATH.length + 1));
      return reply(response, status, body);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'BAD_MESSAGE', `${request.method} is not allowed here`);
    if (url.pathname !== '/') return refuse(response, 404, 'NOT_AVAILABLE', `nothing at ${url.pathname}`);
    if (!page) return refuse(response, 503, 'NOT_AVAILABLE', 'the inspector page is not built: run `npm run build`');
    response.writeHead(200, pageHeaders(page, request.headers.host!));
    response.end(request.method === 'HEAD' ? undefined : page.html);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://server');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'NOT_AVAILABLE', 'the WebSocket is at /ws');
    if (!hostAllowed(request, allowedHosts)) return refuseUpgrade(socket, 403, 'FORBIDDEN', 'Host is not this server');
    if (!originAllowed(request, options.allowedOrigins)) return refuseUpgrade(socket, 403, 'FORBIDDEN', 'Origin is not this server');
    const role = roleOf(tokens, tokenOf(request, url));
    if (role === undefined) return refuseUpgrade(socket, 401, 'UNAUTHORIZED', 'a token is needed');
    if (!hub.accepting) return refuseUpgrade(socket, 503, 'NOT_AVAILABLE', 'too many connections');
    hub.handleUpgrade(request, socket, head, role);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await hub.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = allowedHostsFor(host, port, options.allowedHosts);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}/`;

  let closed: Promise<void> | undefined;
  const handle: ServerHandle = {
    url: `${base}?token=${encodeURIComponent(tokens.readOnly[0]!)}`,
    adminUrl: `${base}?token=${encodeURIComponent(tokens.admin[0]!)}`,
    host,
    port,
    tokens: { readOnly: tokens.readOnly[0]!, admin: tokens.admin[0]! },
    inspect: () => hub.inspect(),
    close: () =>
      (closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.close();
        server.closeAllConnections();
        await stopped;
      })()),
    [Symbol.asyncDispose]: () => handle.close(),
  };
  return handle;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

function refuse(response: ServerResponse, status: number, code: string, message: string): void {
  if (status === 401) response.setHeader('www-authenticate', 'Bearer');
  reply(response, status, { code, message });
}

/** Answers a refused upgrade with a plain HTTP status, before any WebSocket exists. */
function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}\r\n${body}`,
  );
}
