/**
 * Who may talk to the server (DESIGN.md contract 8, "Safe by default"): every
 * request but `/health` carries a token, read-only or admin; a browser's
 * request must name this server in its Host (DNS rebinding) and, for the
 * WebSocket, come from this server's own page (Origin; `ws` itself accepts
 * any, RELIABILITY.md). Clients that send no Origin are not browsers and pass
 * on their token alone.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { HoldfastError } from '../../errors.js';
import { SERVE_TOKEN_USERS } from './job-server-api.js';
import type { Role } from '../inspector/inspector-protocol.js';

/** Tokens as given: one or several per role; a missing role gets a fresh random token. */
export interface TokenOptions {
  readOnly?: string | string[];
  admin?: string | string[];
}

export interface Tokens {
  readOnly: string[];
  admin: string[];
}

/** Shorter tokens are refused: a token is a password. */
const MIN_TOKEN_LENGTH = 16;

/** A random token: 24 bytes, base64url (32 characters). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** @throws INVALID_OPTIONS for a short token or one given to both roles */
export function resolveTokens(options: TokenOptions = {}): Tokens {
  const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const tokens: Tokens = { readOnly: list(options.readOnly), admin: list(options.admin) };
  if (tokens.readOnly.length === 0) tokens.readOnly.push(newToken());
  if (tokens.admin.length === 0) tokens.admin.push(newToken());
  const problems = [...tokens.readOnly, ...tokens.admin].filter((token) => typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token));
  if (problems.length > 0) throw new HoldfastError('INVALID_OPTIONS', `tokens must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces`);
  if (tokens.readOnly.some((token) => tokens.admin.includes(token))) throw new HoldfastError('INVALID_OPTIONS', 'a token cannot be both read-only and admin');
  return tokens;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The role a presented token grants, compared in constant time; undefined for none. */
export function roleOf(tokens: Tokens, presented: string | undefined): Role | undefined {
  if (presented === undefined || presented.length === 0 || presented.length > 512) return undefined;
  const candidate = digest(presented);
  let role: Role | undefined;
  // Every token is compared (no early exit), so timing tells nothing about which matched.
  for (const token of tokens.admin) if (timingSafeEqual(digest(token), candidate)) role = 'admin';
  for (const token of tokens.readOnly) if (timingSafeEqual(digest(token), candidate)) role ??= 'readOnly';
  return role;
}

/** The token of a request: `Authorization: Bearer T`, or `?token=T` (a browser's page and WebSocket). */
export function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  return url.searchParams.get('token') ?? undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** How a host is written in a Host header: IPv6 in brackets. */
const hostForm = (name: string) => (name.includes(':') && !name.startsWith('[') ? `[${name}]` : name).toLowerCase();

/**
 * The Host values this server answers to: the address it is bound to, the
 * loopback names when it listens on loopback or everywhere, this machine's
 * name when it listens everywhere, and any the caller adds (behind a proxy).
 */
export function allowedHostsFor(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>();
  if (!WILDCARD.has(host)) names.add(host);
  if (LOOPBACK.has(host) || WILDCARD.has(host)) for (const name of LOOPBACK) names.add(name);
  if (WILDCARD.has(host)) names.add(hostname());
  const allowed = new Set<string>();
  for (const name of names) {
    allowed.add(`${hostForm(name)}:${port}`);
    if (port === 80) allowed.add(hostForm(name)); // browsers leave out the default port
  }
  for (const name of extra) allowed.add(name.toLowerCase());
  return allowed;
}

/** True when the request's Host header names this server. */
export function hostAllowed(request: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const host = request.headers.host?.toLowerCase();
  return host !== undefined && allowed.has(host);
}

/**
 * True when the request has no Origin (not a browser) or comes from this
 * server's own page: same scheme-less host as the Host header, or an origin
 * the caller allowed explicitly.
 */
export function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[] = []): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file:) and garbage
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return parsed.host.toLowerCase() === request.headers.host?.toLowerCase();
}

/** Who a request acts as in the job server's API: a user, or `admin` for the admin token. */
export interface Principal {
  user: string;
  superuser: boolean;
}

/** What a presented token grants: a serve token's role, or a job-server user. */
export type Access = { kind: 'serve'; role: Role; principal: Principal } | { kind: 'user'; principal: Principal };

/** Users known to the job server, looked up by API token (its own constant-time check). */
export interface UserDirectory {
  authenticate(token: string): Promise<Principal | undefined>;
}

/**
 * The access a token grants. The admin token acts as the superuser `admin`;
 * the read-only token reads everything (as `readonly`, a superuser that may
 * only GET); any other token is asked of the job server's users.
 */
export async function accessOf(tokens: Tokens, presented: string | undefined, users?: UserDirectory): Promise<Access | undefined> {
  const role = roleOf(tokens, presented);
  if (role !== undefined) return { kind: 'serve', role, principal: { user: SERVE_TOKEN_USERS[role], superuser: true } };
  if (presented === undefined || presented.length === 0 || presented.length > 512 || users === undefined) return undefined;
  const principal = await users.authenticate(presented);
  return principal ? { kind: 'user', principal: { user: principal.user, superuser: principal.superuser } } : undefined;
}
