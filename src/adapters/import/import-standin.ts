/**
 * A stand-in import service on 127.0.0.1, for tests and demos. It speaks the
 * protocol of docs/import-protocol.md and checks it as a strict service would:
 * it refuses (409) an object whose parents, or a link whose ends, it has not
 * created; it keeps idempotency keys, so a re-sent request answers the same
 * identifiers without creating again; and it counts what it created, by key
 * and by content, so a test can tell "exactly once" from "deduplicated".
 * It can misbehave on request: fail the next calls, refuse chosen objects,
 * answer 202 and leave the answer to a callback.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One object or link the stand-in created. */
export interface StandinCreation {
  kind: 'object' | 'link';
  key: string;
  /** What it was created from: `[type, data]` for an object, `[linkTag, child id, parent id]` for a link. */
  content: string;
  identifiers: { id: string };
  body: Record<string, unknown>;
}

/** Options of {@link startImportStandin}. */
export interface ImportStandinOptions {
  /** Milliseconds each request takes (a slow service). @default 0 */
  delayMs?: number;
  /** Larger bodies get 413. @default 16 MiB */
  maxBodyBytes?: number;
  /** Ids of objects that exist before the import (`{ id }` identifiers). */
  existing?: string[];
}

/** A running stand-in; see {@link startImportStandin}. */
export interface ImportStandin {
  /** e.g. `http://127.0.0.1:41234`; the completion endpoint is `${url}/complete`. */
  url: string;
  /** Everything created, in order. */
  created: StandinCreation[];
  /** Requests received per idempotency key, re-sends included. */
  requests: Map<string, number>;
  /** Requests refused because a parent or an end did not exist yet (a correct import sends none). */
  refusedEarly: string[];
  /** Completion posts: the bodies received, in order. */
  completions: Record<string, unknown>[];
  /** Requests answered 202 and not called back yet, by idempotency key. */
  accepted: Map<string, Record<string, unknown>>;
  /** The next `times` requests to `path` (`/objects`, `/links`, `/complete`) answer `status`. */
  failNext(path: string, status: number, times?: number): void;
  /** Objects for which `refuse` returns a reason are refused with 422 and that reason. */
  refuse: ((body: Record<string, unknown>) => string | undefined) | undefined;
  /** Requests for which `defer` returns true are answered 202; the test calls back. */
  defer: ((body: Record<string, unknown>) => boolean) | undefined;
  /** Creates a deferred request now, as the service would before calling back; returns its identifiers. */
  complete(idempotencyKey: string): { id: string };
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startImportStandin(options: ImportStandinOptions = {}): Promise<ImportStandin> {
  const maxBody = options.maxBodyBytes ?? 16 * 1_048_576;
  const byKey = new Map<string, StandinCreation>();
  const existing = new Set<string>(options.existing ?? []);
  const failures = new Map<string, { status: number; times: number }>();
  let next = 1;

  const create = (kind: 'object' | 'link', key: string, body: Record<string, unknown>, content: string): StandinCreation => {
    const creation: StandinCreation = { kind, key, content, identifiers: { id: `${kind}-${next++}` }, body };
    byKey.set(key, creation);
    existing.add(creation.identifiers.id);
    standin.created.push(creation);
    return creation;
  };
  const missing = (identifiers: unknown) => {
    const id = (identifiers as { id?: unknown } | null)?.id;
    return typeof id !== 'string' || !existing.has(id);
  };

  const accept = (key: string, kind: 'object' | 'link', body: Record<string, unknown>): [number, unknown] => {
    standin.accepted.set(key, { kind, ...body });
    return [202, { accepted: true }];
  };

  const handle = (path: string, body: Record<string, unknown>): [number, unknown] => {
    const failure = failures.get(path);
    if (failure && failure.times > 0) {
      failure.times--;
      return [failure.status, { error: `stand-in fails this call with ${failure.status} on request` }];
    }
    if (path === '/complete') {
      standin.completions.push(body);
      return [200, { ok: true }];
    }
    const key = body.idempotencyKey;
    if (typeof key !== 'string' || key === '') return [400, { error: 'idempotencyKey is required' }];
    standin.requests.set(key, (standin.requests.get(key) ?? 0) + 1);
    const done = byKey.get(key);
    if (done) return [200, { identifiers: done.identifiers }];
    if (standin.accepted.has(key)) return [202, { accepted: true }];
    if (path === '/objects') {
      if (typeof body.type !== 'string') return [400, { error: 'type is required' }];
      if (!Array.isArray(body.parents)) return [400, { error: 'parents must be a list' }];
      const early = (body.parents as { identifiers?: unknown }[]).find((parent) => missing(parent.identifiers));
      if (early) {
        standin.refusedEarly.push(key);
        return [409, { error: `parent ${JSON.stringify(early.identifiers)} does not exist yet` }];
      }
      const reason = standin.refuse?.(body);
      if (reason !== undefined) return [422, { error: reason }];
      if (standin.defer?.(body)) return accept(key, 'object', body);
      return [200, { identifiers: create('object', key, body, JSON.stringify([body.type, body.data])).identifiers }];
    }
    if (path === '/links') {
      if (typeof body.linkTag !== 'string') return [400, { error: 'linkTag is required' }];
      if (missing(body.child) || missing(body.parent)) {
        standin.refusedEarly.push(key);
        return [409, { error: 'an end of the link does not exist yet' }];
      }
      if (standin.defer?.(body)) return accept(key, 'link', body);
      const content = JSON.stringify([body.linkTag, (body.child as { id: string }).id, (body.parent as { id: string }).id]);
      return [200, { identifiers: create('link', key, body, content).identifiers }];
    }
    return [404, { error: `no route POST ${path}` }];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, value: unknown) => {
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (options.delayMs) setTimeout(send, options.delayMs);
      else send();
    };
    if (request.method !== 'POST') return reply(405, { error: 'POST only' });
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBody) return reply(413, { error: 'body too large' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply(400, { error: 'body must be a JSON object' });
      const path = new URL(request.url ?? '/', 'http://standin').pathname;
      // Answer after the delay, but decide at once: a request the client gave up on still took effect, as with a real service.
      const [status, value] = handle(path, body as Record<string, unknown>);
      reply(status, value);
    });
    request.on('error', () => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  const standin: ImportStandin = {
    url: `http://127.0.0.1:${address.port}`,
    created: [],
    requests: new Map(),
    refusedEarly: [],
    completions: [],
    accepted: new Map(),
    refuse: undefined,
    defer: undefined,
    failNext: (path, status, times = 1) => void failures.set(path, { status, times }),
    complete(idempotencyKey) {
      const body = standin.accepted.get(idempotencyKey);
      if (!body) throw new Error(`no deferred request ${idempotencyKey}`);
      standin.accepted.delete(idempotencyKey);
      const kind = body.kind as 'object' | 'link';
      const content = kind === 'object' ? JSON.stringify([body.type, body.data]) : JSON.stringify([body.linkTag, (body.child as { id: string }).id, (body.parent as { id: string }).id]);
      return create(kind, idempotencyKey, body, content).identifiers;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
  return standin;
}
