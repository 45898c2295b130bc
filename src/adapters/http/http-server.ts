/**
 * `holdfast serve`'s HTTP server, on Fastify: `/health` (no token), the
 * inspector page at `/`, its WebSocket at `/ws` (`ws`, through the server's
 * `upgrade` event), import callbacks, task jobs, and, when given, the job
 * server's and batch jobs' API under `/api` with its OpenAPI document at
 * `/openapi.json`, and `/metrics` (Prometheus, docs/metrics.md). Bound to
 * 127.0.0.1 unless told otherwise; every other request needs a token, checked
 * before any body is read or any upgrade. The page's token, once presented in
 * its address, is kept in a cookie that only the page and its WebSocket accept,
 * so the page can take it out of the address bar and still reload.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { HoldfastError } from '../../errors.js';
import type { JobServer } from './job-server-api.js';
import type { Runtime } from '../../runtime/runtime.js';
import { InspectorHub, type InspectorHubOptions, type InspectorStats } from '../inspector/inspector-hub.js';
import { INSPECTOR_PROTOCOL } from '../inspector/inspector-protocol.js';
import { accessCheck } from './http-access.js';
import { allowedHostsFor, hostAllowed, originAllowed, resolveTokens, roleOf, tokenOf, type TokenOptions, type Tokens } from './http-auth.js';
import { pageCookie, pageCookieName, tokenOfCookie } from './page-cookie.js';
import { createServeMetrics } from './serve-metrics.js';
import { acceptStrictJson, MAX_JSON_BYTES } from './http-body.js';
import { describeError, errorHandler, sendError } from './http-errors.js';
import { importCallbackRoutes } from './import-callbacks.js';
import { loadInspectorPage, pageHeaders, DEFAULT_PAGE_DIR } from './inspector-page-file.js';
import { batchJobRoutes, type BatchJobsView } from './batch-job-routes.js';
import { dataFileRoutes, documentUpload } from './datafile-routes.js';
import { jobRoutes } from './job-routes.js';
import { storedDataRoutes } from './stored-data-routes.js';
import { taskRoutes } from './task-routes.js';

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
  /** The job server whose process jobs, data files and stored data `/api` serves; its users' tokens are accepted there. */
  jobServer?: JobServer;
  /**
   * The batch jobs `/api/batch-jobs` lists (read-only). The inspector shows their DAG statistics
   * and exception queue through the batch-job kind's inspector (`inspectors`), not through this.
   */
  batchJobs?: BatchJobsView;
  /** A whole request, uploads included, must arrive within this time. @default 30_000 */
  requestTimeoutMs?: number;
}

/** A running server. `close()` is idempotent. */
export interface ServerHandle {
  /** The page's address with a read-only token in it (what `holdfast serve` prints). */
  readonly url: string;
  /** The same with an admin token. */
  readonly adminUrl: string;
  /** The HTTP API's base address, `http://HOST:PORT/api/` (no token in it). */
  readonly apiUrl: string;
  readonly host: string;
  readonly port: number;
  readonly tokens: { readOnly: string; admin: string };
  /** Connections, their unread bytes, dropped clients: for tests and `/health`. */
  inspect(): InspectorStats;
  /**
   * Replaces the serve tokens (`holdfast token rotate`): requests with the old ones are refused from now
   * on, and the connections opened with them are closed (the page's WebSocket with 4001, which tells it
   * why; kept-alive HTTP connections at once). Job-server users' tokens are untouched.
   * @throws INVALID_OPTIONS for bad tokens (the old ones stay)
   */
  replaceTokens(next: TokenOptions): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const DEFAULT_PORT = 7480;
export const DEFAULT_HOST = '127.0.0.1';

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

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
  /** The serve token each kept-alive HTTP connection last presented: a rotation closes those of old tokens. */
  const httpTokens = new Map<Socket, string>();
  const page = await loadInspectorPage(options.pageDir ?? DEFAULT_PAGE_DIR);
  const hub = new InspectorHub(runtime, options);
  const metrics = createServeMetrics(runtime, hub.aggregates);
  let cookieName = pageCookieName(0);
  let allowedHosts: ReadonlySet<string> = new Set<string>();
  // Unexpected errors (answered 500 without details) go where the hub's go: `onError`, or stderr.
  const onError = options.onError ?? ((error: unknown) => console.error(error));

  const app = createApp(options.requestTimeoutMs ?? 30_000, onError);
  app.setErrorHandler(errorHandler((error) => onError(error)));
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, { code: 'NOT_AVAILABLE', message: `nothing at ${request.method} ${new URL(request.url, 'http://server').pathname}` }));
  // JSON routes take application/json only (415 otherwise); uploads add their own parser.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', accessCheck(tokens, () => allowedHosts, options.jobServer?.users, (request) => tokenOfCookie(request.headers.cookie, cookieName)));
  app.addHook('onRequest', async (request) => {
    const token = request.access?.kind === 'serve' ? (tokenOf(request.raw, new URL(request.url, 'http://server')) ?? tokenOfCookie(request.headers.cookie, cookieName)) : undefined;
    const socket = request.raw.socket;
    if (token === undefined || httpTokens.get(socket) === token) return;
    if (!httpTokens.has(socket)) socket.once('close', () => httpTokens.delete(socket));
    httpTokens.set(socket, token);
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'holdfast serve', version: String(INSPECTOR_PROTOCOL), description: 'docs/http-api.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (documents) => {
      const openapi = 'openapiObject' in documents ? documents.openapiObject : documents.swaggerObject;
      documentUpload(openapi as Parameters<typeof documentUpload>[0]);
      return openapi;
    },
  });

  app.get('/health', { config: { access: 'none' }, schema: { security: [], summary: 'liveness; no token needed' } }, async () => ({ status: 'ok', protocol: INSPECTOR_PROTOCOL, clients: hub.inspect().clients.length }));
  app.get('/', { config: { access: 'serve', cookie: true }, schema: { summary: 'the inspector page (token in ?token=, then kept in a cookie)' } }, async (request, reply) => {
    if (!page) return sendError(reply, 503, { code: 'NOT_AVAILABLE', message: 'the inspector page is not built: run `npm run build`' });
    const presented = new URL(request.url, 'http://server').searchParams.get('token');
    // The page takes the token out of its address; the cookie lets it reload, and is never sent to another site.
    if (presented !== null && roleOf(tokens, presented) !== undefined) reply.header('set-cookie', pageCookie(cookieName, presented));
    return reply.headers(pageHeaders(page, request.headers.host!)).send(page.html);
  });
  app.get('/metrics', { config: { access: 'serve' }, schema: { summary: 'the runtime in the Prometheus text format (docs/metrics.md)' } }, async (_request, reply) =>
    reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.scrape()),
  );
  app.get('/openapi.json', { schema: { summary: 'this document' } }, async () => app.swagger());
  await importCallbackRoutes(app, runtime);
  await taskRoutes(app, runtime);
  if (options.jobServer) {
    await jobRoutes(app, options.jobServer);
    await dataFileRoutes(app, options.jobServer);
    await storedDataRoutes(app, options.jobServer);
  }
  if (options.batchJobs) await batchJobRoutes(app, options.batchJobs);

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://server');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'NOT_AVAILABLE', 'the WebSocket is at /ws');
    if (!hostAllowed(request, allowedHosts)) return refuseUpgrade(socket, 403, 'FORBIDDEN', 'Host is not this server');
    if (!originAllowed(request, options.allowedOrigins)) return refuseUpgrade(socket, 403, 'FORBIDDEN', 'Origin is not this server');
    const token = tokenOf(request, url) ?? tokenOfCookie(request.headers.cookie, cookieName);
    const role = roleOf(tokens, token);
    if (role === undefined) return refuseUpgrade(socket, 401, 'UNAUTHORIZED', 'a token is needed');
    if (!hub.accepting) return refuseUpgrade(socket, 503, 'NOT_AVAILABLE', 'too many connections');
    hub.handleUpgrade(request, socket, head, role, token);
  });

  const wanted = options.port ?? DEFAULT_PORT;
  try {
    await app.listen({ port: wanted, host });
  } catch (error) {
    metrics.close();
    await hub.close();
    await app.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new HoldfastError('PORT_IN_USE', `port ${wanted} on ${host} is in use (try --port, or --port 0 for any free one)`, { cause: error, details: { port: wanted, host } });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new HoldfastError('PORT_IN_USE', `cannot listen on ${host}:${wanted} (${code}): try another --host or --port`, { cause: error, details: { port: wanted, host } });
    }
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  cookieName = pageCookieName(port);
  allowedHosts = allowedHostsFor(host, port, options.allowedHosts);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}/`;

  let closed: Promise<void> | undefined;
  const handle: ServerHandle = {
    get url() {
      return `${base}?token=${encodeURIComponent(tokens.readOnly[0]!)}`;
    },
    get adminUrl() {
      return `${base}?token=${encodeURIComponent(tokens.admin[0]!)}`;
    },
    apiUrl: `${base}api/`,
    host,
    port,
    get tokens() {
      return { readOnly: tokens.readOnly[0]!, admin: tokens.admin[0]! };
    },
    inspect: () => hub.inspect(),
    replaceTokens: (next) => replaceTokens(tokens, resolveTokens(next), hub, httpTokens),
    close: () =>
      (closed ??= (async () => {
        metrics.close();
        await hub.close();
        await app.close();
      })()),
    [Symbol.asyncDispose]: () => handle.close(),
  };
  return handle;
}

/**
 * Fastify on a node:http server with today's limits: headers within 10 s,
 * the whole request within `requestTimeoutMs`, 64 headers at most; JSON
 * bodies of 1 MB; no logger (tokens travel in URLs); connections cut on close.
 */
function createApp(requestTimeoutMs: number, onRouterError: (error: unknown) => void): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_JSON_BYTES,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1_024 },
    // Unknown fields are refused, never silently dropped; types are never coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    serverFactory: (handler) => {
      const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: 10_000 }, handler);
      server.maxHeadersCount = 64;
      return server;
    },
    frameworkErrors: (error, _request, reply) => {
      const { status, body, unexpected } = describeError(error);
      if (unexpected) onRouterError(error);
      return sendError(reply, status, body);
    },
  });
  acceptStrictJson(app);
  return app;
}

/** WebSocket close code for a connection whose token was rotated away: the page says so and stops reconnecting. */
export const TOKEN_ROTATED_CLOSE = 4001;

/** Puts `next` in place of `tokens` (the object the access checks read) and closes what used the old ones. */
function replaceTokens(tokens: Tokens, next: Tokens, hub: InspectorHub, httpTokens: Map<Socket, string>): void {
  tokens.readOnly = next.readOnly;
  tokens.admin = next.admin;
  const stale = (token: string | undefined) => token === undefined || roleOf(tokens, token) === undefined;
  hub.closeWhere(stale, TOKEN_ROTATED_CLOSE, 'the tokens were rotated: open the new address');
  for (const [socket, token] of httpTokens) if (stale(token)) socket.destroy();
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
