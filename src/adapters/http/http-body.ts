/** Request bodies for the HTTP API: how a group of routes parses them. */
import type { FastifyInstance } from 'fastify';

/** JSON bodies of the API: 1 MB at most. */
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Within `scope` (a Fastify plugin's own context), every body is read as JSON
 * whatever its Content-Type, up to `bodyLimit` bytes: the routes the import
 * service and `curl -d` already call (docs/import-protocol.md) do not all send
 * `application/json`. Keys `__proto__` and `constructor.prototype` are refused.
 */
export function acceptJsonOfAnyType(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, scope.getDefaultJsonParser('error', 'error'));
}
