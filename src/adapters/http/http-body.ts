/** Request bodies for the HTTP API: how a group of routes parses them. */
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { decodeUtf8 } from '../../strict-text.js';

/** JSON bodies of the API: 1 MB at most. */
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Fastify's own JSON parser (keys `__proto__` and `constructor.prototype`
 * refused) over bytes decoded strictly: a body that is not UTF-8 is a 400
 * INVALID_INPUT, never decoded to U+FFFD and stored.
 */
function strictJson(scope: FastifyInstance): FastifyBodyParser<Buffer> {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body, 'the request body');
    } catch (error) {
      return done(error as Error, undefined);
    }
    return parseJson(request, text, done);
  };
}

/** `application/json` bodies, app-wide, parsed by {@link strictJson}. */
export function acceptStrictJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, strictJson(app));
}

/**
 * Within `scope` (a Fastify plugin's own context), every body is read as JSON
 * whatever its Content-Type, up to `bodyLimit` bytes: the routes the import
 * service and `curl -d` already call (docs/import-protocol.md) do not all send
 * `application/json`.
 */
export function acceptJsonOfAnyType(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, strictJson(scope));
}
