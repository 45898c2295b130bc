/**
 * The access check every request passes before its route runs (DESIGN.md
 * contract 8): `/health` is open; everything else must name this server in
 * its Host (DNS rebinding) and carry a token. A read-only token may only
 * read; a job-server user's token opens the `/api` routes and the OpenAPI
 * document only; routes marked `admin` need the admin token.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessOf, hostAllowed, tokenOf, type Access, type Tokens, type UserDirectory } from './http-auth.js';
import { sendError } from './http-errors.js';

/** Who may call a route: nobody checked (`none`), serve tokens (`serve`), or serve and user tokens (`api`, the default). */
export type RouteAccess = 'none' | 'serve' | 'api';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Needs the admin token; the text says why to the refused caller. */
    admin?: string;
    /** Also accepts the page's cookie (page-cookie.ts): the page itself only. */
    cookie?: boolean;
  }
  interface FastifyRequest {
    /** Set by the access check on every route but `none` ones. */
    access?: Access;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The access that `request` was checked to have; routes past the check always have one. */
export function accessOfRequest(request: FastifyRequest): Access {
  if (!request.access) throw new Error(`the route ${request.routeOptions.url ?? ''} was not behind the access check`);
  return request.access;
}

/** An `onRequest` hook checking Host, token and role; answers 401/403 itself. */
export function accessCheck(tokens: Tokens, allowedHosts: () => ReadonlySet<string>, users: UserDirectory | undefined, cookieToken: (request: IncomingMessage) => string | undefined = () => undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const config = request.routeOptions.config ?? {};
    if (config.access === 'none') return undefined;
    if (!hostAllowed(request.raw, allowedHosts())) {
      return sendError(reply, 403, { code: 'FORBIDDEN', message: `Host ${JSON.stringify(request.headers.host ?? '')} is not this server` });
    }
    const presented = tokenOf(request.raw, new URL(request.url, 'http://server')) ?? (config.cookie ? cookieToken(request.raw) : undefined);
    const access = await accessOf(tokens, presented, users);
    if (access === undefined) {
      return sendError(reply, 401, { code: 'UNAUTHORIZED', message: 'a token is needed: `Authorization: Bearer TOKEN` (the address `holdfast serve` printed holds one)' });
    }
    if (access.kind === 'serve' && access.role === 'readOnly' && !READS.has(request.method)) {
      return sendError(reply, 403, { code: 'FORBIDDEN', message: `the read-only token may only read; ${request.method} needs the admin token or a user's token` });
    }
    if (access.kind === 'user' && config.access === 'serve') {
      return sendError(reply, 403, { code: 'FORBIDDEN', message: "a user's token opens the /api routes only" });
    }
    if (config.admin !== undefined && !(access.kind === 'serve' && access.role === 'admin')) {
      return sendError(reply, 403, { code: 'FORBIDDEN', message: config.admin });
    }
    request.access = access;
    return undefined;
  };
}
